package org.fastcopy.follow;

import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.FollowMetrics;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A server restart while the follower holds an open apply transaction (a source transaction of
 * 20,000 rows into the keyless {@code events}: a doubled row would show; the test holds the
 * target's events in SHARE mode until the interruption has begun, so the apply is caught inside
 * its transaction however fast it runs): the follower stops,
 * non-zero, with the line saying its slot remains; the open target transaction rolls back; the
 * slot was confirmed only up to what the target committed; {@code --follow --resume} and cutover
 * end exact. Once for a restart of the source, once of the target, once for the follower's
 * replication connection terminated on the source.
 */
class FollowRestartTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @Test
    void aSourceRestartWhileApplyingIsResumedExactly() throws Exception {
        interruptedThenResumed("follow_srcrestart", db -> lc.source().restart());
    }

    @Test
    void aTargetRestartWhileApplyingIsResumedExactly() throws Exception {
        interruptedThenResumed("follow_dstrestart", db -> lc.target().restart());
    }

    @Test
    void aDroppedReplicationConnectionIsResumedExactly() throws Exception {
        interruptedThenResumed("follow_dropped", db -> {
            try (Connection c = lc.connect(lc.source(), "postgres"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_replication"
                         + " WHERE application_name = 'fastcopy-follow'")) {
                assertThat(rs.next()).as("the follower's walsender").isTrue();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void interruptedThenResumed(String prefix, java.util.function.Consumer<String> interruption) throws Exception {
        String db = lc.createDatabase(lc.source(), prefix).database();
        try (Connection c = lc.connect(lc.source(), db)) {
            FollowFixture.create(c);
        }
        Path work = Path.of("target", "follow-restart-work");
        CopySpec copy = new CopySpec(lc.source().endpoint(db), lc.target().endpoint(null), List.of(db), 2, 2,
                1L << 30, false, false, VerifyMode.COUNTS, false, work, 64, 64 << 10, false);
        CountDownLatch following = new CountDownLatch(1);
        FollowJob.Listener onFollow = new FollowJob.Listener() {
            @Override
            public void following(Lsn from) {
                following.countDown();
            }
        };
        StringWriter firstReport = new StringWriter();
        CompletableFuture<FollowJob.Result> first = run(copy, onFollow, () -> false, firstReport);
        assertThat(following.await(120, TimeUnit.SECONDS)).as("following began").isTrue();
        Random random = new Random(31);
        // A transaction on the target holds events against writes, so the apply of the 20,000 rows
        // waits inside its open transaction for as long as the test needs, however fast it is
        // (polling for the few milliseconds it took missed it on a fast run).
        Connection holder = lc.connect(lc.target(), db);
        holder.setAutoCommit(false);
        try (Statement hold = holder.createStatement()) {
            hold.execute("LOCK TABLE events IN SHARE MODE");
        }
        try (Connection w = lc.connect(lc.source(), db); Statement st = w.createStatement()) {
            for (int i = 0; i < 20; i++) {
                FollowFixture.writeTransaction(w, random, 1 + random.nextInt(30));
            }
            st.execute("INSERT INTO events SELECT g % 10, 'bulk' FROM generate_series(1, 20000) g");
        }
        awaitApplyWaitingInItsTransaction(db, first);
        // The interruption starts while the apply waits. Once it has begun the apply is let go: it
        // meets the interruption (a broken stream, or its own session gone) at its next step. A
        // source shutdown waits for its walsenders to send what they hold, so the follower must
        // read again before the restart can end (else it waits out wal_sender_timeout).
        CompletableFuture<Void> interrupting = CompletableFuture.runAsync(() -> interruption.accept(db));
        awaitBegun(interrupting, db);
        try {
            holder.rollback();
        } catch (java.sql.SQLException e) {
            // the target restarted: the lock went with the session
        } finally {
            holder.close();
        }
        interrupting.get(120, TimeUnit.SECONDS);

        // Where the restart hits (the apply, the ledger read, the stream) decides the message; that
        // the run stops with a FastcopyException, says where its slot is and resumes exact is the point.
        assertThatThrownBy(() -> first.get(120, TimeUnit.SECONDS)).as("the follower after the restart")
                .hasCauseInstanceOf(org.fastcopy.FastcopyException.class);
        // a restarting source may not answer yet: then the line says the slot may remain, and how to go on
        assertThat(firstReport.toString()).contains("replication slot " + FollowSpec.defaultSlotName(db),
                "continue with --follow --resume");
        try (Connection w = lc.connect(lc.source(), db)) {
            for (int i = 0; i < 20; i++) {
                FollowFixture.writeTransaction(w, random, 1 + random.nextInt(30));
            }
        }

        CopySpec resumed = new CopySpec(copy.source(), copy.target(), copy.databases(), 2, 2, 1L << 30, false, true,
                VerifyMode.COUNTS, false, work, 64, 64 << 10, false);
        StringWriter report = new StringWriter();
        FollowJob.Result result = run(resumed, FollowJob.Listener.NONE, () -> true, report).get(120, TimeUnit.SECONDS);
        assertThat(report.toString()).contains("done at source LSN " + result.cutoverLsn(), "no replication slot remains");
        try (Connection s = lc.connect(lc.source(), db); Connection t = lc.connect(lc.target(), db)) {
            assertThat(FollowFixture.contents(t)).isEqualTo(FollowFixture.contents(s));
        }
        assertThat(FollowFixture.slotExists(lc, db, FollowSpec.defaultSlotName(db))).isFalse();
    }

    private static CompletableFuture<FollowJob.Result> run(CopySpec copy, FollowJob.Listener listener,
                                                           BooleanSupplier cutover, StringWriter out) {
        return CompletableFuture.supplyAsync(() -> new FollowJob(new FollowSpec(copy, null, false, false,
                Duration.ofSeconds(1)), Connections.fromSystem(), CopyJob.Listener.NONE, listener,
                CopyMetrics.Factory.NONE, FollowMetrics.NONE, cutover, new PrintWriter(out, true)).run());
    }

    /** Until the interruption has ended, or the source refuses a new session (its shutdown has begun). */
    private void awaitBegun(CompletableFuture<Void> interrupting, String db) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!interrupting.isDone() && System.nanoTime() < deadline) {
            try (Connection c = lc.connect(lc.source(), db)) {
                Thread.sleep(5); // the source's state shows only to a new session
            } catch (org.fastcopy.FastcopyException shuttingDown) {
                return; // "the database system is shutting down", or nothing listening yet
            }
        }
    }

    /**
     * Until the follower's apply session is inside a transaction, waiting for the lock the test
     * holds on events: a state it stays in until the test lets it go, so this poll cannot miss it.
     */
    private void awaitApplyWaitingInItsTransaction(String db, CompletableFuture<?> follower) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (Connection t = lc.connect(lc.target(), "postgres"); Statement st = t.createStatement()) {
            while (System.nanoTime() < deadline) {
                assertThat(follower).as("follower running").isNotDone();
                try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_stat_activity WHERE datname = '" + db
                        + "' AND application_name = 'fastcopy-follow' AND xact_start IS NOT NULL"
                        + " AND wait_event_type = 'Lock'")) {
                    if (rs.next()) {
                        return;
                    }
                }
                Thread.sleep(5); // pg_stat_activity is the only place the wait shows
            }
        }
        throw new AssertionError("the follower's apply never waited on events in an open transaction");
    }
}
