package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.Driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionsTest {
    @TempDir
    Path dir;

    private final Connections connections = new Connections(Map.of());

    private Endpoint endpoint(Map<String, String> options) {
        return new Endpoint("flux1", "flux1.example.org", 5432, "mtt", "mttv3", dir.resolve("pgpass"), options);
    }

    private Path passfile(String line) throws IOException {
        Path f = dir.resolve("pgpass");
        Files.writeString(f, line + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    @Test
    void theJdbcUrlNamesHostPortAndDatabase() {
        assertThat(connections.jdbcUrl(endpoint(Map.of()))).isEqualTo("jdbc:postgresql://flux1.example.org:5432/mttv3");
    }

    @Test
    void anIpv6HostIsBracketedInTheJdbcUrl() {
        Endpoint ep = new Endpoint("v6", "::1", 5433, "mtt", "db", null, Map.of());

        assertThat(connections.jdbcUrl(ep)).isEqualTo("jdbc:postgresql://[::1]:5433/db");
    }

    @Test
    void hostaddrIsWhereTheDriverConnectsLikeLibpq() {
        assertThat(connections.jdbcUrl(endpoint(Map.of("hostaddr", "10.0.0.7"))))
                .isEqualTo("jdbc:postgresql://10.0.0.7:5432/mttv3");
    }

    @Test
    void anAwkwardDatabaseNameSurvivesTheDriversOwnUrlParsing() {
        String db = "my db/+?&%=é";
        String url = connections.jdbcUrl(endpoint(Map.of()).withDatabase(db));

        Properties parsed = Driver.parseURL(url, new Properties());

        assertThat(parsed.getProperty("PGDBNAME")).isEqualTo(db);
    }

    @Test
    void aUnixSocketHostIsRefusedBecauseTheDriverSpeaksTcpOnly() {
        Endpoint ep = new Endpoint("local", "/var/run/postgresql", 5432, "mtt", "db", null, Map.of());

        assertThatThrownBy(() -> connections.jdbcUrl(ep))
                .isInstanceOf(FastcopyException.class)
                .hasMessageContaining("Unix-socket directory")
                .hasMessageContaining("host=localhost");
    }

    @Test
    void libpqOptionsBecomeDriverProperties() {
        Endpoint ep = endpoint(Map.of("sslmode", "verify-full", "sslrootcert", "/etc/ca.crt", "sslcert", "/c.crt",
                "sslkey", "/c.key", "connect_timeout", "7", "application_name", "nightly",
                "target_session_attrs", "read-write", "options", "-c work_mem=64MB"));

        Properties p = connections.jdbcProperties(ep, "fastcopy-worker");

        assertThat(p).containsEntry("user", "mtt")
                .containsEntry("sslmode", "verify-full")
                .containsEntry("sslrootcert", "/etc/ca.crt")
                .containsEntry("sslcert", "/c.crt")
                .containsEntry("sslkey", "/c.key")
                .containsEntry("connectTimeout", "7")
                .containsEntry("ApplicationName", "nightly")
                .containsEntry("targetServerType", "primary")
                .containsEntry("options", "-c work_mem=64MB")
                .containsEntry("tcpKeepAlive", "true");
    }

    @Test
    void theProgramsApplicationNameIsUsedWhenTheEndpointSetsNone() {
        assertThat(connections.jdbcProperties(endpoint(Map.of()), "fastcopy-worker"))
                .containsEntry("ApplicationName", "fastcopy-worker");
    }

    @Test
    void keepalivesZeroTurnsTcpKeepaliveOff() {
        assertThat(connections.jdbcProperties(endpoint(Map.of("keepalives", "0")), "x"))
                .containsEntry("tcpKeepAlive", "false");
    }

    @Test
    void connectTimeoutOneMeansTwoSecondsAsInLibpq() {
        assertThat(connections.jdbcProperties(endpoint(Map.of("connect_timeout", "1")), "x"))
                .containsEntry("connectTimeout", "2");
    }

    @Test
    void sslrootcertSystemMeansTheJvmTrustStore() {
        Properties p = connections.jdbcProperties(endpoint(Map.of("sslrootcert", "system")), "x");

        assertThat(p).containsEntry("sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory")
                .doesNotContainKey("sslrootcert");
    }

    @Test
    void everyLibpqKeywordHasAKnownJdbcMapping() {
        assertThat(Libpq.keywords().stream()
                .filter(k -> !Libpq.CORE.contains(k) && !Libpq.SECRETS.contains(k))
                .filter(k -> !JdbcOptions.covers(k)))
                .isEmpty();
    }

    @Test
    void thePasswordComesFromThePasswordFile() throws IOException {
        passfile("flux1.example.org:5432:mttv3:mtt:from-file");

        assertThat(connections.jdbcProperties(endpoint(Map.of()), "x"))
                .containsEntry("password", "from-file")
                .doesNotContainKey("authenticationPluginClassName");
    }

    @Test
    void pgpasswordBeatsThePasswordFile() throws IOException {
        passfile("flux1.example.org:5432:mttv3:mtt:from-file");

        assertThat(new Connections(Map.of("PGPASSWORD", "from-env")).jdbcProperties(endpoint(Map.of()), "x"))
                .containsEntry("password", "from-env");
    }

    @Test
    void withoutAPasswordTheDriverIsStoppedFromReadingPgpassByItsOwnRules() {
        Properties p = connections.jdbcProperties(endpoint(Map.of()), "x");

        assertThat(p).doesNotContainKey("password")
                .containsEntry("authenticationPluginClassName", NoPasswordPlugin.class.getName());
    }

    @Test
    void theChildEnvironmentCarriesTheEndpointButNoPassword() throws IOException {
        passfile("*:*:*:*:from-file");
        Endpoint ep = endpoint(Map.of("sslmode", "verify-full", "sslrootcert", "/etc/ca.crt",
                "application_name", "nightly", "keepalives", "1"));

        Map<String, String> env = connections.childEnvironment(ep);

        assertThat(env).containsExactlyInAnyOrderEntriesOf(Map.of(
                "PGHOST", "flux1.example.org",
                "PGPORT", "5432",
                "PGUSER", "mtt",
                "PGDATABASE", "mttv3",
                "PGPASSFILE", dir.resolve("pgpass").toAbsolutePath().toString(),
                "PGSSLMODE", "verify-full",
                "PGSSLROOTCERT", "/etc/ca.crt",
                "PGAPPNAME", "nightly"));
        assertThat(env.values()).doesNotContain("from-file");
    }

    @Test
    void theChildEnvironmentPassesPgpasswordOnlyWhenItWasGivenToUs() {
        Map<String, String> env = new Connections(Map.of("PGPASSWORD", "from-env")).childEnvironment(endpoint(Map.of()));

        assertThat(env).containsEntry("PGPASSWORD", "from-env");
    }

    @Test
    void aChildDoesNotInheritLibpqVariablesThatCouldRedirectIt() {
        ProcessBuilder pb = new ProcessBuilder("true");
        Map<String, String> inherited = pb.environment();
        inherited.put("PGSERVICE", "elsewhere");
        inherited.put("PGHOSTADDR", "10.9.9.9");
        inherited.put("PGPASSWORD", "stale");
        inherited.put("PGTZ", "UTC");

        connections.applyTo(pb, endpoint(Map.of()));

        assertThat(pb.environment()).doesNotContainKeys("PGSERVICE", "PGHOSTADDR", "PGPASSWORD")
                .containsEntry("PGHOST", "flux1.example.org")
                .containsEntry("PGTZ", "UTC");
    }

    @Test
    void propertiesAreFreshForEachCallSoCallersMayChangeThem() {
        Endpoint ep = endpoint(new HashMap<>());
        Properties a = connections.jdbcProperties(ep, "x");
        a.setProperty("user", "changed");

        assertThat(connections.jdbcProperties(ep, "x")).containsEntry("user", "mtt");
    }
}
