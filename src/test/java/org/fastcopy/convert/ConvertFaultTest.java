package org.fastcopy.convert;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.testing.CliProcess;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.ServerProbe;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The convert process stopped in the middle of a test_run range, by SIGKILL and by SIGTERM: the
 * flat database holds exactly the rows of the ranges marked done, a rerun converts the rest
 * without redoing the marked ones, and the result equals {@link FlatOracle}'s.
 *
 * <p>To catch a range in the act, the flat test_run table gets a CHECK whose function sleeps
 * a few ms per row in convert's sessions only (application_name fastcopy-convert).
 */
@ExtendWith(ClusterExtension.class)
class ConvertFaultTest {
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final List<String> TABLES = List.of("submit", "mpi_install", "test_build", "test_run");

    private final TestClusters clusters;
    private final ServerProbe probe;
    private final Path work = Path.of("target", "convert-fault-work").toAbsolutePath();

    ConvertFaultTest(TestClusters clusters) {
        this.clusters = clusters;
        this.probe = new ServerProbe(clusters);
    }

    @Test
    void aConvertKilledWithSigkillMidRangeKeepsWholeRangesAndARerunEndsExact() throws Exception {
        String v3 = clusters.mttV3();
        String flat = slowFlat("flatkill", 2);
        List<String> args = args(v3, flat);

        CliProcess run = CliProcess.start(args, work.resolve(flat + "-first.log"));
        try {
            awaitMidRange(run, flat);
        } finally {
            run.destroy();
        }
        probe.awaitNoRunBackends(DEADLINE);
        Map<String, String> before = finishedRanges(flat);
        assertThat(before).isNotEmpty();
        assertFlatHoldsExactlyTheMarkedRanges(flat);

        CliProcess rerun = CliProcess.start(args, work.resolve(flat + "-rerun.log"));
        assertThat(rerun.await(DEADLINE)).as("exit code of the rerun; log: %s", rerun.log()).isZero();
        assertThat(rerun.log()).contains("resuming unfinished run");
        assertThat(finishedRanges(flat)).containsAllEntriesOf(before).hasSizeGreaterThan(before.size());
        assertExact(v3, flat);
    }

    @Test
    void aConvertStoppedWithSigtermMidRangeCancelsItExits143LeavesNoSessionAndARerunEndsExact() throws Exception {
        String v3 = clusters.mttV3();
        // A second per row, minutes per range: the first one is still streaming when the signal
        // lands, and uncancelled its COPY would hold its backend far longer than DEADLINE.
        String flat = slowFlat("flatterm", 1000);
        List<String> args = args(v3, flat);

        CliProcess run = CliProcess.start(args, work.resolve(flat + "-first.log"));
        try {
            probe.await("the first range streaming", DEADLINE, run::isAlive, () -> rangeStreaming(flat));
            run.signal("TERM");
            assertThat(run.await(Duration.ofSeconds(20))).as("exit code after SIGTERM; log: %s", run.log()).isEqualTo(143);
        } finally {
            run.destroy();
        }
        assertThat(run.log()).contains("convert: stopping on a signal").contains("(a rerun of the same command continues)");
        // Cancelled, the backends end within moments; not cancelled, the range's COPY would hold
        // its backend for minutes more: a wait up to DEADLINE tells the two apart at any load.
        probe.awaitNoRunBackends(DEADLINE);
        assertThat(finishedRanges(flat)).as("ranges committed").isEmpty();
        assertFlatHoldsExactlyTheMarkedRanges(flat);

        setSlowness(flat, 0);
        CliProcess rerun = CliProcess.start(args, work.resolve(flat + "-rerun.log"));
        assertThat(rerun.await(DEADLINE)).as("exit code of the rerun; log: %s", rerun.log()).isZero();
        assertThat(rerun.log()).contains("resuming unfinished run");
        assertExact(v3, flat);
    }

