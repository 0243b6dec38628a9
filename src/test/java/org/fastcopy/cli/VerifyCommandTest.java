package org.fastcopy.cli;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.util.Sql.ident;

/**
 * {@code fastcopy verify} compares the databases the user named on each side (two databases on
 * one server here, named by URI and by conninfo), and every kind of content: tables,
 * materialized views, sequences, large objects. Each side is built by the same SQL, then one
 * difference is made on the target.
 */
@ExtendWith(ClusterExtension.class)
class VerifyCommandTest {
    /** The same content on both sides: a table, views with and without data, sequences, large objects. */
    private static final String CONTENT = """
            CREATE TABLE t (id int PRIMARY KEY, v text);
            INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g;
            CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM t WHERE id <= 10;
            CREATE MATERIALIZED VIEW mv_empty AS SELECT 1 AS x WITH NO DATA;
            CREATE SEQUENCE s;
            SELECT nextval('s'), nextval('s');
            CREATE SEQUENCE s_def;
            SELECT lo_from_bytea(20001, 'abc');
            SELECT lo_from_bytea(20002, 'def');
            """;

    private final TestClusters clusters;

    VerifyCommandTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    private static String conninfo(LocalCluster c, String db) {
        return "host=127.0.0.1 port=" + c.port() + " user=postgres passfile=" + c.passfile()
                + (db == null ? "" : " dbname='" + db.replace("'", "\\'") + "'");
    }

    private static String uri(LocalCluster c, String db) {
        return "postgresql://postgres@127.0.0.1:" + c.port() + "/" + URLEncoder.encode(db, StandardCharsets.UTF_8)
                + "?passfile=" + URLEncoder.encode(c.passfile().toString(), StandardCharsets.UTF_8);
    }

    /** Two databases on flux1 built by the same SQL; the second then changed by {@code change}. */
    private String[] pair(String change) throws SQLException {
        String db1 = clusters.createDatabase(clusters.flux1(), "vsrc").database();
        String db2 = clusters.createDatabase(clusters.flux1(), "vdst").database();
        run(db1, CONTENT);
        run(db2, CONTENT);
        if (change != null) {
            run(db2, change);
        }
        return new String[] {db1, db2};
    }

