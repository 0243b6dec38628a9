package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.fastcopy.endpoint.Resolvers.resolver;
import static org.fastcopy.endpoint.Resolvers.write;

/** Passwords never enter an Endpoint, and the refusal never repeats the password. */
class PasswordRefusalTest {
    private static final String SECRET = "Hunter2pw";

    @TempDir
    Path home;

    @ParameterizedTest
    @ValueSource(strings = {
            "postgresql://mtt:" + SECRET + "@flux1/mttv3",
            "postgres://mtt:" + SECRET + "@[::1]:5432/mttv3",
            "postgresql://mtt:Hunt/er2pw@flux1/mttv3", // an unencoded '/' must not turn into a database name
            "postgresql://mtt:Hunt@er2pw@flux1/mttv3", // nor an unencoded '@' into a host name
            "postgresql://flux1/mttv3?user=mtt&password=" + SECRET,
            "postgresql://flux1/mttv3?sslpassword=" + SECRET,
    })
    void aPasswordInAUriIsRefusedWithoutRepeatingIt(String uri) {
        FastcopyException e = catchThrowableOfType(FastcopyException.class, () -> resolver(home).resolve(uri));

        assertThat(e.exitCode()).isEqualTo(FastcopyException.USAGE);
        assertThat(e.getMessage())
                .startsWith("a postgresql:// URI holds a password")
                .contains("~/.pgpass", "PGPASSFILE")
                .doesNotContain(SECRET, "Hunt", "er2pw");
    }

    @Test
    void aPasswordInAConnectionStringIsRefusedWithoutRepeatingIt() {
        FastcopyException e = catchThrowableOfType(FastcopyException.class,
                () -> resolver(home).resolve("host=flux1 password='" + SECRET + "' dbname=x"));

        assertThat(e.getMessage())
                .startsWith("the connection string holds a password")
                .contains("~/.pgpass", "PGPASSFILE")
                .doesNotContain(SECRET);
    }

    @Test
    void aPasswordInAServiceFileIsRefusedNamingTheLineButNotThePassword() {
        Path hosts = write(home.resolve("hosts.conf"), "[flux1]\nhost=a\npassword=" + SECRET + "\n");

        FastcopyException e = catchThrowableOfType(FastcopyException.class,
                () -> resolver(home, Map.of(), hosts).resolve("flux1"));

        assertThat(e.getMessage())
                .startsWith("service file " + hosts + " line 3 holds a password")
                .doesNotContain(SECRET);
    }

    @Test
    void pgpasswordIsNeverStoredInTheEndpoint() {
        Endpoint ep = resolver(home, Map.of("PGPASSWORD", SECRET)).resolve("flux1");

        assertThat(ep.toString() + ep.options() + ep.passfile()).doesNotContain(SECRET);
    }
}
