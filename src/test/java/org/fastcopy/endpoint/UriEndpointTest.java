package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.endpoint.Resolvers.resolver;

class UriEndpointTest {
    @TempDir
    Path home;

    @Test
    void aFullUriSetsUserHostPortDatabaseAndQueryOptions() {
        Endpoint ep = resolver(home).resolve("postgresql://mtt@flux1.example.org:5433/mttv3?sslmode=verify-full&connect_timeout=7");

        assertThat(ep.name()).isEqualTo("postgresql://mtt@flux1.example.org:5433/mttv3?sslmode=verify-full&connect_timeout=7");
        assertThat(ep.user()).isEqualTo("mtt");
        assertThat(ep.host()).isEqualTo("flux1.example.org");
        assertThat(ep.port()).isEqualTo(5433);
        assertThat(ep.database()).isEqualTo("mttv3");
        assertThat(ep.options()).containsExactlyInAnyOrderEntriesOf(
                Map.of("sslmode", "verify-full", "connect_timeout", "7"));
    }

    @Test
    void theShortPostgresSchemeIsAcceptedToo() {
        Endpoint ep = resolver(home).resolve("postgres://db7/sales");

        assertThat(ep.host()).isEqualTo("db7");
        assertThat(ep.database()).isEqualTo("sales");
    }

    @Test
    void everyPartIsPercentDecodedAndPlusStaysPlus() {
        Endpoint ep = resolver(home).resolve("postgresql://m%40tt@db7/my%20db%2Fx+y?application_name=copy%C3%A9");

        assertThat(ep.user()).isEqualTo("m@tt");
        assertThat(ep.database()).isEqualTo("my db/x+y");
        assertThat(ep.options()).containsEntry("application_name", "copyé");
    }

    @Test
    void anIpv6AddressIsWrittenInBrackets() {
        Endpoint ep = resolver(home).resolve("postgresql://[::1]:6543/mttv3");

        assertThat(ep.host()).isEqualTo("::1");
        assertThat(ep.port()).isEqualTo(6543);
    }

    @Test
    void anIpv6AddressWithoutPortGetsTheDefaultPort() {
        Endpoint ep = resolver(home).resolve("postgresql://[2001:db8::7]/mttv3");

        assertThat(ep.host()).isEqualTo("2001:db8::7");
        assertThat(ep.port()).isEqualTo(5432);
    }

    @Test
    void partsTheUriLeavesOutComeFromTheEnvironment() {
        Map<String, String> env = Map.of("PGHOST", "envhost", "PGPORT", "6000", "PGUSER", "envuser",
                "PGDATABASE", "envdb", "PGSSLMODE", "require");

        Endpoint ep = resolver(home, env).resolve("postgresql:///");

        assertThat(ep.host()).isEqualTo("envhost");
        assertThat(ep.port()).isEqualTo(6000);
        assertThat(ep.user()).isEqualTo("envuser");
        assertThat(ep.database()).isEqualTo("envdb");
        assertThat(ep.options()).containsEntry("sslmode", "require");
    }

    @Test
    void aQueryParameterOverridesThePartBeforeIt() {
        Endpoint ep = resolver(home).resolve("postgresql://a/db1?dbname=db2&port=7000");

        assertThat(ep.database()).isEqualTo("db2");
        assertThat(ep.port()).isEqualTo(7000);
    }

    @Test
    void sslTrueMeansSslmodeRequireAsInLibpq() {
        assertThat(resolver(home).resolve("postgresql://a/db?ssl=true").options()).containsEntry("sslmode", "require");
    }

    @Test
    void anUnknownQueryParameterIsNamed() {
        assertThatThrownBy(() -> resolver(home).resolve("postgresql://a/db?sslmdoe=require"))
                .isInstanceOf(FastcopyException.class)
                .hasMessage("invalid postgresql:// URI: unknown query parameter 'sslmdoe'")
                .extracting(e -> ((FastcopyException) e).exitCode()).isEqualTo(FastcopyException.USAGE);
    }

    @Test
    void brokenPercentEncodingIsAnError() {
        assertThatThrownBy(() -> resolver(home).resolve("postgresql://a/my%2gdb"))
                .hasMessage("invalid postgresql:// URI: invalid percent-encoding in the database name");
        assertThatThrownBy(() -> resolver(home).resolve("postgresql://a/my%00db"))
                .hasMessage("invalid postgresql:// URI: %00 is not allowed in the database name");
    }

    @Test
    void severalHostsAreRefusedBecauseAnEndpointIsOneServer() {
        assertThatThrownBy(() -> resolver(home).resolve("postgresql://a:5432,b:5433/db"))
                .hasMessageContaining("several hosts");
    }

    @Test
    void aPortThatIsNotANumberNamesWhereItCameFrom() {
        assertThatThrownBy(() -> resolver(home).resolve("postgresql://a:54x/db"))
                .hasMessage("endpoint 'postgresql://a:54x/db': port '54x' (from the URI) is not a number from 1 to 65535");
    }
}
