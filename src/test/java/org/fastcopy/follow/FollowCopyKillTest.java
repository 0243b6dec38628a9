package org.fastcopy.follow;

import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.FollowMetrics;
import org.fastcopy.testing.CliProcess;
import org.fastcopy.testing.LogicalClusters;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import org.fastcopy.verify.VerifyMode;

/**
 * kill -9 of a following copy while its data step runs, before following began: the copy's
 * snapshot died with the slot's connection, so {@code --follow --resume} says so in one line,
 * drops the old slot and publication, recreates the partial target and copies again in a new
 * slot's snapshot; what the source committed meanwhile is on the target after cutover, once.
 */
class FollowCopyKillTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @Test
    void aCopyKilledBeforeFollowingStartsOverOnResumeAndEndsExact() throws Exception {
        String db = lc.createDatabase(lc.source(), "follow_copykill").database();
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
            FollowFixture.create(c);
            // long enough a data step to be caught in it
            st.execute("CREATE TABLE bulk (id int PRIMARY KEY, v text)");
            st.execute("INSERT INTO bulk SELECT g, md5(g::text) FROM generate_series(1, 300000) g");
        }
        String slot = FollowSpec.defaultSlotName(db);
        Path work = Path.of("target", "follow-copykill-work");
        List<String> args = List.of("--src", CliProcess.conninfo(lc.source()), "--dst", CliProcess.conninfo(lc.target()),
                "--db", db, "--jobs", "2", "--follow", "--workdir", work.toString());
        CliProcess first = CliProcess.start(args, work.resolve("first.log"));
        CliProcess second = null;
        try (Connection writer = lc.connect(lc.source(), db)) {
            awaitCopyIntoTarget(db, first);
            first.kill();
            assertThat(first.log()).doesNotContain("following slot");
            awaitGone(db, slot);
            Random random = new Random(23);
            for (int i = 0; i < 20; i++) {
                FollowFixture.writeTransaction(writer, random, 1 + random.nextInt(30));
            }

            List<String> resumed = new ArrayList<>(args);
            resumed.add("--resume");
            second = CliProcess.start(resumed, work.resolve("second.log"));
            awaitLog(second, "following slot");
            for (int i = 0; i < 20; i++) {
                FollowFixture.writeTransaction(writer, random, 1 + random.nextInt(30));
            }
            try (Statement st = writer.createStatement()) {
                st.execute("UPDATE bulk SET v = 'changed' WHERE id % 1000 = 0");
            }
            second.signal("USR1");
            assertThat(second.await(Duration.ofSeconds(120))).as("resumed run's exit; log:%n%s", second.log()).isZero();
            assertThat(second.log()).containsOnlyOnce("was interrupted before following began and its snapshot is gone")
                    .contains("replication slot " + slot + " and its publications dropped, the partial target database recreated",
                            "no replication slot remains");

            try (Connection s = lc.connect(lc.source(), db); Connection t = lc.connect(lc.target(), db)) {
                Map<String, String> expected = FollowFixture.contents(s);
                expected.put("bulk", bulk(s));
                Map<String, String> actual = FollowFixture.contents(t);
                actual.put("bulk", bulk(t));
                assertThat(actual).isEqualTo(expected);
            }
            assertThat(FollowFixture.slotExists(lc, db, slot)).as("slot or publication left").isFalse();
        } finally {
            first.destroy();
            if (second != null) {
                second.destroy();
            }
        }
    }

    @Test
    void aTargetWithoutOurLedgerIsNeverDroppedNorTheSlot() throws Exception {
        String db = lc.createDatabase(lc.source(), "follow_foreign").database();
        String slot = FollowSpec.defaultSlotName(db);
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
            FollowFixture.create(c);
            st.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        }
        try (Connection m = lc.connect(lc.target(), "postgres"); Statement st = m.createStatement()) {
            st.execute("CREATE DATABASE \"" + db + "\"");
        }
        try (Connection t = lc.connect(lc.target(), db); Statement st = t.createStatement()) {
            st.execute("CREATE TABLE someone_elses (id int)");
        }
        try {
            assertThat(org.fastcopy.cli.Main.run("--src", CliProcess.conninfo(lc.source()), "--dst",
                    CliProcess.conninfo(lc.target()), "--db", db, "--follow", "--resume", "--workdir",
                    "target/follow-copykill-work")).as("exit code").isEqualTo(2);
            try (Connection t = lc.connect(lc.target(), db); Statement st = t.createStatement()) {
                assertThat(st.executeQuery("SELECT 1 FROM someone_elses LIMIT 0")).isNotNull();
            }
            assertThat(FollowFixture.slotExists(lc, db, slot)).as("the slot, left alone").isTrue();
        } finally {
            try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot('" + slot + "')");
            }
        }
    }

    /**
     * A kill while the slot was being made (CREATE_REPLICATION_SLOT waits for the transactions
     * running on the source to end, and its slot is ephemeral until then) leaves the publications
     * and no slot, no target: found by the soak. The publications are evidence of our run, so
     * --resume drops them and starts over.
     */
    @Test
    void aRunKilledWhileMakingItsSlotIsStartedOverByResume() throws Exception {
        String db = lc.createDatabase(lc.source(), "follow_slotkill").database();
        String slot = FollowSpec.defaultSlotName(db);
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
            FollowFixture.create(c);
            st.execute("CREATE PUBLICATION \"" + slot + "\" FOR TABLE ONLY items");
        }
        CopySpec copy = new CopySpec(lc.source().endpoint(db), lc.target().endpoint(null), List.of(db), 2, 2,
                1L << 30, false, true, VerifyMode.COUNTS, false, Path.of("target", "follow-copykill-work"), 64, 64 << 10, false);
        StringWriter report = new StringWriter();
        new FollowJob(new FollowSpec(copy, null, false, false, Duration.ofSeconds(1)), Connections.fromSystem(),
                CopyJob.Listener.NONE, FollowJob.Listener.NONE, CopyMetrics.Factory.NONE, FollowMetrics.NONE, () -> true,
                new PrintWriter(report, true)).run();

        assertThat(report.toString()).contains("was interrupted before following began", "its publications dropped",
                "no replication slot remains");
        try (Connection s = lc.connect(lc.source(), db); Connection t = lc.connect(lc.target(), db)) {
            assertThat(FollowFixture.contents(t)).isEqualTo(FollowFixture.contents(s));
        }
        assertThat(FollowFixture.slotExists(lc, db, slot)).as("slot or publication left").isFalse();
    }

    private static String bulk(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) || ' ' || md5(string_agg(id || v, ',' ORDER BY id)) FROM bulk")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Until the run's data step streams rows into the target (a COPY ... FROM STDIN on its database). */
    private void awaitCopyIntoTarget(String db, CliProcess p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        try (Connection t = lc.connect(lc.target(), "postgres"); Statement st = t.createStatement()) {
            while (System.nanoTime() < deadline) {
                assertThat(p.isAlive()).as("copy alive; log:%n%s", p.log()).isTrue();
                try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_stat_activity WHERE datname = '" + db
                        + "' AND query ILIKE 'COPY %FROM STDIN%' AND state = 'active'")) {
                    if (rs.next()) {
                        return;
                    }
                }
                Thread.sleep(5);
            }
        }
        throw new AssertionError("the copy's data step was never seen running; log:\n" + p.log());
    }

    /** Until the killed run's sessions are gone: its slot inactive on the source, no session on the target database. */
    private void awaitGone(String db, String slot) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Connection s = lc.connect(lc.source(), "postgres"); Statement ss = s.createStatement();
             Connection t = lc.connect(lc.target(), "postgres"); Statement ts = t.createStatement()) {
            while (System.nanoTime() < deadline) {
                boolean slotBusy;
                try (ResultSet rs = ss.executeQuery("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot
                        + "' AND active")) {
                    slotBusy = rs.next();
                }
                try (ResultSet rs = ts.executeQuery("SELECT 1 FROM pg_stat_activity WHERE datname = '" + db + "'")) {
                    if (!slotBusy && !rs.next()) {
                        return;
                    }
                }
                Thread.sleep(20);
            }
        }
        throw new AssertionError("the killed run's sessions outlived it by 60 s");
    }

    private static void awaitLog(CliProcess p, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline && !p.log().contains(text)) {
            assertThat(p.isAlive()).as("alive; log:%n%s", p.log()).isTrue();
            Thread.sleep(100);
        }
        assertThat(p.log()).contains(text);
    }
}
