package org.fastcopy.follow;

import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.FollowMetrics;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A TRUNCATE on the source while a following copy runs (found by FollowKillSoak): TRUNCATE is not
 * MVCC-safe, so the verify, reading the slot's snapshot after it, sees the table empty while the
 * copy had read its rows. The copy is right and the stream carries the TRUNCATE; the verify must
 * not fail the run on it. Here the TRUNCATE (and new rows in its transaction) is asked for while
 * the copy still holds the table, so it commits before the verify reads it.
 */
class FollowCopyTruncateTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @Test
    void aTableTruncatedOnTheSourceDuringTheCopyIsNoVerifyMismatchAndEndsExact() throws Exception {
        String db = lc.createDatabase(lc.source(), "follow_copytrunc").database();
        try (Connection c = lc.connect(lc.source(), db)) {
            FollowFixture.create(c);
        }
        CopySpec copy = new CopySpec(lc.source().endpoint(db), lc.target().endpoint(null), List.of(db), 1, 1, 1L << 30,
                false, false, VerifyMode.COUNTS, false, Path.of("target", "follow-copytrunc-work"), 64, 64 << 10, false);
        CompletableFuture<Void> truncate = new CompletableFuture<>();
        CopyJob.Listener truncateWhileCopying = new CopyJob.Listener() {
            @Override
            public void unitCommitted(String database, PlannedUnit unit) {
                if (truncate.isDone() || !unit.table().name().equals("scratch")) {
                    return;
                }
                CompletableFuture.runAsync(() -> {
                    try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
                        st.execute("BEGIN; TRUNCATE scratch; INSERT INTO scratch SELECT g, 'after' FROM generate_series(1, 7) g; COMMIT");
                        truncate.complete(null);
                    } catch (SQLException e) {
                        truncate.completeExceptionally(e);
                    }
                });
                awaitWaitingOrDone(db, truncate);
            }
        };
        StringWriter report = new StringWriter();
        FollowJob.Result result = new FollowJob(new FollowSpec(copy, null, false, false, Duration.ofSeconds(1)),
                Connections.fromSystem(), truncateWhileCopying, FollowJob.Listener.NONE, CopyMetrics.Factory.NONE,
                FollowMetrics.NONE, () -> true, new PrintWriter(report, true)).run();

        assertThat(truncate).as("the TRUNCATE ran").isCompleted();
        assertThat(result.copy().get(0).summaryLines()).anySatisfy(l -> assertThat(l).contains("public.scratch",
                "truncated or rewritten on the source after the snapshot"));
        try (Connection s = lc.connect(lc.source(), db); Connection t = lc.connect(lc.target(), db)) {
            assertThat(FollowFixture.contents(t)).isEqualTo(FollowFixture.contents(s));
        }
    }

    /** Until the TRUNCATE waits for the copy's lock on the table, or has run already. */
    private void awaitWaitingOrDone(String db, CompletableFuture<Void> truncate) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
            while (!truncate.isDone() && System.nanoTime() < deadline) {
                try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_locks WHERE relation = 'scratch'::regclass"
                        + " AND mode = 'AccessExclusiveLock' AND NOT granted")) {
                    if (rs.next()) {
                        return;
                    }
                }
                Thread.sleep(5);
            }
        } catch (SQLException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
