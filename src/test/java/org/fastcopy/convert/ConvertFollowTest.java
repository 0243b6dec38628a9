package org.fastcopy.convert;

import org.fastcopy.cli.Main;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.generate.YearSpan;
import org.fastcopy.pg.Scalar;
import org.fastcopy.testing.CliProcess;
import org.fastcopy.testing.LogicalClusters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code convert --follow}: while MTT clients submit results through the parents' rules, the flat
 * database follows v3's change stream and ends equal to a full conversion of the final v3
 * ({@link FlatOracle}, ids translated).
 */
class ConvertFollowTest {
    private static final List<String> TABLES = List.of("submit", "mpi_install", "test_build", "test_run");

    @TempDir
    Path work;

    @Test
    void flatEqualsAFullConversionOfTheFinalV3AfterFollowingInsertsUpdatesAndDeletes() throws Exception {
        LogicalClusters lc = LogicalClusters.get();
        LocalCluster src = lc.source();
        String v3 = lc.newName("mttv3_follow");
        new MttV3Generator(src.connections(), src.endpoint("postgres")).generate(GenerateSpec.defaults(v3)
                .withScale(0.001).withSeed(13).withYears(new YearSpan(2014, 2015)).withDangling(0.01)
                .withDropIfExists(true));
        String flat = lc.newName("flat_follow");
        String slot = lc.newName("convfollow");
        ConvertSpec spec = spec(src, v3, flat);
        new ConvertJob(spec, src.connections(), ConvertListener.NONE).run();

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ConvertFollow follow = new ConvertFollow(spec, src.connections(), slot, slot, registry);
        try {
            assertTrue(follow.prepare(), "a new follower");
            // Checks while the writer writes: what v3 committed after flat's position is no difference.
            follow.verify(false, Duration.ofSeconds(3), new VerifyOptions(true, false, false, 200, 1));
            CompletableFuture<ConvertFollow.Result> running = CompletableFuture.supplyAsync(follow::run);
            long w0 = System.nanoTime();
            long lateBuild;
            try (Connection c = lc.connect(src, v3); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                // A new client: its submit, install and build, then twenty runs of one row each.
                long submit = next(st, "submit", "submit_id");
                st.execute("INSERT INTO submit (submit_id, hostname, local_username, http_username, mtt_client_version) "
                        + "VALUES (" + submit + ", 'follow-host', 'u', 'h', 'v9')");
                long install = next(st, "mpi_install", "mpi_install_id");
                st.execute(install(install, submit));
                long build = next(st, "test_build", "test_build_id");
                st.execute(build(build, install, submit));
                c.commit();
                // The columns a client sends, taken once (each rule of the parent would read them again).
                st.execute("CREATE TEMP TABLE run_template AS SELECT * FROM test_run WHERE test_run_id <> 0 "
                        + "ORDER BY test_run_id LIMIT 1");
                long run = next(st, "test_run", "test_run_id");
                long oldBuild = scalar(st, "SELECT min(test_build_id) FROM test_build WHERE test_build_id <> 0");
                c.commit();
                for (int i = 0; i < 20; i++, run++) {
                    st.execute(runs(run, 1, build, submit));
                    c.commit();
                }
                // One transaction of 1,000 runs on an old build, through the rules into several weeks.
                st.execute(runs(run, 1000, oldBuild, submit));
                c.commit();
                // A run whose build comes later (in the second follow below): the sentinel until then.
                lateBuild = scalar(st, "SELECT max(test_build_id) + 100 FROM test_build");
                st.execute(runs(run + 1000, 1, lateBuild, submit));
                c.commit();
                // A run corrected and a run withdrawn.
                st.execute("UPDATE test_run SET np = 77, result_stdout = 'corrected' WHERE test_run_id = "
                        + "(SELECT min(test_run_id) FROM test_run WHERE test_run_id <> 0)");
                st.execute("DELETE FROM test_run WHERE test_run_id = " + (run + 999));
                c.commit();
                baseAndDimensionChanges(st, submit, build);
                c.commit();
                // A weekly child created after the publication: rows before and after the follower sees it.
                st.execute("CREATE TABLE test_run_y2016_m01_wk1 (CONSTRAINT test_run_y2016_m01_wk1_check CHECK "
                        + "(start_timestamp >= '2016-01-01' AND start_timestamp < '2016-01-08')) INHERITS (test_run)");
                st.execute("CREATE RULE test_run_y2016_m01_wk1_insert AS ON INSERT TO test_run WHERE "
                        + "(NEW.start_timestamp >= '2016-01-01' AND NEW.start_timestamp < '2016-01-08') DO INSTEAD "
                        + "INSERT INTO test_run_y2016_m01_wk1 VALUES (NEW.*)");
                c.commit();
                long newWeek = next(st, "test_run", "test_run_id");
                st.execute(runs(newWeek, 3, build, submit).replace("TIMESTAMP '2015-06-02 00:00'", "TIMESTAMP '2016-01-02 00:00'")
                        .replace("interval '30 minutes'", "interval '1 minute'"));
                c.commit();
                st.execute(runs(newWeek + 3, 2, build, submit).replace("TIMESTAMP '2015-06-02 00:00'", "TIMESTAMP '2016-01-03 00:00'")
                        .replace("interval '30 minutes'", "interval '1 minute'"));
                c.commit();
                System.out.printf("MEASURE writer %.1f s%n", (System.nanoTime() - w0) / 1e9);
                follow.stopAt(Lsn.parse(Scalar.text(c, "SELECT pg_current_wal_lsn()::text")));
                c.commit();
            }
            long t0 = System.nanoTime();
            ConvertFollow.Result result = running.get(120, TimeUnit.SECONDS);
            System.out.printf("MEASURE caught up %.1f s after the writer ended: %s%n", (System.nanoTime() - t0) / 1e9, result);
            assertTrue(result.transactions() >= 24, "transactions followed: " + result.transactions());
            long t1 = System.nanoTime();
            assertExact(lc, src, v3, flat);
            assertEquals(List.of(), follow.verifyProblems(), "checks while following found no difference");
            assertEquals(result.transactions(), registry.get("fastcopy.convert.follow.transactions").counter().count());
            assertTrue(registry.get("fastcopy.convert.follow.lag.bytes").gauge().value() >= 0);
            assertEquals(0.0, registry.get("fastcopy.convert.follow.lag.seconds").gauge().value(), "nothing pending");
            System.out.printf("MEASURE compared in %.1f s%n", (System.nanoTime() - t1) / 1e9);

            // Stopped, more results arrive, a new follower resumes from flat's follow position.
            follow.close();
            try (Connection c = lc.connect(src, v3); Statement st = c.createStatement()) {
                st.execute("CREATE TEMP TABLE run_template AS SELECT * FROM test_run WHERE test_run_id <> 0 "
                        + "ORDER BY test_run_id LIMIT 1");
                st.execute(runs(next(st, "test_run", "test_run_id"), 5,
                        scalar(st, "SELECT max(test_build_id) FROM test_build"), 0));
                // The late build arrives: the run above must now refer to it, as a full conversion would.
                st.execute(build(lateBuild, scalar(st, "SELECT min(mpi_install_id) FROM mpi_install WHERE mpi_install_id <> 0"),
                        0));
            }
            follow = new ConvertFollow(spec, src.connections(), slot, slot);
            assertFalse(follow.prepare(), "resumed, not started again");
            follow.untilCaughtUp(true);
            follow.confirmSlot = false; // as if killed between flat's commit and the slot's confirmation
            ConvertFollow.Result resumed = follow.run();
            assertEquals(6, resumed.rows(), "only the new rows (five runs, one build): " + resumed);
            assertExact(lc, src, v3, flat);

            // The slot sends those transactions again: skipped by their commit LSN, nothing doubled.
            follow.close();
            follow = new ConvertFollow(spec, src.connections(), slot, slot);
            assertFalse(follow.prepare());
            follow.untilCaughtUp(true);
            ConvertFollow.Result again = follow.run();
            assertEquals(0, again.rows(), "nothing converted twice: " + again);
            assertTrue(again.skipped() >= 2, "the unconfirmed transactions came again and were skipped: " + again);
            assertExact(lc, src, v3, flat);

            // A flat row changed behind the follower's back: its --verify reports it.
            follow.close();
            try (Connection c = lc.connect(src, flat); Statement st = c.createStatement()) {
                st.execute("UPDATE submit SET hostname = 'tampered' WHERE submit_id = (SELECT max(submit_id) FROM submit)");
            }
            follow = new ConvertFollow(spec, src.connections(), slot, slot);
            follow.prepare();
            follow.untilCaughtUp(true);
            follow.verify(true, null, new VerifyOptions(true, false, true, 200, 1));
            follow.run();
            assertEquals(1, follow.verifyProblems().size(), follow.verifyProblems().toString());
            assertTrue(follow.verifyProblems().get(0).contains("hostname"), follow.verifyProblems().get(0));

            // The command line: convert, then follow until caught up, into another flat database.
            String flat2 = lc.newName("flat_follow_cli");
            String slot2 = lc.newName("convfollow_cli");
            try {
                assertEquals(0, Main.run("convert", "--src", CliProcess.conninfo(src), "--db", v3, "--flat-db", flat2,
                        "--jobs", "1", "--follow", "--until-caught-up", "--verify", "--slot", slot2, "--workdir",
                        work.toString()));
                assertExact(lc, src, v3, flat2);
            } finally {
                new ConvertFollow(spec(src, v3, flat2), src.connections(), slot2, slot2).dropSlot();
            }
        } finally {
            follow.close();
            follow.dropSlot();
        }
    }

