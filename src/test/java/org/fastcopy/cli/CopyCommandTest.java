package org.fastcopy.cli;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The copy and verify commands as a user runs them: endpoints as conninfo strings carrying their
 * password file (never a password), the summary on stdout, the JSON report in --workdir, and exit
 * code 5 naming the tables that differ.
 */
@ExtendWith(ClusterExtension.class)
class CopyCommandTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "cli-copy-work");

    CopyCommandTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    private static String conninfo(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=postgres passfile=" + c.passfile();
    }

    @Test
    void copyPrintsItsSummaryWritesAJsonReportAndVerifyFindsTheTablesThatLaterDiffer() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "cli");
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kept (id int PRIMARY KEY, v text)");
            st.execute("INSERT INTO kept SELECT g, 'v' || g FROM generate_series(1, 500) g");
            st.execute("CREATE TABLE changed (id int PRIMARY KEY, v text)");
            st.execute("INSERT INTO changed SELECT g, 'v' || g FROM generate_series(1, 500) g");
        }
        String db = src.database();

        CliRun copy = CliRun.of("--src", conninfo(clusters.flux1()), "--dst", conninfo(clusters.flux2()), "--db", db,
                "--jobs", "2", "--verify", "checksums", "--workdir", work.toString());

        assertThat(copy.exitCode()).as(copy.err()).isZero();
        assertThat(copy.out()).contains(db + ": 1,000 rows").contains("verify (checksums): 2 tables, 1,000 rows, all equal");
        Path report = work.resolve("report-" + db + ".json");
        assertThat(Files.readString(report)).contains("\"rows\": 1000").contains("\"mismatches\": []");

        CliRun same = CliRun.of("verify", "--src", conninfo(clusters.flux1()), "--dst", conninfo(clusters.flux2()), "--db", db);
        assertThat(same.exitCode()).as(same.err()).isZero();
        assertThat(same.out()).contains("all equal");

        // An UPDATE keeps the count: counts miss it, checksums name the table.
        try (Connection c = clusters.connect(clusters.flux2(), db); Statement st = c.createStatement()) {
            st.execute("UPDATE changed SET v = 'edited' WHERE id = 250");
        }
        CliRun counts = CliRun.of("verify", "--src", conninfo(clusters.flux1()), "--dst", conninfo(clusters.flux2()),
                "--db", db, "--mode", "counts");
        assertThat(counts.exitCode()).isZero();
        CliRun sums = CliRun.of("verify", "--src", conninfo(clusters.flux1()), "--dst", conninfo(clusters.flux2()), "--db", db);
        assertThat(sums.exitCode()).isEqualTo(5);
        assertThat(sums.out()).contains("differs: public.changed (same 500 rows, different checksum)").doesNotContain("public.kept");
        assertThat(sums.err().strip()).isEqualTo("fastcopy: 1 difference(s); see above");

        // A second copy onto the now non-empty target is refused in one line, exit 2.
        CliRun again = CliRun.of("--src", conninfo(clusters.flux1()), "--dst", conninfo(clusters.flux2()), "--db", db,
                "--workdir", work.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.errLines()).hasSize(1);
        assertThat(again.err()).contains("already exists and is not empty").contains("--drop-if-exists");
    }

    @Test
    void contradictoryFlagsAreRefusedBeforeAnythingConnects() {
        CliRun run = CliRun.of("--src", "host=127.0.0.1 port=1 user=x", "--dst", "host=127.0.0.1 port=2 user=x",
                "--db", "d", "--resume", "--drop-if-exists");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--drop-if-exists and --resume contradict each other");
    }
}
