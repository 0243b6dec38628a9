package org.fastcopy.follow;

import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.testing.CliProcess;
import org.fastcopy.testing.LogicalClusters;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of a follower while it applies, then --follow --resume and SIGUSR1 (cutover): the slot was never confirmed
 * past what the target had committed, the resumed follower skips what the target has, and after
 * cutover the target equals the source: nothing lost, nothing applied twice (the keyless
 * {@code events} table would hold a doubled row).
 */
class FollowKillTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @Test
    void aFollowerKilledMidApplyResumesToAnExactTarget() throws Exception {
        String db = lc.createDatabase(lc.source(), "follow_kill").database();
        try (Connection c = lc.connect(lc.source(), db)) {
            FollowFixture.create(c);
        }
        Path work = Path.of("target", "follow-kill-work");
        List<String> args = List.of("--src", CliProcess.conninfo(lc.source()), "--dst", CliProcess.conninfo(lc.target()),
                "--db", db, "--jobs", "2", "--follow", "--workdir", work.toString());
        CliProcess first = CliProcess.start(args, work.resolve("first.log"));
        CliProcess second = null;
        try (Connection writer = lc.connect(lc.source(), db)) {
            awaitLedger(db, "follow.next", first);
            Random random = new Random(11);
            for (int i = 0; i < 60; i++) {
                FollowFixture.writeTransaction(writer, random, 1 + random.nextInt(40));
            }
            try (Statement st = writer.createStatement()) {
                // one source transaction large enough to be caught half-applied (keyless: doubled rows would show)
                st.execute("INSERT INTO events SELECT g % 10, 'bulk' FROM generate_series(1, 20000) g");
            }
            awaitOpenApplyTransaction(db, first);
            first.kill();

            Lsn next;
            try (Connection t = lc.connect(lc.target(), db)) {
                next = FollowLedger.next(t).orElseThrow();
            }
            assertThat(confirmedFlush(db, FollowSpec.defaultSlotName(db))).as("the slot never ahead of the target")
                    .isLessThanOrEqualTo(next);

            for (int i = 0; i < 50; i++) {
                FollowFixture.writeTransaction(writer, random, 1 + random.nextInt(40));
            }
            List<String> resumed = new java.util.ArrayList<>(args);
            resumed.add("--resume");
            second = CliProcess.start(resumed, work.resolve("second.log"));
            awaitFollowing(second);
            second.signal("USR1"); // the documented signal: the same as fastcopy cutover
            assertThat(second.await(Duration.ofSeconds(60))).as("resumed follower's exit; log:%n%s", second.log()).isZero();
            assertThat(second.log()).contains("no replication slot remains");

            try (Connection s = lc.connect(lc.source(), db); Connection t = lc.connect(lc.target(), db)) {
                Map<String, String> expected = FollowFixture.contents(s);
                assertThat(FollowFixture.contents(t)).isEqualTo(expected);
            }
            assertThat(FollowFixture.slotExists(lc, db, FollowSpec.defaultSlotName(db))).isFalse();
        } finally {
            first.destroy();
            if (second != null) {
                second.destroy();
            }
        }
    }

    private Lsn confirmedFlush(String db, String slot) throws SQLException {
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            assertThat(rs.next()).as("slot " + slot + " after the kill").isTrue();
            return Lsn.parse(rs.getString(1));
        }
    }

    /** Polls the target's ledger (the follower's own record) until it holds the key; the process must stay up. */
    private void awaitLedger(String db, String key, CliProcess p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(p.isAlive()).as("follower alive; log:%n%s", p.log()).isTrue();
            if (ledger(db, key) != null) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + key + " in the ledger; log:\n" + p.log());
    }

    /** Until the follower's apply session holds an open target transaction that has written rows. */
    private void awaitOpenApplyTransaction(String db, CliProcess p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (Connection t = lc.connect(lc.target(), "postgres"); Statement st = t.createStatement()) {
            while (System.nanoTime() < deadline) {
                assertThat(p.isAlive()).as("follower alive; log:%n%s", p.log()).isTrue();
                try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_stat_activity WHERE datname = '" + db
                        + "' AND application_name = 'fastcopy-follow' AND backend_xid IS NOT NULL")) {
                    if (rs.next()) {
                        return;
                    }
                }
                Thread.sleep(5);
            }
        }
        throw new AssertionError("the follower never held an open apply transaction; log:\n" + p.log());
    }

    private static void awaitFollowing(CliProcess p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline && !p.log().contains("following slot")) {
            assertThat(p.isAlive()).as("resumed follower alive; log:%n%s", p.log()).isTrue();
            Thread.sleep(100);
        }
        assertThat(p.log()).contains("following slot");
    }

    private String ledger(String db, String key) throws SQLException {
        try (Connection t = lc.connect(lc.target(), "postgres"); Statement st = t.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + db + "'")) {
            if (!rs.next()) {
                return null;
            }
        }
        try (Connection t = lc.connect(lc.target(), db); Statement st = t.createStatement();
             ResultSet rs = st.executeQuery("SELECT value FROM _fastcopy.run WHERE key = '" + key + "'")) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null; // the ledger is not there yet
        }
    }
}
