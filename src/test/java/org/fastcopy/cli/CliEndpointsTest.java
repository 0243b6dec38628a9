package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which database is paired with which: a database typed in --dst is honoured or refused, a
 * service's dbname= (conf/hosts.conf's flux1 and flux2 name mttv3) is a default --db replaces.
 */
class CliEndpointsTest {
    private static List<CliEndpoints.DatabasePair> pairs(List<String> db, String src, String dst) {
        Endpoint s = CliEndpoints.resolve(src, null, "--src");
        Endpoint d = CliEndpoints.resolve(dst, null, "--dst");
        return CliEndpoints.databases(db, src, s, dst, d, null);
    }

    @Test
    void withoutDbTheTargetIsTheDatabaseDstNamesElseTheSourcesName() {
        assertThat(pairs(null, "postgresql://u@h1/db1", "postgresql://u@h2/db2"))
                .containsExactly(new CliEndpoints.DatabasePair("db1", "db2"));
        assertThat(pairs(null, "host=h1 user=u dbname=db1", "host=h2 user=u"))
                .containsExactly(new CliEndpoints.DatabasePair("db1", "db1"));
        assertThat(pairs(null, "postgresql://u@h1/db1", "flux2"))
                .containsExactly(new CliEndpoints.DatabasePair("db1", "mttv3"));
        assertThat(pairs(null, "postgresql://u@h1/db1", "postgresql://u@h2/db2").get(0).label()).isEqualTo("db1 -> db2");
    }

    @Test
    void withDbTheSameNamesOnBothSidesAndATypedDatabaseMustBeThatName() {
        assertThat(pairs(List.of("mttv3", "mttflat"), "flux1", "flux2"))
                .containsExactly(new CliEndpoints.DatabasePair("mttv3", "mttv3"), new CliEndpoints.DatabasePair("mttflat", "mttflat"));
        assertThat(pairs(List.of("db2"), "host=h1 user=u", "postgresql://u@h2/db2"))
                .containsExactly(new CliEndpoints.DatabasePair("db2", "db2"));
        assertThatThrownBy(() -> pairs(List.of("db1", "db3"), "host=h1 user=u", "host=h2 user=u dbname=db1"))
                .isInstanceOf(FastcopyException.class)
                .hasMessage("--dst names database \"db1\" and --db names \"db1\", \"db3\": name the databases in one place "
                        + "(--db means the same names on both sides)");
        assertThatThrownBy(() -> pairs(List.of("db2"), "postgresql://u@h1/db1", "host=h2 user=u"))
                .hasMessageStartingWith("--src names database \"db1\" and --db names \"db2\"");
    }

    @Test
    void aQuotedDbValueIsOneNameHoldingItsCommas() {
        CliEndpoints.DatabaseName name = new CliEndpoints.DatabaseName();
        assertThat(name.convert("\"a,b\"")).isEqualTo("a,b");
        assertThat(name.convert("\"say \"\"hi\"\"\"")).isEqualTo("say \"hi\"");
        assertThat(name.convert("plain")).isEqualTo("plain");
    }
}
