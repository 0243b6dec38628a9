package org.fastcopy.cli;

import org.fastcopy.follow.FollowSpec;
import org.fastcopy.testing.LogicalClusters;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.fastcopy.testing.CliProcess.conninfo;

/**
 * What stops a running follower, through the command line: one line on stderr naming what is
 * wrong, a non-zero exit, and nothing of the failing source transaction on the target: its rows
 * rolled back with the ledger's position, which stays where it was before that transaction.
 *
 * <p>A full target disk cannot be made honestly in a test (no tablespace on a small filesystem
 * here), so its stand-in is the error a full disk raises on apply: an ALWAYS trigger on the target
 * table (it fires under session_replication_role = replica) raising SQLSTATE 53100 (disk_full)
 * with PostgreSQL's own message, on the 400th row of a 500-row source transaction.
 */
class FollowStopsTest {
    private final LogicalClusters lc = LogicalClusters.get();
    private final Path work = Path.of("target", "follow-stops-work");

    @Test
    void aTargetErrorOnApplyStopsWithOneLineAndRollsTheTransactionBack() throws Exception {
        String db = source("follow_full");
        CompletableFuture<CliRun> run = follow(db, false);
        awaitLedger(db, run);
        try (Connection t = lc.connect(lc.target(), db); Statement st = t.createStatement()) {
            st.execute("CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN IF NEW.id = 1400 THEN "
                    + "RAISE EXCEPTION 'could not extend file \"base/16384/16385\": No space left on device' "
                    + "USING ERRCODE = 'disk_full'; END IF; RETURN NEW; END$$");
            st.execute("CREATE TRIGGER full_disk BEFORE INSERT ON t FOR EACH ROW EXECUTE PROCEDURE full_disk()");
            st.execute("ALTER TABLE t ENABLE ALWAYS TRIGGER full_disk");
        }
        String before = ledger(db);
        try (Connection s = lc.connect(lc.source(), db); Statement st = s.createStatement()) {
            st.execute("INSERT INTO t SELECT g, 'batch' FROM generate_series(1001, 1500) g");
        }

        CliRun stopped = run.get(120, TimeUnit.SECONDS);
        assertThat(stopped.exitCode()).as("exit; stderr: %s", stopped.err()).isEqualTo(4);
        assertThat(stopped.errLines()).as("stderr").hasSize(1);
        assertThat(stopped.err()).contains("following", "No space left on device", "53100");
        assertThat(stopped.out()).contains("replication slot " + FollowSpec.defaultSlotName(db) + " remains on",
                "continue with --follow --resume");
        assertThat(count(db, "SELECT count(*) FROM t WHERE id > 1000")).as("rows of the failing transaction").isZero();
        assertThat(ledger(db)).as("the ledger's position").isEqualTo(before);

        // the disk freed: --resume applies the whole transaction, once
        try (Connection t = lc.connect(lc.target(), db); Statement st = t.createStatement()) {
            st.execute("DROP TRIGGER full_disk ON t");
        }
        CompletableFuture<CliRun> resumed = follow(db, true);
        CliRun cutover = CliRun.of("cutover", "--dst", conninfo(lc.target()), "--db", db, "--timeout", "120");
        assertThat(cutover.exitCode()).as("cutover; stderr: %s", cutover.err()).isZero();
        CliRun done = resumed.get(120, TimeUnit.SECONDS);
        assertThat(done.exitCode()).as("resumed; stderr: %s", done.err()).isZero();
        assertThat(count(db, "SELECT count(*) FROM t")).isEqualTo(600);
        assertThat(count(db, "SELECT count(DISTINCT id) FROM t WHERE id > 1000")).isEqualTo(500);
    }

    @Test
    void aSlotDroppedOnTheSourceWhileFollowingStopsItAndTheResumeSaysSo() throws Exception {
        String db = source("follow_vanished");
        String slot = FollowSpec.defaultSlotName(db);
        CompletableFuture<CliRun> run = follow(db, false);
        awaitLedger(db, run);
        String before;
        try (Connection s = lc.connect(lc.source(), "postgres"); Statement st = s.createStatement()) {
            awaitStreaming(st, slot, run);
            before = ledger(db);
            dropActiveSlot(st, slot);
        }
        try (Connection s = lc.connect(lc.source(), db); Statement st = s.createStatement()) {
            st.execute("INSERT INTO t SELECT g, 'lost' FROM generate_series(2001, 2010) g");
        }

        CliRun stopped = run.get(120, TimeUnit.SECONDS);
        assertThat(stopped.exitCode()).as("exit; stderr: %s", stopped.err()).isEqualTo(4);
        assertThat(stopped.errLines()).as("stderr").hasSize(1);
        assertThat(stopped.err()).contains("following");
        assertThat(stopped.out()).contains("no replication slot remains");

        CliRun resumed = follow(db, true).get(120, TimeUnit.SECONDS);
        assertThat(resumed.exitCode()).as("resume; stderr: %s", resumed.err()).isEqualTo(4);
        assertThat(resumed.errLines()).as("stderr").hasSize(1);
        assertThat(resumed.err()).contains("replication slot " + slot + " is gone from", "--follow --drop-if-exists");
        assertThat(ledger(db)).as("the ledger's position").isEqualTo(before);
        try (Connection s = lc.connect(lc.source(), "postgres"); Statement st = s.createStatement()) {
            assertThat(count(st, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'"))
                    .as("a slot made by the refused resume").isZero();
        }
    }

    @Test
    void aColumnAddedOnTheSourceStopsTheFollowerBeforeItsTransactionWithOneLine() throws Exception {
        String db = source("follow_ddl");
        CompletableFuture<CliRun> run = follow(db, false);
        awaitLedger(db, run);
        String before = ledger(db);
        try (Connection s = lc.connect(lc.source(), db); Statement st = s.createStatement()) {
            st.execute("ALTER TABLE t ADD COLUMN extra int");
            s.setAutoCommit(false);
            st.execute("INSERT INTO t SELECT g, 'after ddl', 1 FROM generate_series(3001, 3100) g");
            s.commit();
        }

        CliRun stopped = run.get(120, TimeUnit.SECONDS);
        assertThat(stopped.exitCode()).as("exit; stderr: %s", stopped.err()).isEqualTo(4);
        assertThat(stopped.errLines()).as("stderr").hasSize(1);
        assertThat(stopped.err()).contains("following stopped at table public.t: its columns changed on the source",
                "nothing of its transaction was applied", "--follow --resume");
        assertThat(count(db, "SELECT count(*) FROM t WHERE id > 3000")).as("rows of the failing transaction").isZero();
        // PostgreSQL 15 sends no transaction for the ALTER alone (nothing published): the ledger stays put
        assertThat(ledger(db)).as("the ledger's position").isEqualTo(before);
    }

    private String source(String prefix) throws SQLException {
        String db = lc.createDatabase(lc.source(), prefix).database();
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id int PRIMARY KEY, v text)");
            st.execute("INSERT INTO t SELECT g, 'copied' FROM generate_series(1, 100) g");
        }
        return db;
    }

