package org.fastcopy.follow;

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
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The slot's confirmations are sent by the follower's stream thread, not the thread that commits
 * on the target: at exit it must still have told the slot exactly what the target committed, so a
 * slot kept at cutover resumes where the target stands, neither before (changes sent again) nor
 * beyond (changes lost).
 */
class FollowKeepSlotTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @Test
    void aSlotKeptAtCutoverIsConfirmedExactlyUpToTheLastTransactionTheTargetCommitted() throws Exception {
        String db = lc.createDatabase(lc.source(), "follow_keep").database();
        try (Connection c = lc.connect(lc.source(), db)) {
            FollowFixture.create(c);
        }
        CopySpec copy = new CopySpec(lc.source().endpoint(db), lc.target().endpoint(null), List.of(db), 2, 2,
                64 << 10, false, false, VerifyMode.COUNTS, false, Path.of("target", "follow-keep-test-work"), 64, 64 << 10, false);
        // a status interval far longer than the test: no periodic reply can stand in for the last confirmation
        FollowSpec spec = new FollowSpec(copy, null, false, true, Duration.ofSeconds(600));
        CountDownLatch following = new CountDownLatch(1);
        AtomicReference<Lsn> committed = new AtomicReference<>();
        FollowJob.Listener listener = new FollowJob.Listener() {
            @Override
            public void following(Lsn from) {
                following.countDown();
            }

            @Override
            public void committed(Lsn commitLsn, Lsn next) {
                committed.set(next);
            }
        };
        StringWriter report = new StringWriter();
        CompletableFuture<FollowJob.Result> run = CompletableFuture.supplyAsync(() -> new FollowJob(spec,
                Connections.fromSystem(), CopyJob.Listener.NONE, listener, CopyMetrics.Factory.NONE,
                FollowMetrics.NONE, () -> false, new PrintWriter(report, true)).run());
        try {
            assertThat(following.await(120, TimeUnit.SECONDS)).as("following began").isTrue();
            try (Connection c = lc.connect(lc.source(), db)) {
                Random random = new Random(11);
                for (int i = 0; i < 40; i++) {
                    FollowFixture.writeTransaction(c, random, 1 + random.nextInt(200));
                }
            }
            assertThat(Main.run("cutover", "--dst", CliProcess.conninfo(lc.target()), "--db", db, "--timeout", "120"))
                    .as("fastcopy cutover's exit code").isZero();
            FollowJob.Result result = run.get(120, TimeUnit.SECONDS);

            assertThat(result.slotKept()).isTrue();
            assertThat(result.transactions()).as("transactions applied while following").isGreaterThanOrEqualTo(40);
            try (Connection s = lc.connect(lc.source(), db); Connection t = lc.connect(lc.target(), db)) {
                Map<String, String> expected = FollowFixture.contents(s);
                assertThat(FollowFixture.contents(t)).isEqualTo(expected);
            }
            try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT confirmed_flush_lsn::text, active FROM pg_replication_slots"
                         + " WHERE slot_name = '" + spec.slotName() + "'")) {
                assertThat(rs.next()).as("slot " + spec.slotName() + " kept").isTrue();
                assertThat(Lsn.parse(rs.getString(1))).as("the kept slot's confirmed position").isEqualTo(committed.get());
                assertThat(rs.getBoolean(2)).as("the slot still streamed by someone").isFalse();
            }
            assertThat(report.toString()).contains("replication slot " + spec.slotName() + " remains on");
        } finally {
            run.cancel(true);
            Main.run("follow", "--drop-slot", "--src", CliProcess.conninfo(lc.source()), "--db", db);
        }
    }
}
