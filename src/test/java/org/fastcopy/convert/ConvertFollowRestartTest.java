package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.generate.YearSpan;
import org.fastcopy.testing.LogicalClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code convert --follow} interrupted while it applies a batch (v3 in the source cluster, flat in
 * the target cluster): a restart of v3's server, of flat's server, or the follower's replication
 * connection terminated. The follower stops with a {@link FastcopyException} (where the
 * interruption hits decides its words); the open flat transaction rolls back; a new
 * follower resumes from that position and flat ends equal to a full conversion of the final v3
 * (nothing lost, nothing converted twice).
 */
class ConvertFollowRestartTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @TempDir
    Path work;

    @Test
    void aV3ServerRestartWhileApplyingIsResumedExactly() throws Exception {
        interruptedThenResumed("cf_v3restart", () -> lc.source().restart());
    }

    @Test
    void aFlatServerRestartWhileApplyingIsResumedExactly() throws Exception {
        interruptedThenResumed("cf_flatrestart", () -> lc.target().restart());
    }

    @Test
    void aDroppedReplicationConnectionIsResumedExactly() throws Exception {
        interruptedThenResumed("cf_dropped", () -> {
            try (Connection c = lc.connect(lc.source(), "postgres"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_replication"
                         + " WHERE application_name = 'fastcopy-convert-follow'")) {
                assertThat(rs.next()).as("the follower's walsender").isTrue();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void interruptedThenResumed(String prefix, Runnable interruption) throws Exception {
        LocalCluster src = lc.source();
        LocalCluster dst = lc.target();
        String v3 = lc.newName(prefix + "_v3");
        new MttV3Generator(src.connections(), src.endpoint("postgres")).generate(GenerateSpec.defaults(v3)
                .withScale(0.0005).withSeed(23).withYears(new YearSpan(2015, 2015)).withDangling(0.01)
                .withDropIfExists(true));
        String flat = lc.newName(prefix + "_flat");
        String slot = lc.newName(prefix);
        ConvertSpec spec = new ConvertSpec(src.endpoint("postgres"), dst.endpoint("postgres"), v3, flat, null, 1, 2,
                false, false, VerifyOptions.OFF, work);
        new ConvertJob(spec, src.connections(), ConvertListener.NONE).run();
        ConvertFollow first = new ConvertFollow(spec, src.connections(), slot, slot);
        try {
            assertThat(first.prepare()).as("a new follower").isTrue();
            CompletableFuture<ConvertFollow.Result> running = CompletableFuture.supplyAsync(first::run);
            try (Connection c = lc.connect(src, v3); Statement st = c.createStatement()) {
                st.execute("CREATE TEMP TABLE run_template AS SELECT * FROM test_run WHERE test_run_id <> 0 "
                        + "ORDER BY test_run_id LIMIT 1");
                long build = ConvertFollowTest.scalar(st, "SELECT max(test_build_id) FROM test_build");
                for (int rows : new int[] {1, 7, 1, 100}) {
                    st.execute(ConvertFollowTest.runs(ConvertFollowTest.next(st, "test_run", "test_run_id"), rows, build, 0));
                }
                // One client transaction of 10,000 runs through the rules: the batch the interruption hits.
                st.execute(ConvertFollowTest.runs(ConvertFollowTest.next(st, "test_run", "test_run_id"), 10_000, build, 0));
            }
            awaitOpenFlatTransaction(flat, running);
            interruption.run();
            assertThatThrownBy(() -> running.get(120, TimeUnit.SECONDS)).as("the follower after the interruption")
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(FastcopyException.class);
        } finally {
            first.close();
        }
        try (Connection c = lc.connect(src, v3); Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE run_template AS SELECT * FROM test_run WHERE test_run_id <> 0 "
                    + "ORDER BY test_run_id LIMIT 1");
            st.execute(ConvertFollowTest.runs(ConvertFollowTest.next(st, "test_run", "test_run_id"), 5,
                    ConvertFollowTest.scalar(st, "SELECT max(test_build_id) FROM test_build"), 0));
            st.execute("UPDATE test_run SET np = np + 1 WHERE test_run_id = (SELECT max(test_run_id) FROM test_run)");
        }
        ConvertFollow resumed = new ConvertFollow(spec, src.connections(), slot, slot);
        try {
            assertThat(resumed.prepare()).as("resumed from flat's follow position, not started again").isFalse();
            resumed.untilCaughtUp(true);
            ConvertFollow.Result result = CompletableFuture.supplyAsync(resumed::run).get(120, TimeUnit.SECONDS);
            assertThat(result.next()).isNotNull();
        } finally {
            resumed.close();
            resumed.dropSlot();
        }
        ConvertFollowTest.assertExact(lc, src, v3, dst, flat);
    }

    /** Until the follower holds an open flat transaction that has written rows (it is applying a batch). */
    private void awaitOpenFlatTransaction(String flat, CompletableFuture<?> follower) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (Connection t = lc.connect(lc.target(), "postgres"); Statement st = t.createStatement()) {
            while (System.nanoTime() < deadline) {
                assertThat(follower).as("follower running").isNotDone();
                try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_stat_activity WHERE datname = '" + flat
                        + "' AND application_name = '" + ConvertContext.APP + "' AND backend_xid IS NOT NULL")) {
                    if (rs.next()) {
                        return;
                    }
                }
                Thread.sleep(5);
            }
        }
        throw new AssertionError("the follower never held an open flat transaction");
    }
}
