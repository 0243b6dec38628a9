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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;

/**
 * The target server restarted (pg_ctl restart -m fast: every session terminated with 57P01, then
 * connections refused, then 57P03 while it starts) in the middle of a copy. The copy workers
 * retry their unit on new sessions; what cannot be retried safely (a post-data session lost
 * between statements) stops the run with one line naming it, and --resume ends exact.
 *
 * <p>The clusters are shared by the whole test JVM: the restart keeps flux2's port and returns
 * only once it accepts connections, and each test ends with flux2 up.
 */
@ExtendWith(ClusterExtension.class)
class TargetRestartTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private final TestClusters clusters;
    private final ServerProbe probe;
    private final Path work = Path.of("target", "target-restart-work").toAbsolutePath();

    TargetRestartTest(TestClusters clusters) {
        this.clusters = clusters;
        this.probe = new ServerProbe(clusters);
    }

    @Test
    void copyWorkersRetryTheirUnitsAcrossATargetRestartAndTheCopyEndsExact() throws Exception {
        // Tables without keys or indexes: the restart can only hit the data phase.
        String db = slowSource("restart_data", false);
        CopySpec spec = CopyFixture.spec(clusters, db, work);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        CopyReport report;
        try {
            CompletableFuture<CopyReport> copy = CompletableFuture.supplyAsync(
                    () -> new CopyJob(spec, clusters.flux1().connections()).run().get(0), pool);
            probe.await("a unit committed and COPYs streaming into the target", DEADLINE, () -> !copy.isDone(),
                    () -> probe.unitsDone(db) >= 1 && activeCopies(db) > 0);
            clusters.flux2().restart();
            report = copy.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        assertThat(report.retries()).as("units retried after the restart").isGreaterThanOrEqualTo(1);
        assertThat(report.verify().ok()).as("%s", report.verify().mismatches()).isTrue();
        assertThat(report.verify().tablesCompared()).isEqualTo(4);
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(scalar(dst, "SELECT count(*) FROM t4")).isEqualTo(1500);
        }
    }

    @Test
    void aTargetRestartDuringDataAndIndexBuildsEndsExactDirectlyOrAfterResume() throws Exception {
        String db = slowSource("restart_post", true);
        Path dir = work.resolve(db);
        Files.createDirectories(dir);
        List<String> args = new ArrayList<>(List.of("--src", CliProcess.conninfo(clusters.flux1()), "--dst",
                CliProcess.conninfo(clusters.flux2()), "--db", db, "--jobs", "2", "--verify", "checksums",
                "--keep-ledger", "--workdir", dir.toString()));

        CliProcess run = CliProcess.start(args, dir.resolve("first.log"));
        Integer exit;
        try {
            probe.await("a unit committed and COPYs streaming into the target", DEADLINE, run::isAlive,
                    () -> probe.unitsDone(db) >= 1 && activeCopies(db) > 0);
            clusters.flux2().restart();
            exit = run.await(DEADLINE);
        } finally {
            run.destroy();
        }
        String log = run.log();
        assertThat(exit).as("exit code; log: %s", log).isIn(0, 4);
        if (exit == 4) {
            // One line naming what was lost, with the server's reason; no stack trace.
            String error = log.lines().filter(l -> l.startsWith("fastcopy: ")).reduce((a, b) -> b).orElse("");
            assertThat(error).as("log: %s", log).containsAnyOf("57P01", "08006", "08003", "connection")
                    .doesNotContain("Exception:");
            assertThat(log).doesNotContain("\tat org.fastcopy");
            probe.awaitNoRunBackends(DEADLINE);
            Map<String, String> before = probe.unitMarks(db);
            args.add("--resume");
            CliProcess resume = CliProcess.start(args, dir.resolve("resume.log"));
            assertThat(resume.await(DEADLINE)).as("exit code of the resumed run; log: %s", resume.log()).isZero();
            assertThat(probe.unitMarks(db)).containsAllEntriesOf(before);
        }
        String report = Files.readString(dir.resolve("report-" + db + ".json"));
        assertThat(report).contains("\"tables_compared\": 4").contains("\"mismatches\": []");
        assertThat(probe.count(clusters.flux2(), db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid")).isZero();
        assertThat(probe.count(clusters.flux2(), db, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'"))
                .isEqualTo(8);
    }

    /** Four tables of 1,500 rows whose COPY into the target takes 1.5 s each. */
    private String slowSource(String prefix, boolean keysAndIndexes) throws Exception {
        String db = clusters.createDatabase(clusters.flux1(), prefix).database();
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            exec(c, CopyFaultTest.SLOW_CHECK);
            for (int i = 1; i <= 4; i++) {
                exec(c, "CREATE TABLE t" + i + " (id int" + (keysAndIndexes ? " PRIMARY KEY" : "")
                        + ", v text CHECK (slow_in_fastcopy(v)))");
                // Rows of about 230 bytes, so each table (over 256 kB) is a unit of its own, not a batch.
                exec(c, "INSERT INTO t" + i + " SELECT g, repeat(md5((g * " + i + ")::text), 6) FROM generate_series(1, 1500) g");
                if (keysAndIndexes) {
                    exec(c, "CREATE INDEX ON t" + i + " (v)");
                }
            }
        }
        return db;
    }

    private long activeCopies(String db) throws Exception {
        return probe.count(clusters.flux2(), "postgres", "SELECT count(*) FROM pg_stat_progress_copy p"
                + " JOIN pg_stat_activity a USING (pid) WHERE a.application_name LIKE 'fastcopy-copy-%'"
                + " AND p.datname = '" + db + "'");
    }
}
