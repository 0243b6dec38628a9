package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.endpoint.Resolvers.resolver;
import static org.fastcopy.endpoint.Resolvers.write;

class ServiceLookupTest {
    @TempDir
    Path home;

    @Test
    void aServiceNameResolvesToItsSection() {
        Path hosts = write(home.resolve("hosts.conf"), """
                # comment
                [other]
                host=elsewhere

                [flux1]
                  host = flux1.example.org
                port=5433
                user=mtt
                dbname=mttv3
                sslmode=verify-full
                """);

        Endpoint ep = resolver(home, Map.of(), hosts).resolve("flux1");

        assertThat(ep.name()).isEqualTo("flux1");
        assertThat(ep.host()).isEqualTo("flux1.example.org");
        assertThat(ep.port()).isEqualTo(5433);
        assertThat(ep.user()).isEqualTo("mtt");
        assertThat(ep.database()).isEqualTo("mttv3");
        assertThat(ep.options()).containsExactlyEntriesOf(Map.of("sslmode", "verify-full"));
        assertThat(ep).hasToString("flux1 (mtt@flux1.example.org:5433/mttv3)");
    }

    @Test
    void theShippedHostsFileDefinesFlux1AndFlux2() {
        Path shipped = Path.of("conf", "hosts.conf");

        Endpoint flux1 = resolver(home, Map.of(), shipped).resolve("flux1");
        Endpoint flux2 = resolver(home, Map.of(), shipped).resolve("flux2");

        assertThat(flux1).hasToString("flux1 (mtt@flux1.example.org:5432/mttv3)");
        assertThat(flux2).hasToString("flux2 (mtt@flux2.example.org:5432/mttv3)");
    }

    @Test
    void extraServiceFilesAreSearchedBeforeTheUserServiceFile() {
        Path hosts = write(home.resolve("hosts.conf"), "[db]\nhost=from-hosts-conf\n");
        write(home.resolve(".pg_service.conf"), "[db]\nhost=from-user-file\n");

        assertThat(resolver(home, Map.of(), hosts).resolve("db").host()).isEqualTo("from-hosts-conf");
    }

    @Test
    void theUserServiceFileIsSearchedWhenTheExtraFilesLackTheService() {
        Path hosts = write(home.resolve("hosts.conf"), "[flux1]\nhost=a\n");
        write(home.resolve(".pg_service.conf"), "[db]\nhost=from-user-file\n");

        assertThat(resolver(home, Map.of(), hosts).resolve("db").host()).isEqualTo("from-user-file");
    }

    @Test
    void pgservicefileReplacesTheUserServiceFile() {
        write(home.resolve(".pg_service.conf"), "[db]\nhost=from-home\n");
        Path custom = write(home.resolve("custom.conf"), "[db]\nhost=from-pgservicefile\n");

        Endpoint ep = resolver(home, Map.of("PGSERVICEFILE", custom.toString())).resolve("db");

        assertThat(ep.host()).isEqualTo("from-pgservicefile");
    }

    @Test
    void theSystemServiceFileUnderPgsysconfdirIsSearchedLast() {
        Path sysconf = home.resolve("etc");
        write(sysconf.resolve("pg_service.conf"), "[db]\nhost=from-sysconf\n");
        write(home.resolve(".pg_service.conf"), "[other]\nhost=x\n");

        Endpoint ep = resolver(home, Map.of("PGSYSCONFDIR", sysconf.toString())).resolve("db");

        assertThat(ep.host()).isEqualTo("from-sysconf");
    }

    @Test
    void theFirstFileHoldingTheServiceIsUsedAloneWithoutMergingLaterFiles() {
        Path hosts = write(home.resolve("hosts.conf"), "[db]\nhost=first\n");
        write(home.resolve(".pg_service.conf"), "[db]\nhost=second\nport=7777\n");

        assertThat(resolver(home, Map.of(), hosts).resolve("db").port()).isEqualTo(5432);
    }

    @Test
    void aMissingExtraServiceFileIsSkipped() {
        write(home.resolve(".pg_service.conf"), "[db]\nhost=from-home\n");

        assertThat(resolver(home, Map.of(), home.resolve("absent.conf")).resolve("db").host()).isEqualTo("from-home");
    }

    @Test
    void aServiceFileEntryOverridesPgport() {
        Path hosts = write(home.resolve("hosts.conf"), "[db]\nhost=a\nport=6001\n");

        assertThat(resolver(home, Map.of("PGPORT", "7000"), hosts).resolve("db").port()).isEqualTo(6001);
    }

