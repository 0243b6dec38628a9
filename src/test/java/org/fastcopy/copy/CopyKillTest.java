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

/**
 * The fastcopy process killed with SIGKILL in the steps other than the data (mid-data is in
 * {@link CopyFaultTest}): inside pre-data, while the target's tables are being created, and inside
 * post-data, while an index is being built. Each time the kill is timed by what the target shows,
 * and a run with --resume ends with every table equal by checksum.
 */
@ExtendWith(ClusterExtension.class)
class CopyKillTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    /**
     * An index expression that sleeps 1 ms per row, in fastcopy's post-data sessions only, so an
     * index build is caught in the act; declared IMMUTABLE, as an index expression must be.
     */
    private static final String SLOW_INDEX_FUNCTION = """
            CREATE FUNCTION slow_key(v text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN
                IF current_setting('application_name') = 'fastcopy-post-data' THEN
                    PERFORM pg_sleep(0.001);
                END IF;
                RETURN v;
            END $$""";

    private final TestClusters clusters;
    private final ServerProbe probe;
    private final Path work = Path.of("target", "copy-kill-work").toAbsolutePath();

    CopyKillTest(TestClusters clusters) {
        this.clusters = clusters;
        this.probe = new ServerProbe(clusters);
    }

    @Test
    void aCopyKilledInsidePreDataIsStartedOverByResumeAndEndsExact() throws Exception {
        String db = clusters.createDatabase(clusters.flux1(), "kill_pre").database();
        int children = 600;
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            // Children of one parent form one lane in pre-data: seconds of CREATE TABLE to catch.
            exec(c, "CREATE TABLE results (id int, at date, v text)");
            exec(c, "DO $$ BEGIN FOR i IN 1.." + children + " LOOP EXECUTE format("
                    + "'CREATE TABLE results_%s (CHECK (id %% " + children + " = %s)) INHERITS (results)', i, i - 1);"
                    + " END LOOP; END $$");
            exec(c, "INSERT INTO results_1 SELECT g * " + children + ", date '2015-01-01' + g, md5(g::text)"
                    + " FROM generate_series(0, 999) g");
            exec(c, "CREATE TABLE other (id int PRIMARY KEY, v text)");
            exec(c, "INSERT INTO other SELECT g, md5(g::text) FROM generate_series(1, 5000) g");
        }
        List<String> args = args(db, "--jobs", "2");

        CliProcess first = CliProcess.start(args, work.resolve(db + "-first.log"));
        try {
            probe.await("pre-data half done on the target", DEADLINE, first::isAlive,
                    () -> probe.count(clusters.flux2(), db, "SELECT count(*) FROM pg_class WHERE relkind = 'r'"
                            + " AND relname LIKE 'results%'") > 50);
        } finally {
            first.destroy();
        }
        probe.awaitNoRunBackends(DEADLINE);
        assertThat(probe.count(clusters.flux2(), db, "SELECT count(*) FROM pg_class WHERE relkind = 'r'"
                + " AND relname LIKE 'results%'")).as("tables created before the kill").isLessThan(children + 1);
        assertThat(probe.count(clusters.flux2(), db, "SELECT count(*) FROM _fastcopy.run WHERE key = 'pre-data'"))
                .as("pre-data marked done").isZero();

        CliProcess resume = CliProcess.start(withResume(args), work.resolve(db + "-resume.log"));
        assertThat(resume.await(DEADLINE)).as("exit code of the resumed run; log: %s", resume.log()).isZero();
        assertThat(resume.log()).contains("the earlier run stopped inside pre-data");
        assertThat(Files.readString(work.resolve(db).resolve("report-" + db + ".json")))
                .contains("\"tables_compared\": " + (children + 2)).contains("\"mismatches\": []");
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(scalar(dst, "SELECT count(*) FROM results")).isEqualTo(1000);
            assertThat(scalar(dst, "SELECT count(*) FROM pg_inherits")).isEqualTo(children);
        }
    }

    @Test
    void aCopyKilledWhileBuildingIndexesResumesWithoutRecopyingAnyTableAndEndsExact() throws Exception {
        String db = clusters.createDatabase(clusters.flux1(), "kill_post").database();
        int tables = 6;
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            exec(c, SLOW_INDEX_FUNCTION);
            for (int i = 1; i <= tables; i++) {
                exec(c, "CREATE TABLE t" + i + " (id int PRIMARY KEY, v text)");
                exec(c, "INSERT INTO t" + i + " SELECT g, md5((g * " + i + ")::text) FROM generate_series(1, 400) g");
                exec(c, "CREATE INDEX t" + i + "_slow ON t" + i + " (slow_key(v))");
            }
        }
        List<String> args = args(db, "--jobs", "1", "--index-jobs", "1");

        CliProcess first = CliProcess.start(args, work.resolve(db + "-first.log"));
        try {
            probe.await("every table copied and an index build running", DEADLINE, first::isAlive,
                    () -> probe.unitsDone(db) == tables && probe.count(clusters.flux2(), "postgres",
                            "SELECT count(*) FROM pg_stat_progress_create_index p JOIN pg_stat_activity a USING (pid)"
                                    + " WHERE a.application_name = 'fastcopy-post-data' AND p.datname = '" + db + "'") > 0);
        } finally {
            first.destroy();
        }
        probe.awaitNoRunBackends(DEADLINE);
        Map<String, String> stepsBefore = probe.stepMarks(db);
        Map<String, String> unitsBefore = probe.unitMarks(db);
        assertThat(unitsBefore).hasSize(tables);
        assertThat(probe.count(clusters.flux2(), db, "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%_slow'"))
                .as("slow indexes built before the kill").isLessThan(tables);

        CliProcess resume = CliProcess.start(withResume(args), work.resolve(db + "-resume.log"));
        assertThat(resume.await(DEADLINE)).as("exit code of the resumed run; log: %s", resume.log()).isZero();
        String report = Files.readString(work.resolve(db).resolve("report-" + db + ".json"));
        assertThat(report).contains("\"resumed\": true").contains("\"tables_compared\": " + tables)
                .contains("\"mismatches\": []");
        // perTable lists the units this run copied: none.
        assertThat(report.split("\"table\": ", -1)).hasSize(1);
        assertThat(probe.unitMarks(db)).isEqualTo(unitsBefore);
        assertThat(probe.stepMarks(db)).containsAllEntriesOf(stepsBefore);
        assertThat(probe.count(clusters.flux2(), db, "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%_slow'"))
                .isEqualTo(tables);
        assertThat(probe.count(clusters.flux2(), db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid")).isZero();
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
