package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.endpoint.Resolvers.resolver;

class HostAndDefaultsTest {
    @TempDir
    Path home;

    @Test
    void aPlainHostNameGetsLibpqDefaults() {
        Endpoint ep = resolver(home).resolve("db7.example.org");

        assertThat(ep.host()).isEqualTo("db7.example.org");
        assertThat(ep.port()).isEqualTo(5432);
        assertThat(ep.user()).isEqualTo(Resolvers.OS_USER);
        assertThat(ep.database()).as("libpq names the database after the user").isEqualTo(Resolvers.OS_USER);
        assertThat(ep.passfile()).isEqualTo(home.resolve(".pgpass"));
        assertThat(ep.options()).isEmpty();
    }

    @Test
    void aPlainHostNameTakesPortUserAndDatabaseFromTheEnvironment() {
        Map<String, String> env = Map.of("PGHOST", "ignored", "PGPORT", "6432", "PGUSER", "mtt", "PGDATABASE", "mttv3");

        Endpoint ep = resolver(home, env).resolve("db7");

        assertThat(ep).hasToString("db7 (mtt@db7:6432/mttv3)");
    }

    @Test
    void ipAddressesArePlainHostsToo() {
        assertThat(resolver(home).resolve("10.1.2.3").host()).isEqualTo("10.1.2.3");
        assertThat(resolver(home).resolve("::1").host()).isEqualTo("::1");
        assertThat(resolver(home).resolve("[fe80::1]").host()).isEqualTo("fe80::1");
    }

    @Test
    void tlsAndOtherSettingsFromTheEnvironmentBecomeOptions() {
        Map<String, String> env = Map.of("PGSSLMODE", "verify-full", "PGSSLROOTCERT", "/etc/ca.crt",
                "PGCONNECT_TIMEOUT", "9", "PGAPPNAME", "nightly", "PGOPTIONS", "-c work_mem=64MB",
                "PGPASSWORD", "s3cret");

        Endpoint ep = resolver(home, env).resolve("db7");

        assertThat(ep.options()).containsExactlyInAnyOrderEntriesOf(Map.of("sslmode", "verify-full",
                "sslrootcert", "/etc/ca.crt", "connect_timeout", "9", "application_name", "nightly",
                "options", "-c work_mem=64MB"));
        assertThat(ep.toString() + ep.options()).doesNotContain("s3cret");
    }

    @Test
    void thePasswordFileIsPgpassfileWhenSet() {
        assertThat(resolver(home, Map.of("PGPASSFILE", "/secure/pgpass")).resolve("db7").passfile())
                .isEqualTo(Path.of("/secure/pgpass"));
    }

    @Test
    void aPassfileSettingBeatsPgpassfile() {
        Endpoint ep = resolver(home, Map.of("PGPASSFILE", "/secure/pgpass")).resolve("host=db7 passfile=/other/pgpass");

        assertThat(ep.passfile()).isEqualTo(Path.of("/other/pgpass"));
    }

    @Test
    void anEmptyEnvironmentVariableCountsAsUnset() {
        assertThat(resolver(home, Map.of("PGPORT", "")).resolve("db7").port()).isEqualTo(5432);
    }

    @Test
    void aBadPgportIsReportedWithItsSource() {
        assertThatThrownBy(() -> resolver(home, Map.of("PGPORT", "abc")).resolve("db7"))
                .isInstanceOf(FastcopyException.class)
                .hasMessage("endpoint 'db7': port 'abc' (from PGPORT) is not a number from 1 to 65535");
    }

    @Test
    void pgrequiresslStillMeansSslmodeRequire() {
        assertThat(resolver(home, Map.of("PGREQUIRESSL", "1")).resolve("db7").options())
                .containsEntry("sslmode", "require");
    }

    @Test
    void sslrootcertSystemTightensTheDefaultSslmodeToVerifyFull() {
        assertThat(resolver(home).resolve("host=db7 sslrootcert=system").options())
                .containsEntry("sslmode", "verify-full");
    }

    @Test
    void withNothingSetTheHostIsLocalhostBecauseJdbcCannotUseTheUnixSocket() {
        assertThat(resolver(home).resolve("dbname=x").host()).isEqualTo("localhost");
    }

    @Test
    void anEndpointThatIsNoneOfTheKnownFormsNamesTheServiceFilesSearched() {
        Path hosts = home.resolve("hosts.conf");

        assertThatThrownBy(() -> resolver(home, Map.of(), hosts).resolve("my server/x"))
                .isInstanceOf(FastcopyException.class)
                .hasMessage("unknown endpoint 'my server/x': not a service in " + hosts + ", "
                        + home.resolve(".pg_service.conf") + ", a postgresql:// URI or a host name")
                .extracting(e -> ((FastcopyException) e).exitCode()).isEqualTo(FastcopyException.USAGE);
    }

    @Test
    void anEmptyEndpointIsAUsageError() {
        assertThatThrownBy(() -> resolver(home).resolve("  "))
                .hasMessage("empty endpoint name");
    }
}