    /** {@code fastcopy --follow} (and {@code --resume}) in-process, in a thread: the follower runs until it stops. */
    private CompletableFuture<CliRun> follow(String db, boolean resume) {
        List<String> args = new ArrayList<>(List.of("--src", conninfo(lc.source()), "--dst", conninfo(lc.target()),
                "--db", db, "--jobs", "1", "--follow", "--workdir", work.toString()));
        if (resume) {
            args.add("--resume");
        }
        return CompletableFuture.supplyAsync(() -> CliRun.of(args.toArray(String[]::new)));
    }

    /** Until the copy has handed over to following (the ledger holds the follow position). */
    private void awaitLedger(String db, CompletableFuture<CliRun> run) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (run.isDone()) {
                fail("the run ended before following: %s", run.get().err());
            }
            if (count(lc.target(), "postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + db + "'") > 0
                    && ledger(db) != null) {
                return;
            }
            Thread.sleep(50);
        }
        fail("no follow position in the ledger after 120 s");
    }

    /** Until the follower's walsender holds the slot. */
    private static void awaitStreaming(Statement st, String slot, CompletableFuture<CliRun> run) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(run).as("follower running").isNotDone();
            if (count(st, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND active") > 0) {
                return;
            }
            Thread.sleep(20);
        }
        fail("the follower never streamed from " + slot);
    }

    /**
     * What a DBA's cleanup does to a slot in use: terminate its walsender, then drop it. The drop
     * fails (55006) until the terminated walsender has released the slot, so it is retried until then.
     */
    /**
     * Drops the follower's slot from under it. The walsender must go first (an active slot cannot
     * be dropped), and the drop must be done before the follower, seeing its stream end, reports
     * whether its slot remains. So the drop waits on a replication connection
     * ({@code DROP_REPLICATION_SLOT ... WAIT}, woken by the server the moment the walsender
     * releases the slot on its way out) while the walsender is terminated: it is done within the
     * server, where the follower still has to close its sessions and open a new one to ask. Dropping
     * by SQL after the terminate, retried every 10 ms while the slot was still active, lost that
     * race once (fresh-clone CI of b2a1f23: the follower reported the slot as remaining).
     */
    private void dropActiveSlot(Statement st, String slot) throws Exception {
        try (Connection replication = lc.replicationConnection(lc.source(), "postgres");
             Statement drop = replication.createStatement()) {
            CompletableFuture<Void> dropped = CompletableFuture.runAsync(() -> {
                try {
                    drop.execute("DROP_REPLICATION_SLOT \"" + slot + "\" WAIT");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            // the drop must be waiting before the walsender goes: its backend shows the wait
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (count(st, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'"
                    + " AND wait_event = 'ReplicationSlotDrop'") == 0) {
                if (dropped.isDone() || System.nanoTime() > deadline) {
                    dropped.get(1, TimeUnit.SECONDS);
                    fail("DROP_REPLICATION_SLOT ... WAIT did not wait for the active slot " + slot);
                }
                Thread.onSpinWait();
            }
            st.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
            dropped.get(30, TimeUnit.SECONDS);
        }
    }

    private String ledger(String db) throws SQLException {
        try (Connection t = lc.connect(lc.target(), db); Statement st = t.createStatement();
             ResultSet rs = st.executeQuery("SELECT value FROM _fastcopy.run WHERE key = 'follow.next'")) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return null; // the copy has not made its ledger yet
            }
            throw e;
        }
    }

    private long count(String db, String sql) throws SQLException {
        return count(lc.target(), db, sql);
    }

    private long count(org.fastcopy.cluster.LocalCluster cluster, String db, String sql) throws SQLException {
        try (Connection c = lc.connect(cluster, db); Statement st = c.createStatement()) {
            return count(st, sql);
        }
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
