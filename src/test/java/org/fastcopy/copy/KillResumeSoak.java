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
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.copy.CopyFixture.exec;

/**
 * Long soak, not part of {@code mvn test} (surefire runs *Test classes only):
 * {@code mvn -B test -Dtest=KillResumeSoak [-Dfastcopy.soak.cycles=20] [-Dfastcopy.soak.seed=42]}.
 *
 * <p>Each cycle copies the same source anew and kills the CLI with SIGKILL up to three times, each
 * time at a point drawn from a seeded RNG: inside pre-data after some tables exist, mid-data after
 * some units are committed, or inside post-data after some indexes are built; the point is
 * observed on the target, never guessed by time. After each kill a --resume run takes over (and
 * may itself be killed); the last one must end with every table equal by checksum and must keep
 * every unit the killed runs had committed. The same seed gives the same kill plan.
 */
@ExtendWith(ClusterExtension.class)
class KillResumeSoak {
    private static final Duration DEADLINE = Duration.ofSeconds(180);
    private static final int TABLES = 8;
    private static final int CHILDREN = 200;
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
    private final Path work = Path.of("target", "kill-resume-soak").toAbsolutePath();

    KillResumeSoak(TestClusters clusters) {
        this.clusters = clusters;
        this.probe = new ServerProbe(clusters);
    }

    private enum Phase { PRE_DATA, DATA, POST_DATA }

    @Test
    void copiesKilledAtRandomPointsAndResumedAlwaysEndExact() throws Exception {
        int cycles = Integer.getInteger("fastcopy.soak.cycles", 10);
        long seed = Long.getLong("fastcopy.soak.seed", 42L);
        Random rng = new Random(seed);
        String db = source();
        System.out.printf("SOAK seed %d, %d cycles, source %s%n", seed, cycles, db);
        int kills = 0;
        int finishedBeforeKill = 0;
        for (int cycle = 1; cycle <= cycles; cycle++) {
            Path dir = work.resolve(db + "-" + cycle);
            Files.createDirectories(dir);
            List<String> args = new ArrayList<>(List.of("--src", CliProcess.conninfo(clusters.flux1()), "--dst",
                    CliProcess.conninfo(clusters.flux2()), "--db", db, "--jobs", "2", "--index-jobs", "1",
                    "--verify", "checksums", "--keep-ledger", "--workdir", dir.toString()));
            List<String> first = new ArrayList<>(args);
            first.add("--drop-if-exists");
            List<String> resume = new ArrayList<>(args);
            resume.add("--resume");

            int killsThisCycle = 1 + rng.nextInt(3);
            List<String> run = first;
            Map<String, String> committed = Map.of();
            for (int attempt = 1; ; attempt++) {
                CliProcess p = CliProcess.start(run, dir.resolve("run-" + attempt + ".log"));
                if (attempt <= killsThisCycle) {
                    Phase phase = Phase.values()[rng.nextInt(Phase.values().length)];
                    int threshold = 1 + rng.nextInt(phase == Phase.PRE_DATA ? CHILDREN / 2 : TABLES - 1);
                    boolean killed = killAt(p, db, phase, threshold);
                    System.out.printf("SOAK cycle %d run %d: %s at %s >= %d%n", cycle, attempt,
                            killed ? "killed" : "finished before the kill point", phase, threshold);
                    if (killed) {
                        kills++;
                        probe.awaitNoRunBackends(DEADLINE);
                        if (probe.databaseExists(clusters.flux2(), db) && probe.unitsDone(db) > 0) {
                            Map<String, String> now = probe.unitMarks(db);
                            assertThat(now).as("cycle %d: units kept across the kill", cycle).containsAllEntriesOf(committed);
                            committed = now;
                        }
                        run = resume;
                        continue;
                    }
                    finishedBeforeKill++;
                }
                Integer exit = p.await(DEADLINE);
                assertThat(exit).as("cycle %d run %d exit; log: %s", cycle, attempt, p.log()).isZero();
                String report = Files.readString(dir.resolve("report-" + db + ".json"));
                assertThat(report).contains("\"tables_compared\": " + (TABLES + CHILDREN + 1)).contains("\"mismatches\": []");
                assertThat(probe.unitMarks(db)).as("cycle %d: no unit redone", cycle).containsAllEntriesOf(committed);
                break;
            }
        }
        System.out.printf("SOAK done: %d cycles, %d kills, %d runs finished before their kill point%n", cycles, kills,
                finishedBeforeKill);
    }

    /** Waits for the phase's event on the target, then SIGKILL; false if the run ended first. */
    private boolean killAt(CliProcess p, String db, Phase phase, int threshold) throws Exception {
        ServerProbe.Check reached = switch (phase) {
            case PRE_DATA -> () -> probe.count(clusters.flux2(), db,
                    "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'results%'") >= threshold;
            case DATA -> () -> probe.unitsDone(db) >= threshold;
            case POST_DATA -> () -> probe.count(clusters.flux2(), db,
                    "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%_slow'") >= threshold;
        };
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (p.isAlive() && System.nanoTime() < end) {
            // Connect to the target database only once the run has created or kept it: a session
            // of ours would make its DROP DATABASE fail.
            if (p.log().contains("target database done") && reached.holds()) {
                p.kill();
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    /** Slow-to-copy tables with slow indexes, and an inheritance tree that makes pre-data last. */
    private String source() throws Exception {
        String db = clusters.createDatabase(clusters.flux1(), "soak").database();
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            exec(c, CopyFaultTest.SLOW_CHECK);
            exec(c, SLOW_INDEX_FUNCTION);
            for (int i = 1; i <= TABLES; i++) {
                exec(c, "CREATE TABLE t" + i + " (id int PRIMARY KEY, v text CHECK (slow_in_fastcopy(v)))");
                exec(c, "INSERT INTO t" + i + " SELECT g, md5((g * " + i + ")::text) FROM generate_series(1, 600) g");
                exec(c, "CREATE INDEX t" + i + "_slow ON t" + i + " (slow_key(v))");
            }
            exec(c, "CREATE TABLE results (id int, v text)");
            exec(c, "DO $$ BEGIN FOR i IN 1.." + CHILDREN + " LOOP EXECUTE format("
                    + "'CREATE TABLE results_%s (CHECK (id %% " + CHILDREN + " = %s)) INHERITS (results)', i, i - 1);"
                    + " END LOOP; END $$");
            exec(c, "INSERT INTO results_1 SELECT g * " + CHILDREN + ", md5(g::text) FROM generate_series(0, 99) g");
        }
        return db;
    }
}
