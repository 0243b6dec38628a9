package org.fastcopy.follow;

import org.fastcopy.FastcopyException;
import org.fastcopy.cli.Main;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.FollowMetrics;
import org.fastcopy.testing.CliProcess;
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
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The worst moment to crash: the target committed a batch, the slot was not told. The resumed
 * follower gets those transactions again and skips them by their commit LSN (a doubled row in the
 * keyless table would show). Then DDL on the source stops it with one line naming the table,
 * nothing of that transaction applied, and {@code fastcopy follow --drop-slot} removes the slot
 * it leaves.
 */
class FollowResumeTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @Test
    void transactionsTheTargetHasButTheSlotWasNotToldAreSkippedOnResume() throws Exception {
        String db = lc.createDatabase(lc.source(), "follow_resume").database();
        try (Connection c = lc.connect(lc.source(), db)) {
            FollowFixture.create(c);
        }
        Path work = Path.of("target", "follow-resume-work");
        CopySpec copy = new CopySpec(lc.source().endpoint(db), lc.target().endpoint(null), List.of(db), 2, 2,
                1L << 30, false, false, VerifyMode.COUNTS, false, work, 64, 64 << 10, false);
        CountDownLatch following = new CountDownLatch(1);
        FollowJob.Listener crashAfterCommit = new FollowJob.Listener() {
            @Override
            public void following(Lsn from) {
                following.countDown();
            }

            @Override
            public void committed(Lsn commitLsn, Lsn next) {
                throw new IllegalStateException("simulated crash between the target's commit and the slot's confirm");
            }
        };
        CompletableFuture<FollowJob.Result> first = run(new FollowSpec(copy, null, false, false, Duration.ofSeconds(1)),
                crashAfterCommit, new StringWriter());
        assertThat(following.await(120, TimeUnit.SECONDS)).isTrue();
        try (Connection w = lc.connect(lc.source(), db)) {
            Random random = new Random(3);
            for (int i = 0; i < 30; i++) {
                FollowFixture.writeTransaction(w, random, 1 + random.nextInt(20));
            }
        }
        assertThatThrownBy(() -> first.get(120, TimeUnit.SECONDS)).hasRootCauseMessage(
                "simulated crash between the target's commit and the slot's confirm");

        AtomicInteger skipped = new AtomicInteger();
        StringWriter report = new StringWriter();
        FollowJob.Listener counting = new FollowJob.Listener() {
            @Override
            public void skipped(Lsn commitLsn) {
                skipped.incrementAndGet();
            }
        };
        CopySpec resumed = new CopySpec(copy.source(), copy.target(), copy.databases(), 2, 2, 1L << 30, false, true,
                VerifyMode.COUNTS, false, work, 64, 64 << 10, false);
        CompletableFuture<FollowJob.Result> second = run(new FollowSpec(resumed, null, false, false, Duration.ofSeconds(1)),
                counting, report);
        try (Connection s = lc.connect(lc.source(), db); Statement st = s.createStatement()) {
            st.execute("INSERT INTO items (v, n) VALUES ('marker', 0)");
            awaitOnTarget(db, "SELECT 1 FROM items WHERE v = 'marker'", second);
            assertThat(skipped.get()).as("transactions skipped on resume").isPositive();
            try (Connection t = lc.connect(lc.target(), db)) {
                // rows only: sequences are set at cutover
                Map<String, String> expected = FollowFixture.contents(s);
                expected.remove("items_id_seq");
                Map<String, String> actual = FollowFixture.contents(t);
                actual.remove("items_id_seq");
                assertThat(actual).isEqualTo(expected);
            }

            st.execute("ALTER TABLE items ADD COLUMN extra int");
            st.execute("INSERT INTO items (v, n, extra) VALUES ('after ddl', 0, 1)");
        }
        assertThatThrownBy(() -> second.get(120, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(FastcopyException.class)
                .hasMessageContaining("following stopped at table public.items: its columns changed on the source")
                .hasMessageContaining("--follow --resume");
        assertThat(report.toString()).contains("replication slot " + FollowSpec.defaultSlotName(db) + " remains on",
                "of WAL", "fastcopy follow --drop-slot");
        try (Connection t = lc.connect(lc.target(), db); Statement st = t.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM items WHERE v = 'after ddl'")) {
            rs.next();
            assertThat(rs.getLong(1)).as("rows of the changed table applied").isZero();
        }

        assertThat(Main.run("follow", "--drop-slot", "--src", CliProcess.conninfo(lc.source()), "--db", db)).isZero();
        assertThat(FollowFixture.slotExists(lc, db, FollowSpec.defaultSlotName(db))).isFalse();
    }

    @Test
    void aCutoverKilledAfterRecordingItsLsnIsFinishedByResume() throws Exception {
        String db = lc.createDatabase(lc.source(), "follow_cut").database();
        try (Connection c = lc.connect(lc.source(), db)) {
            FollowFixture.create(c);
        }
        Path work = Path.of("target", "follow-resume-work");
        CopySpec copy = new CopySpec(lc.source().endpoint(db), lc.target().endpoint(null), List.of(db), 2, 2,
                1L << 30, false, false, VerifyMode.COUNTS, false, work, 64, 64 << 10, false);
        FollowJob.Listener crashInCutover = new FollowJob.Listener() {
            @Override
            public void following(Lsn from) {
                try (Connection w = lc.connect(lc.source(), db)) {
                    Random random = new Random(5);
                    for (int i = 0; i < 10; i++) {
                        FollowFixture.writeTransaction(w, random, 1 + random.nextInt(20));
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void cutoverRecorded(Lsn lsn) {
                throw new IllegalStateException("simulated crash inside the cutover");
            }
        };
        // asked to cut over from the start: it applies what the listener wrote, then cuts over
        CompletableFuture<FollowJob.Result> first = CompletableFuture.supplyAsync(() -> new FollowJob(
                new FollowSpec(copy, null, false, false, Duration.ofSeconds(1)), Connections.fromSystem(),
                CopyJob.Listener.NONE, crashInCutover, CopyMetrics.Factory.NONE, FollowMetrics.NONE, () -> true,
                new PrintWriter(new StringWriter(), true)).run());
        assertThatThrownBy(() -> first.get(120, TimeUnit.SECONDS)).hasRootCauseMessage("simulated crash inside the cutover");
        assertThat(FollowFixture.slotExists(lc, db, FollowSpec.defaultSlotName(db))).as("slot before resume").isTrue();

        CopySpec resumed = new CopySpec(copy.source(), copy.target(), copy.databases(), 2, 2, 1L << 30, false, true,
                VerifyMode.COUNTS, false, work, 64, 64 << 10, false);
        StringWriter report = new StringWriter();
        FollowJob.Result result = run(new FollowSpec(resumed, null, false, false, Duration.ofSeconds(1)),
                FollowJob.Listener.NONE, report).get(120, TimeUnit.SECONDS);

        assertThat(report.toString()).contains("done at source LSN " + result.cutoverLsn(), "finished by --resume",
                "no replication slot remains");
        assertThat(FollowFixture.slotExists(lc, db, FollowSpec.defaultSlotName(db))).as("slot after resume").isFalse();
        try (Connection s = lc.connect(lc.source(), db); Connection t = lc.connect(lc.target(), db)) {
            assertThat(FollowFixture.contents(t)).isEqualTo(FollowFixture.contents(s));
        }
    }

    private static CompletableFuture<FollowJob.Result> run(FollowSpec spec, FollowJob.Listener listener, StringWriter out) {
        return CompletableFuture.supplyAsync(() -> new FollowJob(spec, Connections.fromSystem(), CopyJob.Listener.NONE,
                listener, CopyMetrics.Factory.NONE, FollowMetrics.NONE, () -> false, new PrintWriter(out, true)).run());
    }

    private void awaitOnTarget(String db, String sql, CompletableFuture<?> follower) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Connection t = lc.connect(lc.target(), db); Statement st = t.createStatement()) {
            while (System.nanoTime() < deadline) {
                assertThat(follower).as("follower still running").isNotDone();
                try (ResultSet rs = st.executeQuery(sql)) {
                    if (rs.next()) {
                        return;
                    }
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("not on the target in time: " + sql);
    }
}