    @Test
    void environmentVariablesFillWhatTheServiceLeavesOut() {
        Path hosts = write(home.resolve("hosts.conf"), "[db]\nhost=a\n");

        Endpoint ep = resolver(home, Map.of("PGPORT", "7000", "PGUSER", "envuser", "PGSSLMODE", "require"), hosts)
                .resolve("db");

        assertThat(ep.port()).isEqualTo(7000);
        assertThat(ep.user()).isEqualTo("envuser");
        assertThat(ep.options()).containsEntry("sslmode", "require");
    }

    @Test
    void aServiceNameWinsOverAHostOfTheSameName() {
        Path hosts = write(home.resolve("hosts.conf"), "[db7]\nhost=db7.internal\n");

        assertThat(resolver(home, Map.of(), hosts).resolve("db7").host()).isEqualTo("db7.internal");
    }

    @Test
    void serviceInAConnectionStringTakesTheServiceAndTheStringOverridesIt() {
        Path hosts = write(home.resolve("hosts.conf"), "[flux1]\nhost=a\nport=6001\ndbname=mttv3\nuser=mtt\n");

        Endpoint ep = resolver(home, Map.of(), hosts).resolve("service=flux1 dbname=other");

        assertThat(ep.host()).isEqualTo("a");
        assertThat(ep.port()).isEqualTo(6001);
        assertThat(ep.database()).isEqualTo("other");
    }

    @Test
    void pgserviceFillsWhatAConnectionStringLeavesOut() {
        Path hosts = write(home.resolve("hosts.conf"), "[flux1]\nhost=a\nport=6001\n");

        Endpoint ep = resolver(home, Map.of("PGSERVICE", "flux1"), hosts).resolve("dbname=x");

        assertThat(ep.host()).isEqualTo("a");
        assertThat(ep.port()).isEqualTo(6001);
    }

    @Test
    void anUndefinedServiceInAConnectionStringIsAnErrorNamingTheFilesSearched() {
        Path hosts = write(home.resolve("hosts.conf"), "[flux1]\nhost=a\n");

        assertThatThrownBy(() -> resolver(home, Map.of(), hosts).resolve("service=nope"))
                .isInstanceOf(FastcopyException.class)
                .hasMessage("endpoint 'service=nope': service 'nope' (from the connection string) is not defined in "
                        + hosts + ", " + home.resolve(".pg_service.conf"));
    }

    @Test
    void anUnknownKeyInTheSectionIsAnErrorNamingFileAndLine() {
        Path hosts = write(home.resolve("hosts.conf"), "# endpoints\n[flux1]\nhost=a\n\nprot=5432\n");

        assertThatThrownBy(() -> resolver(home, Map.of(), hosts).resolve("flux1"))
                .isInstanceOf(FastcopyException.class)
                .hasMessage("service file " + hosts + " line 5: unknown key 'prot' in [flux1]")
                .extracting(e -> ((FastcopyException) e).exitCode()).isEqualTo(FastcopyException.USAGE);
    }

    @Test
    void aLineWithoutEqualsSignInTheSectionIsAnErrorNamingFileAndLine() {
        Path hosts = write(home.resolve("hosts.conf"), "[flux1]\nhost=a\njunk\n");

        assertThatThrownBy(() -> resolver(home, Map.of(), hosts).resolve("flux1"))
                .hasMessage("service file " + hosts + " line 3: expected keyword=value in [flux1]");
    }

    @Test
    void otherSectionsAreNotCheckedSoANewerLibpqKeyElsewhereDoesNotBreakUs() {
        Path hosts = write(home.resolve("hosts.conf"), "[other]\nsome_future_key=1\n[flux1]\nhost=a\n");

        assertThat(resolver(home, Map.of(), hosts).resolve("flux1").host()).isEqualTo("a");
    }

    @Test
    void aServiceCannotIncludeAnotherService() {
        Path hosts = write(home.resolve("hosts.conf"), "[flux1]\nservice=flux2\n");

        assertThatThrownBy(() -> resolver(home, Map.of(), hosts).resolve("flux1"))
                .hasMessageContaining("line 2: 'service' inside [flux1]");
    }

    @Test
    void serviceFilesAreListedInSearchOrder() {
        Path hosts = home.resolve("hosts.conf");
        Path cli = home.resolve("cli.conf");

        assertThat(resolver(home, Map.of("PGSERVICEFILE", "/x/svc.conf", "PGSYSCONFDIR", "/etc/pg"), hosts, cli)
                .serviceFiles())
                .containsExactly(hosts, cli, Path.of("/x/svc.conf"), Path.of("/etc/pg/pg_service.conf"));
    }
}