    /**
     * A week under maintenance (VACUUM FULL, CLUSTER, a reindex) holds an ACCESS EXCLUSIVE lock for
     * minutes. Changes elsewhere must still flow: the follower reads the weekly children the stream
     * named, never the parents (which would wait on that lock), and a late reference it read once
     * is resolved from what it remembered.
     */
    @Test
    void followingReadsOnlyTheWeeksTheStreamNamedSoAWeekLockedByMaintenanceHoldsNothingUp() throws Exception {
        LogicalClusters lc = LogicalClusters.get();
        LocalCluster src = lc.source();
        String v3 = lc.newName("mttv3_follow_weeks");
        new MttV3Generator(src.connections(), src.endpoint("postgres")).generate(GenerateSpec.defaults(v3)
                .withScale(0.001).withSeed(17).withYears(new YearSpan(2014, 2015)).withDropIfExists(true));
        String flat = lc.newName("flat_follow_weeks");
        String slot = lc.newName("convfollow_weeks");
        ConvertSpec spec = spec(src, v3, flat);
        new ConvertJob(spec, src.connections(), ConvertListener.NONE).run();
        ConvertFollow follow = new ConvertFollow(spec, src.connections(), slot, slot);
        try (Connection locker = lc.connect(src, v3); Statement lock = locker.createStatement();
             Connection c = lc.connect(src, v3); Statement st = c.createStatement();
             Connection f = lc.connect(src, flat); Statement fst = f.createStatement()) {
            assertTrue(follow.prepare(), "a new follower");
            CompletableFuture<ConvertFollow.Result> running = CompletableFuture.supplyAsync(follow::run);
            st.execute("CREATE TEMP TABLE run_template AS SELECT * FROM test_run WHERE test_run_id <> 0 "
                    + "ORDER BY test_run_id LIMIT 1");
            st.execute("CREATE TEMP TABLE build_template AS SELECT * FROM test_build WHERE test_build_id <> 0 "
                    + "ORDER BY test_build_id LIMIT 1");
            // A test statement that waited on the lock would fail, not hang.
            st.execute("SET lock_timeout = '60s'");
            long build = scalar(st, "SELECT max(test_build_id) FROM test_build");
            long lateBuild = build + 100;
            long lateRun = next(st, "test_run", "test_run_id");
            long run = lateRun + 1;
            // A run whose build comes later: flat holds it with the sentinel; then a new submit, whose
            // batch reads the late run's v3 references (through the parent: no lock yet).
            st.execute(runs(lateRun, 1, lateBuild, 0));
            awaitFlat(fst, "SELECT count(*) FROM test_run WHERE old_test_run_id = " + lateRun + " AND test_build_id = 0");
            long submit = next(st, "submit", "submit_id");
            st.execute("INSERT INTO submit (submit_id, hostname, local_username, http_username, mtt_client_version) "
                    + "VALUES (" + submit + ", 'weeks-host', 'u', 'h', 'v9')");
            awaitFlat(fst, "SELECT count(*) FROM submit WHERE old_submit_id = " + submit);

            // The first week of 2014 of each result table under maintenance.
            locker.setAutoCommit(false);
            for (String parent : List.of("mpi_install", "test_build", "test_run")) {
                lock.execute("LOCK TABLE ONLY " + parent + "_y2014_m01_wk1 IN ACCESS EXCLUSIVE MODE");
            }
            // Written straight into the weeks of 2015 (a write through a parent's rules would wait too):
            // runs, a corrected run, and the late build.
            st.execute(runs(run, 40, build, 0).replace("INSERT INTO test_run ", "INSERT INTO test_run_y2015_m06_wk1 "));
            st.execute("UPDATE ONLY test_run_y2015_m05_wk1 SET np = 99 WHERE test_run_id = "
                    + "(SELECT max(test_run_id) FROM ONLY test_run_y2015_m05_wk1)");
            st.execute("UPDATE build_template SET test_build_id = " + lateBuild + ", start_timestamp = '2015-06-01 12:00', "
                    + "submit_timestamp = '2015-06-01 12:30'");
            st.execute("INSERT INTO test_build_y2015_m06_wk1 SELECT * FROM build_template");
            follow.stopAt(Lsn.parse(Scalar.text(c, "SELECT pg_current_wal_lsn()::text")));
            // A follower that read a parent would wait on the lock until it ends.
            ConvertFollow.Result result = running.get(120, TimeUnit.SECONDS);
            assertEquals(5, result.transactions(), "the late run, the submit, the runs, the correction, the build: " + result);
            assertEquals(45, result.rows(), "43 new rows, and the corrected run removed and converted again: " + result);
            locker.rollback();
            assertEquals(1, scalar(fst, "SELECT count(*) FROM test_run WHERE old_test_run_id = " + lateRun
                    + " AND test_build_id <> 0"), "the late run refers to its build");
            assertExact(lc, src, v3, flat);
        } finally {
            follow.close();
            follow.dropSlot();
        }
    }

