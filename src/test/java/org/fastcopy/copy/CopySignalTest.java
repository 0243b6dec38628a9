package org.fastcopy.copy;

import org.fastcopy.testing.CliProcess;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.ServerProbe;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;
import static org.fastcopy.util.Sql.ident;

/**
 * SIGTERM and SIGINT stop a copy cleanly: the process exits within seconds with 128 + the signal
 * (143, 130), its COPYs and index builds are cancelled rather than left running on the servers,
 * every session is closed (the snapshot's included, which releases the snapshot and its locks),
 * the ledger holds only whole units, and --resume ends exact.
 */
@ExtendWith(ClusterExtension.class)
class CopySignalTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    /** The process must be gone this soon after the signal. */
    private static final Duration STOP_WITHIN = Duration.ofSeconds(20);
    /**
     * The run's backends must be gone this soon after the process (SIGTERM mid-data). Not
     * deterministic: a table's COPY takes about 1.5 s, so this bound does not tell a cancelled
     * COPY from one left to end, and a loaded machine may take longer to end the backends.
     */
    private static final Duration BACKENDS_GONE_WITHIN = Duration.ofSeconds(5);
    /**
     * An index expression costing a second per row in fastcopy's post-data sessions, a half-hour
     * build, until a role named fast_index_ + the database exists (the test creates it before the
     * resume): uncancelled, the build would outlast any wait of this test.
     */
    private static final String VERY_SLOW_INDEX_FUNCTION = """
            CREATE FUNCTION very_slow_key(v text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN
                IF current_setting('application_name') = 'fastcopy-post-data'
                   AND NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fast_index_' || current_database()) THEN
                    PERFORM pg_sleep(1);
                END IF;
                RETURN v;
            END $$""";

    private final TestClusters clusters;
    private final ServerProbe probe;
    private final Path work = Path.of("target", "copy-signal-work").toAbsolutePath();

    CopySignalTest(TestClusters clusters) {
        this.clusters = clusters;
        this.probe = new ServerProbe(clusters);
    }

    @Test
    void sigtermMidDataCancelsTheCopiesClosesEverySessionExits143AndResumeEndsExact() throws Exception {
        String db = clusters.createDatabase(clusters.flux1(), "sigterm").database();
        int tables = 5;
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            exec(c, CopyFaultTest.SLOW_CHECK);
            for (int i = 1; i <= tables; i++) {
                // 1.5 s of COPY per table in fastcopy's writers.
                exec(c, "CREATE TABLE t" + i + " (id int PRIMARY KEY, v text CHECK (slow_in_fastcopy(v)))");
                // Rows of about 230 bytes, so each table (over 256 kB) is a unit of its own, not a batch.
                exec(c, "INSERT INTO t" + i + " SELECT g, repeat(md5((g * " + i + ")::text), 6) FROM generate_series(1, 1500) g");
            }
        }
        List<String> args = args(db, "--jobs", "2");

        CliProcess run = CliProcess.start(args, work.resolve(db + "-first.log"));
        try {
            probe.await("a unit committed and another COPY streaming", DEADLINE, run::isAlive,
                    () -> probe.unitsDone(db) >= 1 && activeCopies(db) > 0);
            run.signal("TERM");
            assertThat(run.await(STOP_WITHIN)).as("exit code within %s of SIGTERM; log: %s", STOP_WITHIN, run.log())
                    .isEqualTo(143);
        } finally {
            run.destroy();
        }
        assertThat(run.log()).contains("fastcopy: stopping on a signal").contains("(a rerun with --resume continues)");
        probe.awaitNoRunBackends(BACKENDS_GONE_WITHIN);
        Map<String, String> before = probe.unitMarks(db);
        assertThat(before.size()).isGreaterThanOrEqualTo(1).isLessThan(tables);
        // Each marked unit holds its rows, and no unmarked table holds any: nothing half-done.
        assertWholeUnits(db, tables, before, 1500);

        CliProcess resume = CliProcess.start(withResume(args), work.resolve(db + "-resume.log"));
        assertThat(resume.await(DEADLINE)).as("exit code of the resumed run; log: %s", resume.log()).isZero();
        String report = Files.readString(work.resolve(db).resolve("report-" + db + ".json"));
        assertThat(report).contains("\"tables_compared\": " + tables).contains("\"mismatches\": []");
        assertThat(report.split("\"table\": ", -1)).hasSize(tables - before.size() + 1);
        assertThat(probe.unitMarks(db)).containsAllEntriesOf(before);
    }

    @Test
    void sigintDuringAnIndexBuildCancelsItClosesEverySessionExits130AndResumeEndsExact() throws Exception {
        String db = clusters.createDatabase(clusters.flux1(), "sigint").database();
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            exec(c, VERY_SLOW_INDEX_FUNCTION);
            exec(c, "CREATE TABLE slow (id int PRIMARY KEY, v text)");
            exec(c, "INSERT INTO slow SELECT g, md5(g::text) FROM generate_series(1, 2000) g");
            exec(c, "CREATE INDEX slow_v ON slow (very_slow_key(v))");
        }
        List<String> args = args(db, "--jobs", "1");

        CliProcess run = CliProcess.start(args, work.resolve(db + "-first.log"));
        try {
            probe.await("the slow index build running", DEADLINE, run::isAlive,
                    () -> probe.count(clusters.flux2(), "postgres",
                            "SELECT count(*) FROM pg_stat_progress_create_index p JOIN pg_stat_activity a USING (pid)"
                                    + " WHERE a.application_name = 'fastcopy-post-data' AND p.datname = '" + db + "'") > 0);
            run.signal("INT");
            assertThat(run.await(STOP_WITHIN)).as("exit code within %s of SIGINT; log: %s", STOP_WITHIN, run.log())
                    .isEqualTo(130);
        } finally {
            run.destroy();
        }
        // Cancelled, the build's backend ends within moments; uncancelled, it would run for half an
        // hour more: a wait up to DEADLINE tells the two apart at any load.
        probe.awaitNoRunBackends(DEADLINE);
        assertThat(probe.count(clusters.flux2(), db, "SELECT count(*) FROM pg_class WHERE relname = 'slow_v'")).isZero();
        assertThat(probe.unitMarks(db)).hasSize(1);

        String fast = ident("fast_index_" + db);
        try (Connection c = clusters.connect(clusters.flux2(), "postgres")) {
            exec(c, "CREATE ROLE " + fast);
        }
        try {
            CliProcess resume = CliProcess.start(withResume(args), work.resolve(db + "-resume.log"));
            assertThat(resume.await(DEADLINE)).as("exit code of the resumed run; log: %s", resume.log()).isZero();
        } finally {
            try (Connection c = clusters.connect(clusters.flux2(), "postgres")) {
                exec(c, "DROP ROLE " + fast);
            }
        }
        assertThat(Files.readString(work.resolve(db).resolve("report-" + db + ".json")))
                .contains("\"mismatches\": []").doesNotContain("\"table\": ");
        assertThat(probe.count(clusters.flux2(), db, "SELECT count(*) FROM pg_index WHERE indexrelid = 'slow_v'::regclass"
                + " AND indisvalid")).isEqualTo(1);
    }

    /** COPYs of this run streaming into the target right now. */
    private long activeCopies(String db) throws Exception {
        return probe.count(clusters.flux2(), "postgres", "SELECT count(*) FROM pg_stat_progress_copy p"
                + " JOIN pg_stat_activity a USING (pid) WHERE a.application_name LIKE 'fastcopy-copy-%'"
                + " AND p.datname = '" + db + "'");
    }

    private void assertWholeUnits(String db, int tables, Map<String, String> marks, long rowsPerTable) throws Exception {
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            for (int i = 1; i <= tables; i++) {
                String t = "t" + i;
                boolean marked = marks.containsKey("public." + t);
                assertThat(scalar(dst, "SELECT count(*) FROM " + t)).as("rows of %s (marked: %s)", t, marked)
                        .isEqualTo(marked ? rowsPerTable : 0);
            }
        }
    }

    private List<String> args(String db, String... more) throws Exception {
        Path dir = work.resolve(db);
        Files.createDirectories(dir);
        List<String> args = new ArrayList<>(List.of("--src", CliProcess.conninfo(clusters.flux1()), "--dst",
                CliProcess.conninfo(clusters.flux2()), "--db", db, "--verify", "checksums", "--keep-ledger",
                "--workdir", dir.toString()));
        args.addAll(List.of(more));
        return args;
    }

    private static List<String> withResume(List<String> args) {
        List<String> out = new ArrayList<>(args);
        out.add("--resume");
        return out;
    }
}
