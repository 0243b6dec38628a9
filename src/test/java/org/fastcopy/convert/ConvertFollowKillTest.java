package org.fastcopy.convert;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.generate.YearSpan;
import org.fastcopy.testing.CliProcess;
import org.fastcopy.testing.LogicalClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code convert --follow} as the command line runs it, killed with SIGKILL at a seeded random
 * point while a client submits results, then run again: flat equals a full conversion of the
 * final v3 ({@link FlatOracle}). The seed is {@code -Dfastcopy.seed} (printed); more rounds, each
 * killed at its own point, with {@code -Dfastcopy.follow.kills=N}.
 */
class ConvertFollowKillTest {
    @TempDir
    Path work;

    @Test
    void killedFollowerRerunEndsEqualToAFullConversionOfTheFinalV3() throws Exception {
        long seed = Long.getLong("fastcopy.seed", System.nanoTime() % 100_000);
        int kills = Integer.getInteger("fastcopy.follow.kills", 1);
        System.out.println("MEASURE ConvertFollowKillTest seed " + seed + " (rerun with -Dfastcopy.seed=" + seed + ")");
        Random random = new Random(seed);
        LogicalClusters lc = LogicalClusters.get();
        LocalCluster src = lc.source();
        String v3 = lc.newName("mttv3_kill");
        new MttV3Generator(src.connections(), src.endpoint("postgres")).generate(GenerateSpec.defaults(v3)
                .withScale(0.0005).withSeed(17).withYears(new YearSpan(2015, 2015)).withDropIfExists(true));
        String flat = lc.newName("flat_kill");
        String slot = lc.newName("convkill");
        List<String> args = List.of("convert", "--src", CliProcess.conninfo(src), "--db", v3, "--flat-db", flat,
                "--jobs", "1", "--follow", "--slot", slot, "--workdir", work.toString());
        try (Connection c = lc.connect(src, v3); Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE run_template AS SELECT * FROM test_run WHERE test_run_id <> 0 "
                    + "ORDER BY test_run_id LIMIT 1");
            long build = ConvertFollowTest.scalar(st, "SELECT max(test_build_id) FROM test_build");
            for (int round = 0; round < kills; round++) {
                CliProcess follower = CliProcess.start(args, work.resolve("follow-" + round + ".log"));
                try {
                    // The client's transactions of 1 to 100 runs; the follower dies after a random one
                    // (in the first round possibly while it still converts, before it follows).
                    int transactions = 12;
                    int killAfter = random.nextInt(transactions);
                    for (int i = 0; i < transactions; i++) {
                        int rows = random.nextBoolean() ? 1 : 1 + random.nextInt(100);
                        st.execute(ConvertFollowTest.runs(ConvertFollowTest.next(st, "test_run", "test_run_id"), rows,
                                build, 0));
                        if (random.nextInt(4) == 0) {
                            st.execute("UPDATE test_run SET np = np + 1 WHERE test_run_id = (SELECT max(test_run_id) "
                                    + "FROM test_run)");
                        }
                        if (i == killAfter) {
                            assertTrue(follower.isAlive(), "the follower runs until killed: " + follower.log());
                            follower.kill();
                            System.out.println("MEASURE killed round " + round + " after client transaction " + i);
                        }
                    }
                } finally {
                    follower.destroy();
                }
            }
            st.execute("UPDATE description SET description = description || ' (after the kill)' WHERE description_id = "
                    + "(SELECT min(description_id) FROM test_run WHERE test_run_id <> 0)");
        }
        try {
            slotReleased(lc, src, v3, slot);
            List<String> rerun = new java.util.ArrayList<>(args);
            rerun.add("--until-caught-up");
            CliProcess again = CliProcess.start(rerun, work.resolve("rerun.log"));
            Integer code = again.await(Duration.ofMinutes(5));
            again.destroy();
            assertEquals(0, code, again.log());
            ConvertFollowTest.assertExact(lc, src, v3, flat);
        } finally {
            try (Connection c = lc.connect(src, v3); Statement st = c.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                        + slot + "'");
            }
        }
    }

    /**
     * The killed follower's walsender ends once the server sees the connection closed; until then
     * the slot is "active" and a new stream is refused (as it would be for an operator).
     */
    private static void slotReleased(LogicalClusters lc, LocalCluster src, String v3, String slot) throws Exception {
        try (Connection c = lc.connect(src, v3); Statement st = c.createStatement()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ConvertFollowTest.scalar(st, "SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '"
                    + slot + "'") > 0) {
                assertTrue(System.nanoTime() < deadline, "slot " + slot + " still active 60 s after the kill");
                Thread.onSpinWait();
            }
        }
    }
}