    /** Waits until {@code countSql} on flat counts at least one row (the follower has applied it). */
    private static void awaitFlat(Statement flat, String countSql) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (scalar(flat, countSql) == 0) {
            assertTrue(System.nanoTime() < deadline, "flat never got: " + countSql);
            Thread.sleep(20);
        }
    }

    @Test
    void untilCaughtUpWithoutFollowIsAUsageError() {
        assertEquals(2, Main.run("convert", "--src", "nowhere", "--until-caught-up"));
        assertEquals(2, Main.run("convert", "--src", "nowhere", "--verify-every", "10m"));
    }

    /**
     * Base rows updated and deleted, dimension rows updated: flat must follow as a full conversion
     * of the final v3 would give (checked by the caller's comparison).
     */
    private static void baseAndDimensionChanges(Statement st, long newSubmit, long newBuild) throws Exception {
        long oldInstall = scalar(st, "SELECT min(mpi_install_id) FROM mpi_install WHERE mpi_install_id <> 0");
        long otherInstall = scalar(st, "SELECT max(mpi_install_id) FROM mpi_install WHERE mpi_install_id <> " + oldInstall);
        long usedBuild = scalar(st, "SELECT min(test_build_id) FROM test_build WHERE test_build_id <> 0 AND test_build_id IN "
                + "(SELECT test_build_id FROM test_run)");
        long goneBuild = scalar(st, "SELECT max(test_build_id) FROM test_build WHERE test_build_id <> 0 AND test_build_id <> "
                + newBuild + " AND test_build_id IN (SELECT test_build_id FROM test_run)");
        // a submit renamed, an install moved to another cluster, a build moved to another install (its runs follow)
        st.execute("UPDATE submit SET hostname = 'renamed-host' WHERE submit_id = " + newSubmit);
        st.execute("UPDATE mpi_install SET compute_cluster_id = (SELECT max(compute_cluster_id) FROM compute_cluster), "
                + "result_stdout = 'edited' WHERE mpi_install_id = " + oldInstall);
        st.execute("UPDATE test_build SET mpi_install_id = " + otherInstall + " WHERE test_build_id = " + usedBuild);
        // an install withdrawn (its builds and their runs fall back to the sentinel), a build withdrawn
        long goneInstall = scalar(st, "SELECT mpi_install_id FROM test_build WHERE test_build_id = " + goneBuild);
        st.execute("DELETE FROM mpi_install WHERE mpi_install_id = " + goneInstall + " AND mpi_install_id <> " + otherInstall);
        st.execute("DELETE FROM test_build WHERE test_build_id = " + goneBuild);
        // dimension rows corrected: every flat row inlining them is rewritten
        st.execute("UPDATE compiler SET compiler_version = compiler_version || '-fixed' WHERE compiler_id = "
                + "(SELECT min(mpi_install_compiler_id) FROM mpi_install WHERE mpi_install_id <> 0)");
        st.execute("UPDATE description SET description = 'rewritten' WHERE description_id = "
                + "(SELECT min(description_id) FROM test_run WHERE test_run_id <> 0)");
        st.execute("UPDATE test_names SET test_name_description = 'renamed' WHERE test_name_id = "
                + "(SELECT max(test_name_id) FROM test_run WHERE test_run_id <> 0)");
        st.execute("UPDATE test_suites SET test_suite_description = 'resuited' WHERE test_suite_id = "
                + "(SELECT min(test_suite_id) FROM test_build WHERE test_build_id <> 0)");
    }

    private ConvertSpec spec(LocalCluster cluster, String v3, String flat) {
        Endpoint ep = cluster.endpoint("postgres");
        return new ConvertSpec(ep, ep, v3, flat, null, 1, 2, false, false, VerifyOptions.OFF, work);
    }

    static void assertExact(LogicalClusters lc, LocalCluster cluster, String v3, String flat) throws Exception {
        assertExact(lc, cluster, v3, cluster, flat);
    }

    static void assertExact(LogicalClusters lc, LocalCluster v3Cluster, String v3, LocalCluster flatCluster, String flat)
            throws Exception {
        try (Connection a = lc.connect(v3Cluster, v3); Connection b = lc.connect(flatCluster, flat)) {
            for (String t : TABLES) {
                Map<Long, String> expected = FlatOracle.expected(a, t);
                Map<Long, String> actual = FlatOracle.actual(b, t);
                assertEquals(expected.size(), actual.size(), t + ": row count");
                for (Map.Entry<Long, String> e : expected.entrySet()) {
                    assertEquals(e.getValue(), actual.get(e.getKey()), t + " v3 id " + e.getKey());
                }
            }
        }
    }

    static long next(Statement st, String table, String column) throws Exception {
        return scalar(st, "SELECT max(" + column + ") + 1 FROM " + table);
    }

    static long scalar(Statement st, String sql) throws Exception {
        try (var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String install(long id, long submit) {
        return "INSERT INTO mpi_install (mpi_install_id, submit_id, compute_cluster_id, mpi_install_compiler_id, "
                + "mpi_get_id, mpi_install_configure_id, description_id, start_timestamp, test_result, "
                + "submit_timestamp, environment_id, result_message_id) SELECT " + id + ", " + submit
                + ", compute_cluster_id, mpi_install_compiler_id, mpi_get_id, mpi_install_configure_id, description_id, "
                + "TIMESTAMP '2015-06-01 10:00', 1, TIMESTAMP '2015-06-01 11:00', environment_id, result_message_id "
                + "FROM mpi_install WHERE mpi_install_id <> 0 ORDER BY mpi_install_id LIMIT 1";
    }

    private static String build(long id, long install, long submit) {
        return "INSERT INTO test_build (test_build_id, submit_id, compute_cluster_id, mpi_install_compiler_id, "
                + "mpi_get_id, mpi_install_configure_id, mpi_install_id, test_suite_id, test_build_compiler_id, "
                + "description_id, start_timestamp, test_result, submit_timestamp, environment_id, result_message_id) "
                + "SELECT " + id + ", " + submit + ", compute_cluster_id, mpi_install_compiler_id, mpi_get_id, "
                + "mpi_install_configure_id, " + install + ", test_suite_id, test_build_compiler_id, description_id, "
                + "TIMESTAMP '2015-06-01 12:00', 1, TIMESTAMP '2015-06-01 12:30', environment_id, result_message_id "
                + "FROM test_build WHERE test_build_id <> 0 ORDER BY test_build_id LIMIT 1";
    }

    /** {@code n} runs with ids from {@code first}, a minute apart from 2015-06-02 (weeks of June). */
    static String runs(long first, int n, long build, long submit) {
        return "INSERT INTO test_run (test_run_id, submit_id, compute_cluster_id, mpi_install_compiler_id, "
                + "mpi_get_id, mpi_install_configure_id, mpi_install_id, test_suite_id, test_build_compiler_id, "
                + "test_build_id, test_name_id, test_run_command_id, np, full_command, description_id, "
                + "start_timestamp, test_result, submit_timestamp, environment_id, result_message_id, result_stdout) "
                + "SELECT " + first + " + g - 1, " + submit + ", compute_cluster_id, mpi_install_compiler_id, mpi_get_id, "
                + "mpi_install_configure_id, mpi_install_id, test_suite_id, test_build_compiler_id, " + build
                + ", test_name_id, test_run_command_id, 4, 'mpirun -np 4 ./new', description_id, "
                + "TIMESTAMP '2015-06-02 00:00' + interval '30 minutes' * (" + first + " % 100 + g), 1, "
                + "TIMESTAMP '2015-06-02 01:00', environment_id, result_message_id, E'new\\tout\\n\\u00e9' "
                + "FROM run_template x, "
                + "generate_series(1, " + n + ") g";
    }
}
