package org.fastcopy.convert;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.generate.YearSpan;
import org.fastcopy.pg.Scalar;
import org.fastcopy.testing.LogicalClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code convert --follow} reads v3 as it is when it applies a batch, and a transaction reaches the
 * change stream before v3 shows it to other sessions: its commit record is flushed (and decodable)
 * before the backend leaves the proc array. A commit that waits for a synchronous standby holds
 * that gap open for as long as the standby takes, which makes it testable: with
 * synchronous_standby_names naming a standby that never comes, a committing writer is decoded and
 * streamed while no other session sees its row.
 */
class ConvertFollowVisibilityTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @TempDir
    Path work;

    @Test
    void aRunStreamedBeforeV3ShowsItIsConvertedOnceV3ShowsIt() throws Exception {
        LocalCluster src = lc.source();
        LocalCluster dst = lc.target();
        String v3 = lc.newName("cf_visible_v3");
        new MttV3Generator(src.connections(), src.endpoint("postgres")).generate(GenerateSpec.defaults(v3)
                .withScale(0.0005).withSeed(29).withYears(new YearSpan(2015, 2015)).withDropIfExists(true));
        String flat = lc.newName("cf_visible_flat");
        String slot = lc.newName("cf_visible");
        ConvertSpec spec = new ConvertSpec(src.endpoint("postgres"), dst.endpoint("postgres"), v3, flat, null, 1, 2,
                false, false, VerifyOptions.OFF, work);
        new ConvertJob(spec, src.connections(), ConvertListener.NONE).run();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ConvertFollow follow = new ConvertFollow(spec, src.connections(), slot, slot, registry);
        long run;
        try (Connection admin = lc.connect(src, "postgres"); Statement adminSt = admin.createStatement()) {
            try {
                assertThat(follow.prepare()).as("a new follower").isTrue();
                CompletableFuture<ConvertFollow.Result> running = CompletableFuture.supplyAsync(follow::run);
                // The source commits with synchronous_commit = on: every session of this test that
                // writes, but the writer's one transaction below, asks for local.
                adminSt.execute("SET synchronous_commit = local");
                adminSt.execute("ALTER SYSTEM SET synchronous_standby_names = 'fastcopy_no_such_standby'");
                adminSt.execute("SELECT pg_reload_conf()");
                try (Connection w = lc.connect(src, v3); Statement st = w.createStatement()) {
                  try {
                    st.execute("SET synchronous_commit = local");
                    st.execute("CREATE TEMP TABLE run_template AS SELECT * FROM test_run WHERE test_run_id <> 0 "
                            + "ORDER BY test_run_id LIMIT 1");
                    long build = ConvertFollowTest.scalar(st, "SELECT max(test_build_id) FROM test_build");
                    long pid = ConvertFollowTest.scalar(st, "SELECT pg_backend_pid()");
                    st.execute("SET synchronous_commit = on");
                    w.setAutoCommit(false);
                    run = ConvertFollowTest.next(st, "test_run", "test_run_id");
                    CompletableFuture<Void> commit;
                    long xid;
                    int before = 0; // transactions committed without waiting, visible at once
                    // The checkpointer takes the reloaded standby names up in its own time: a commit
                    // before that does not wait, and the next run is written until one does.
                    while (true) {
                        st.execute(ConvertFollowTest.runs(run, 1, build, 0));
                        xid = ConvertFollowTest.scalar(st, "SELECT txid_current() & 4294967295");
                        commit = CompletableFuture.runAsync(() -> {
                            try {
                                w.commit();
                            } catch (SQLException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                        if (awaitSyncRepWait(adminSt, pid, commit)) {
                            break;
                        }
                        run++;
                        before++;
                    }
                    // Committed and flushed, not yet visible: the follower gets it and must wait.
                    assertThat(ConvertFollowTest.scalar(adminSt, "SELECT count(*) FROM pg_stat_activity WHERE pid = "
                            + pid + " AND wait_event = 'SyncRep'")).as("the writer waits for the standby").isEqualTo(1);
                    awaitFollowerWaitingFor(follow, xid, before, running, flat);
                    assertThat(commit).as("the writer, until the standby names go").isNotDone();
                    noStandbyNames(adminSt); // wakes the waiting commit
                    commit.get(60, TimeUnit.SECONDS);
                    follow.stopAt(Lsn.parse(Scalar.text(admin, "SELECT pg_current_wal_lsn()::text")));
                  } finally {
                    // before the writer's connection closes: a commit still waiting would hold it
                    noStandbyNames(adminSt);
                  }
                }
                ConvertFollow.Result result = running.get(120, TimeUnit.SECONDS);
                assertThat(result.transactions()).as("v3 transactions followed").isGreaterThanOrEqualTo(1);
                assertThat(registry.get(ConvertMeters.FOLLOW_VISIBILITY_WAITS).counter().count())
                        .as("batches that waited for v3 to show a transaction").isGreaterThanOrEqualTo(1);
            } finally {
                noStandbyNames(adminSt);
                follow.close();
                follow.dropSlot();
            }
        }
        try (Connection f = lc.connect(dst, flat); Statement st = f.createStatement()) {
            assertThat(ConvertFollowTest.scalar(st, "SELECT count(*) FROM test_run WHERE old_test_run_id = " + run))
                    .as("flat holds v3 run " + run + ", streamed before v3 showed it").isEqualTo(1);
        }
        ConvertFollowTest.assertExact(lc, src, v3, dst, flat);
    }

    private static void noStandbyNames(Statement admin) throws SQLException {
        admin.execute("ALTER SYSTEM RESET synchronous_standby_names");
        admin.execute("SELECT pg_reload_conf()");
    }

    /** True once the writer waits for the standby; false when its commit returned without waiting. */
    private static boolean awaitSyncRepWait(Statement admin, long pid, CompletableFuture<Void> commit) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try (ResultSet rs = admin.executeQuery("SELECT wait_event FROM pg_stat_activity WHERE pid = " + pid)) {
                if (rs.next() && "SyncRep".equals(rs.getString(1))) {
                    return true;
                }
            }
            if (commit.isDone()) {
                commit.join();
                return false;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the writer's commit neither returned nor waited for the standby in 60 s");
    }

    /**
     * Until the follower waits for v3 to show transaction {@code xid}; fails at once if flat counts
     * more than the {@code before} transactions committed ahead of it (the batch read v3 without
     * the row, and the run is lost).
     */
    private void awaitFollowerWaitingFor(ConvertFollow follow, long xid, int before, CompletableFuture<?> running,
                                         String flat)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Connection f = lc.connect(lc.target(), flat); Statement st = f.createStatement()) {
            while (System.nanoTime() < deadline) {
                assertThat(running).as("follower running").isNotDone();
                if (follow.waitingForXid() == xid) {
                    return;
                }
                assertThat(ConvertFollowTest.scalar(st, "SELECT coalesce(sum(transactions), 0) FROM _convert.follow"))
                        .as("v3 transactions flat committed while the writer's was still invisible").isLessThanOrEqualTo(before);
                Thread.sleep(5);
            }
        }
        throw new AssertionError("the follower never waited for v3 transaction " + xid);
    }
}