    private void run(String db, String sql) throws SQLException {
        try (Connection c = clusters.connect(clusters.flux1(), db); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Test
    void verifyComparesTheDatabaseDstNamesNotTheSourcesNameOnTheTarget() throws Exception {
        String[] dbs = pair("INSERT INTO t VALUES (101, 'extra')");
        LocalCluster f1 = clusters.flux1();

        CliRun byUri = CliRun.of("verify", "--src", uri(f1, dbs[0]), "--dst", uri(f1, dbs[1]));
        assertThat(byUri.exitCode()).as(byUri.out() + byUri.err()).isEqualTo(5);
        assertThat(byUri.out()).contains(dbs[0] + " -> " + dbs[1] + ": 1 tables")
                .contains("differs: public.t (rows: source 100, target 101)");

        CliRun byConninfo = CliRun.of("verify", "--src", conninfo(f1, dbs[0]), "--dst", conninfo(f1, dbs[1]),
                "--mode", "counts");
        assertThat(byConninfo.exitCode()).as(byConninfo.out() + byConninfo.err()).isEqualTo(5);
        assertThat(byConninfo.out()).contains(dbs[0] + " -> " + dbs[1] + ": ")
                .contains("differs: public.t (rows: source 100, target 101)");

        // The same database named in --dst and --db agrees; another one with --db is refused in one line.
        CliRun agrees = CliRun.of("verify", "--src", conninfo(f1, null), "--dst", uri(f1, dbs[1]), "--db", dbs[1]);
        assertThat(agrees.exitCode()).as(agrees.out() + agrees.err()).isZero();
        CliRun conflict = CliRun.of("verify", "--src", conninfo(f1, null), "--dst", uri(f1, dbs[1]), "--db", dbs[0]);
        assertThat(conflict.exitCode()).isEqualTo(2);
        assertThat(conflict.errLines()).hasSize(1);
        assertThat(conflict.err()).contains("--dst names database \"" + dbs[1] + "\" and --db names \"" + dbs[0] + "\"");

        run(dbs[1], "DELETE FROM t WHERE id = 101");
        CliRun equal = CliRun.of("verify", "--src", uri(f1, dbs[0]), "--dst", uri(f1, dbs[1]));
        assertThat(equal.exitCode()).as(equal.out() + equal.err()).isZero();
        assertThat(equal.out()).contains(dbs[0] + " -> " + dbs[1] + ": 1 tables, 2 materialized views, 2 sequences, "
                + "2 large objects, 110 rows compared (checksums): all equal");
    }

    @Test
    void theCopyRefusesATargetDatabaseOfAnotherNameInsteadOfIgnoringIt() {
        CliRun copy = CliRun.of("--src", conninfo(clusters.flux1(), "one"), "--dst", uri(clusters.flux2(), "two"),
                "--workdir", Path.of("target", "verify-cmd-work").toString());
        assertThat(copy.exitCode()).isEqualTo(2);
        assertThat(copy.errLines()).hasSize(1);
        assertThat(copy.err()).contains("--dst names database \"two\" but the source database is \"one\"");
    }

    @Test
    void everyKindThatDiffersIsNamedAndExits5() throws Exception {
        Map<String, String> cases = Map.of(
                "REFRESH MATERIALIZED VIEW mv WITH NO DATA", "materialized view public.mv (populated on the source, not on the target)",
                "DELETE FROM t WHERE id = 3; REFRESH MATERIALIZED VIEW mv; INSERT INTO t VALUES (3, 'v3')",
                "materialized view public.mv (rows: source 10, target 9)",
                "UPDATE t SET v = 'x' WHERE id = 4; REFRESH MATERIALIZED VIEW mv; UPDATE t SET v = 'v4' WHERE id = 4",
                "materialized view public.mv (same 10 rows, different checksum)",
                "SELECT setval('s', 2, false)", "sequence public.s (value: source 2 (called), target 2 (not called))",
                "ALTER SEQUENCE s_def INCREMENT 2", "sequence public.s_def (definition: source bigint increment 1 min 1 "
                        + "max 9223372036854775807 start 1 no cycle, target bigint increment 2 min 1 max 9223372036854775807 "
                        + "start 1 no cycle)",
                "SELECT lo_unlink(20002)", "large object 20002 is missing on the target",
                "SELECT lo_put(20001, 0, 'abd')", "large object 20001: source 3 bytes, md5 ");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String[] dbs = pair(c.getKey());
            CliRun run = CliRun.of("verify", "--src", uri(clusters.flux1(), dbs[0]), "--dst", uri(clusters.flux1(), dbs[1]));
            assertThat(run.exitCode()).as(c.getKey() + ": " + run.out() + run.err()).isEqualTo(5);
            assertThat(run.out()).as(c.getKey()).contains(": 1 differ").contains("  differs: " + c.getValue());
            assertThat(run.out().lines().filter(l -> l.startsWith("  differs: "))).as(c.getKey()).hasSize(1);
            assertThat(run.err().strip()).isEqualTo("fastcopy: 1 difference(s); see above");
        }
        // counts compares which large objects exist, not their bytes.
        String[] dbs = pair("SELECT lo_put(20001, 0, 'abd')");
        CliRun counts = CliRun.of("verify", "--src", uri(clusters.flux1(), dbs[0]), "--dst", uri(clusters.flux1(), dbs[1]),
                "--mode", "counts");
        assertThat(counts.exitCode()).as(counts.out() + counts.err()).isZero();
    }

    @Test
    void smallTablesDigestedTogetherAreEachJudgedOnTheirOwn() throws Exception {
        // 40 small tables: digested 32 to a statement, so a difference must land on its own table.
        StringBuilder tables = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            tables.append("CREATE TABLE small_").append(i).append(" (id int PRIMARY KEY, v text); INSERT INTO small_")
                    .append(i).append(" SELECT g, 'v' || g FROM generate_series(1, ").append(i + 1).append(") g;");
        }
        String[] dbs = pair(tables.toString()); // the tables on the second database, then on the first
        run(dbs[0], tables.toString());
        run(dbs[1], "INSERT INTO small_7 VALUES (100, 'extra'); UPDATE small_20 SET v = 'changed' WHERE id = 3;"
                + "UPDATE small_39 SET v = 'changed' WHERE id = 40");
        CliRun run = CliRun.of("verify", "--src", uri(clusters.flux1(), dbs[0]), "--dst", uri(clusters.flux1(), dbs[1]));
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(5);
        assertThat(run.out().lines().filter(l -> l.startsWith("  differs: ")).sorted()).containsExactly(
                "  differs: public.small_20 (same 21 rows, different checksum)",
                "  differs: public.small_39 (same 40 rows, different checksum)",
                "  differs: public.small_7 (rows: source 8, target 9)");
        CliRun counts = CliRun.of("verify", "--src", uri(clusters.flux1(), dbs[0]), "--dst", uri(clusters.flux1(), dbs[1]),
                "--mode", "counts");
        assertThat(counts.out().lines().filter(l -> l.startsWith("  differs: ")))
                .containsExactly("  differs: public.small_7 (rows: source 8, target 9)");
    }

    @Test
    void aDatabaseNameHoldingACommaIsNamedInDoubleQuotes() throws Exception {
        String name = clusters.newDatabaseName("a,b");
        try (Connection c = clusters.connect(clusters.flux1(), "postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + ident(name) + " TEMPLATE template0 ENCODING 'UTF8'");
        }
        run(name, "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)");
        Path work = Path.of("target", "verify-cmd-work");

        CliRun copy = CliRun.of("--src", conninfo(clusters.flux1(), null), "--dst", conninfo(clusters.flux2(), null),
                "--db", "\"" + name + "\"", "--verify", "checksums", "--workdir", work.toString());
        assertThat(copy.exitCode()).as(copy.out() + copy.err()).isZero();
        assertThat(copy.out()).contains(name + ": 2 rows");

        // Repeatable, and each quoted value one name: the database with itself, then against its copy.
        CliRun verify = CliRun.of("verify", "--src", conninfo(clusters.flux1(), null), "--dst", conninfo(clusters.flux2(), null),
                "--db", "\"" + name + "\"", "--db", "\"" + name + "\"");
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out().lines().filter(l -> l.startsWith(name + ": 1 tables") && l.endsWith("all equal"))).hasSize(2);

        // Unquoted, the value is still a list: two databases that do not exist.
        CliRun split = CliRun.of("verify", "--src", conninfo(clusters.flux1(), null), "--dst", conninfo(clusters.flux2(), null),
                "--db", name);
        assertThat(split.exitCode()).isNotZero();
        assertThat(split.err()).contains("database 'a' does not exist");
    }
}