    /**
     * A flat database set up by hand (convert keeps an existing one) whose test_run CHECK sleeps
     * {@code millisPerRow} in convert's sessions; {@link #setSlowness} changes it between runs.
     */
    private String slowFlat(String prefix, int millisPerRow) throws Exception {
        LocalCluster flux1 = clusters.flux1();
        String flat = clusters.createDatabase(flux1, prefix).database();
        try (Connection c = clusters.connect(flux1, flat); Statement st = c.createStatement()) {
            for (String sql : FlatSchema.setup()) {
                st.execute(sql);
            }
            st.execute("CREATE TABLE slowness (ms int NOT NULL)");
            st.execute("INSERT INTO slowness VALUES (" + millisPerRow + ")");
            st.execute("""
                    CREATE FUNCTION slow_in_convert(v text) RETURNS boolean LANGUAGE plpgsql AS $$
                    BEGIN
                        IF current_setting('application_name') = 'fastcopy-convert' THEN
                            PERFORM pg_sleep((SELECT ms FROM slowness) / 1000.0);
                        END IF;
                        RETURN true;
                    END $$""");
            st.execute("ALTER TABLE test_run ADD CONSTRAINT slow CHECK (slow_in_convert(full_command))");
        }
        return flat;
    }

    private void setSlowness(String flat, int millisPerRow) throws Exception {
        try (Connection c = clusters.connect(clusters.flux1(), flat); Statement st = c.createStatement()) {
            st.execute("UPDATE slowness SET ms = " + millisPerRow);
        }
    }

    /** A range's COPY streaming into the flat database. */
    private boolean rangeStreaming(String flat) throws Exception {
        return probe.count(clusters.flux1(), "postgres",
                "SELECT count(*) FROM pg_stat_progress_copy p JOIN pg_stat_activity a USING (pid)"
                        + " WHERE a.application_name = 'fastcopy-convert' AND p.datname = '" + flat + "'"
                        + " AND p.command = 'COPY FROM' AND a.query LIKE '%test_run%'") > 0;
    }

    /** At least one range committed and another one's COPY streaming into the flat database. */
    private void awaitMidRange(CliProcess run, String flat) throws Exception {
        probe.await("a range committed and the next one streaming", DEADLINE, run::isAlive,
                () -> finishedRanges(flat).size() >= 1 && rangeStreaming(flat));
    }

    /** Range key -> finished timestamp of the ranges the ledger marks done. */
    private Map<String, String> finishedRanges(String flat) throws Exception {
        Map<String, String> out = new TreeMap<>();
        if (probe.count(clusters.flux1(), flat, "SELECT count(*) FROM pg_namespace WHERE nspname = '_convert'") == 0) {
            return out;
        }
        try (Connection c = clusters.connect(clusters.flux1(), flat); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT part_key, finished::text FROM _convert.part"
                     + " WHERE part_key LIKE 'test_run:%' AND finished IS NOT NULL")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    private void assertFlatHoldsExactlyTheMarkedRanges(String flat) throws Exception {
        assertThat(probe.count(clusters.flux1(), flat, "SELECT count(*) FROM test_run WHERE test_run_id <> 0"))
                .isEqualTo(probe.count(clusters.flux1(), flat, "SELECT coalesce(sum(rows), 0) FROM _convert.part"
                        + " WHERE part_key LIKE 'test_run:%' AND finished IS NOT NULL"));
    }

    private void assertExact(String v3, String flat) throws Exception {
        try (Connection a = clusters.connect(clusters.flux1(), v3); Connection b = clusters.connect(clusters.flux1(), flat)) {
            for (String t : TABLES) {
                assertThat(FlatOracle.actual(b, t)).as(t).isEqualTo(FlatOracle.expected(a, t));
            }
        }
    }

    private List<String> args(String v3, String flat) {
        String ep = CliProcess.conninfo(clusters.flux1());
        return List.of("convert", "--src", ep, "--dst", ep, "--db", v3, "--flat-db", flat, "--jobs", "1",
                "--workdir", work.resolve(flat).toString());
    }
}
