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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.fastcopy.util.Sql.ident;

/**
 * Randomized kill soak of {@code fastcopy --follow}, not part of {@code mvn test} (surefire runs
 * *Test classes only; a cycle takes 20 to 60 s of CLI runs on 2 cores, more than the suite can give):
 * {@code mvn -B test -Dtest=FollowKillSoak [-Dfastcopy.soak.kills=20] [-Dfastcopy.soak.seed=7]}.
 *
 * <p>A {@link SoakWriter} changes the source the whole time (transactions of 1 to 10,000 rows,
 * through the parent's rule and directly in the child) while the CLI runs as a process of its own,
 * so SIGKILL is real. Each cycle is one following copy of a fresh database from start to cutover,
 * with one to three kills; each kill's phase and moment come from the seed: during the copy (the
 * slot just made, the target database created, the data step streaming), while following (after a
 * number of applied transactions, or with an apply transaction open), or inside the cutover (a
 * delay after the request, the cutover LSN recorded, the slot dropped). The moment is observed on
 * the servers, never guessed by time, except the cutover's delay, which is the point. Each kill is
 * followed by {@code --follow --resume}; after a kill the slot is never confirmed past the target's
 * ledger; the cycle ends with a cutover and the target exact: every table's count and md5 of its
 * ordered rows, every sequence. The writer's interleaving with the runs is not reproducible; the
 * seed's draws (phases, points, counts, delays) are, and on failure the seed is in the message.
 */
class FollowKillSoak {
    private static final Duration DEADLINE = Duration.ofSeconds(600);
    private static final List<String> SEQUENCES = List.of("items_id_seq", "measure_ids", "measure_log_seq_seq");

    private final LogicalClusters lc = LogicalClusters.get();
    private final Path work = Path.of("target", "follow-kill-soak").toAbsolutePath();

    private enum Phase { COPY, FOLLOW, CUTOVER }

    /** How a cycle's current run ended. */
    private enum Outcome { KILLED, FINISHED_FIRST, CUT_OVER }

    private long seed;
    private int kills;
    /** The writer's rows per second on average ({@code -Dfastcopy.soak.rate}). */
    private final int rate = Integer.getInteger("fastcopy.soak.rate", 2000);

    @Test
    void followingKilledAtRandomMomentsAndResumedEndsExact() throws Exception {
        int wanted = Integer.getInteger("fastcopy.soak.kills", 3);
        seed = Long.getLong("fastcopy.soak.seed", 7L);
        Random rng = new Random(seed);
        System.out.printf("FOLLOW SOAK seed %d, %d kills, writer at %d rows/s%n", seed, wanted, rate);
        try {
            for (int cycle = 1; kills < wanted; cycle++) {
                cycle(cycle, rng, Math.min(wanted - kills, 1 + rng.nextInt(3)));
            }
        } catch (Throwable t) {
            throw new AssertionError("FOLLOW SOAK failed with seed " + seed + " after " + kills + " kill(s); replay with "
                    + "-Dfastcopy.soak.seed=" + seed + ": " + t.getMessage(), t);
        }
        System.out.printf("FOLLOW SOAK done: seed %d, %d kills%n", seed, kills);
    }

    private void cycle(int cycle, Random rng, int killsThisCycle) throws Exception {
        String db = lc.createDatabase(lc.source(), "follow_soak").database();
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
            FollowFixture.create(c);
            // a data step long enough to be caught in
            st.execute("CREATE TABLE bulk (id int PRIMARY KEY, v text)");
            st.execute("INSERT INTO bulk SELECT g, md5(g::text) FROM generate_series(1, 200000) g");
        }
        String slot = FollowSpec.defaultSlotName(db);
        Path dir = work.resolve(db);
        List<String> args = List.of("--src", CliProcess.conninfo(lc.source()), "--dst", CliProcess.conninfo(lc.target()),
                "--db", db, "--jobs", "2", "--follow", "--workdir", dir.toString());
        List<String> resume = new ArrayList<>(args);
        resume.add("--resume");

        Connection writerConnection = lc.connect(lc.source(), db);
        SoakWriter writer = new SoakWriter(writerConnection, rng.nextLong(), rate);
        writer.start();
        boolean writing = true;
        boolean followed = false;
        boolean cutoverPersisted = false; // asked through `fastcopy cutover`: the request is in the ledger
        CliProcess cutoverCommand = null;
        CliProcess run = null;
        try {
            for (int attempt = 1; ; attempt++) {
                run = CliProcess.start(attempt == 1 ? args : resume, dir.resolve("run-" + attempt + ".log"));
                if (attempt > killsThisCycle) {
                    break;
                }
                Phase phase = cutoverPersisted ? Phase.CUTOVER
                        : followed ? (rng.nextBoolean() ? Phase.FOLLOW : Phase.CUTOVER)
                        : Phase.values()[rng.nextInt(Phase.values().length)];
                int point = rng.nextInt(3);
                int amount = rng.nextInt(400);
                String where = phase + " point " + point + " (" + amount + ")";
                if (phase == Phase.CUTOVER) {
                    boolean streaming = awaitFollowing(run, db);
                    followed = true;
                    if (writing) {
                        writer.stop();
                        writing = false;
                    }
                    if (streaming && !cutoverPersisted) {
                        if (rng.nextBoolean()) {
                            run.signal("USR1");
                            where += " after SIGUSR1";
                        } else {
                            cutoverCommand = CliProcess.start(List.of("cutover", "--dst", CliProcess.conninfo(lc.target()),
                                    "--db", db, "--timeout", "600"), dir.resolve("cutover-" + attempt + ".log"));
                            cutoverPersisted = true;
                            where += " after fastcopy cutover";
                        }
                    }
                }
                Outcome outcome = killAt(run, db, slot, phase, point, amount);
                System.out.printf("FOLLOW SOAK seed %d cycle %d run %d: %s %s%n", seed, cycle, attempt, outcome, where);
                if (outcome == Outcome.CUT_OVER) {
                    break;
                }
                if (outcome == Outcome.FINISHED_FIRST) {
                    fail("run %d ended before its kill point %s; log:%n%s", attempt, where, run.log());
                }
                kills++;
                awaitGone(db, slot);
                if (followed && !ledgerExists(db) && !slotExists(slot)) {
                    // killed after the cutover's last commit: the next run finds nothing to resume
                    run = CliProcess.start(resume, dir.resolve("run-" + (attempt + 1) + ".log"));
                    break;
                }
                Lsn next = ledgerNext(db);
                followed |= next != null;
                if (next != null && slotExists(slot)) {
                    assertThat(confirmedFlush(slot)).as("slot confirmed after the kill at %s", where).isLessThanOrEqualTo(next);
                }
                if (phase == Phase.CUTOVER && !cutoverPersisted && !cutoverRecorded(db) && ledgerExists(db)) {
                    // the SIGUSR1 request died with the run: following goes on, and so do the writes
                    writer = new SoakWriter(writerConnection, rng.nextLong(), rate);
                    writer.start();
                    writing = true;
                }
            }
            Integer exit;
            if (!awaitFollowing(run, db) || run.log().contains("cutover of " + db + " done")) {
                exit = run.await(DEADLINE);
            } else {
                if (writing) {
                    writer.stop();
                    writing = false;
                }
                if (!cutoverPersisted) {
                    run.signal("USR1");
                }
                exit = run.await(DEADLINE);
            }
            String finished = run.log();
            if (exit != null && exit == 2 && finished.contains("nothing to resume") && finished.contains("a finished cutover")) {
                // killed after the cutover's last commit: nothing left to resume, and it says so
                System.out.printf("FOLLOW SOAK seed %d cycle %d: the last resume found the cutover finished%n", seed, cycle);
            } else {
                assertThat(exit).as("the last run's exit; log:%n%s", finished).isZero();
                assertThat(finished).contains("cutover of " + db + " done at source LSN", "no replication slot remains");
            }
            if (cutoverCommand != null) {
                assertThat(cutoverCommand.await(DEADLINE)).as("fastcopy cutover's exit; log:%n%s", cutoverCommand.log()).isZero();
            }
            try (Connection s = lc.connect(lc.source(), db); Connection t = lc.connect(lc.target(), db)) {
                assertThat(contents(t)).as("target of cycle %d", cycle).isEqualTo(contents(s));
            }
            assertThat(slotExists(slot)).as("slot left").isFalse();
            System.out.printf("FOLLOW SOAK seed %d cycle %d exact: %d source transactions, %d rows written%n", seed, cycle,
                    writer.transactions.get(), writer.rows.get());
        } finally {
            if (writing) {
                writer.stop();
            }
            writerConnection.close();
            if (run != null) {
                run.destroy();
            }
            if (cutoverCommand != null) {
                cutoverCommand.destroy();
            }
        }
        dropDatabase(db);
    }

    /** Waits for the phase's moment, then SIGKILL. */
    private Outcome killAt(CliProcess p, String db, String slot, Phase phase, int point, int amount) throws Exception {
        if (phase == Phase.CUTOVER && point == 0) {
            // the one moment not observable from outside: somewhere in the cutover, by the clock
            Thread.sleep(amount);
            return killUnlessDone(p, db);
        }
        long end = System.nanoTime() + DEADLINE.toNanos();
        long baseline = -1;
        while (p.isAlive() && System.nanoTime() < end) {
            boolean reached = switch (phase) {
                // a copy that got past the point unseen (it is fast) is killed as soon as it follows
                case COPY -> p.log().contains("STEP F4 follow") || switch (point) {
                    case 0 -> slotExists(slot);
                    case 1 -> targetDatabaseExists(db);
                    default -> targetActivity(db, "query ILIKE 'COPY %FROM STDIN%' AND state = 'active'");
                };
                case FOLLOW -> {
                    if (point == 0) {
                        yield targetActivity(db, "application_name = 'fastcopy-follow' AND backend_xid IS NOT NULL");
                    }
                    Long applied = ledgerTransactions(db);
                    if (applied != null && baseline < 0) {
                        baseline = applied;
                    }
                    yield applied != null && applied >= baseline + amount / 4;
                }
                case CUTOVER -> point == 1 ? cutoverRecorded(db) : !slotExists(slot);
            };
            if (reached) {
                return killUnlessDone(p, db);
            }
            Thread.sleep(2);
        }
        return p.isAlive() ? fail("kill point %s %d never reached in %s; log:%n%s", phase, point, DEADLINE, p.log())
                : p.log().contains("cutover of " + db + " done") ? Outcome.CUT_OVER : Outcome.FINISHED_FIRST;
    }

    private static Outcome killUnlessDone(CliProcess p, String db) throws InterruptedException {
        if (!p.isAlive()) {
            return p.log().contains("cutover of " + db + " done") ? Outcome.CUT_OVER : Outcome.FINISHED_FIRST;
        }
        p.kill();
        return Outcome.KILLED;
    }

    /** Until the run streams (its log says so; true) or has ended (false). */
    private static boolean awaitFollowing(CliProcess p, String db) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (p.log().contains("following slot")) {
                return true;
            }
            if (!p.isAlive()) {
                return false;
            }
            Thread.sleep(50);
        }
        return fail("the run never started following; log:%n%s", p.log());
    }

    /** Until the killed run's sessions are gone: its slot inactive on the source, no session on the target database. */
    private void awaitGone(String db, String slot) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            boolean slotBusy = scalar(lc.source(), "postgres", "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                    + slot + "' AND active") > 0;
            if (!slotBusy && !targetActivity(db, "true")) {
                return;
            }
            Thread.sleep(20);
        }
        fail("the killed run's sessions outlived it by 60 s");
    }

    /** Every table's count and md5 of its ordered rows (the fixture's, and bulk), and every sequence. */
    private static Map<String, String> contents(Connection c) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>(FollowFixture.contents(c));
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) || ' rows, md5 ' || md5(string_agg(id || v, ',' ORDER BY id)) FROM bulk")) {
                rs.next();
                out.put("bulk", rs.getString(1));
            }
            for (String s : SEQUENCES) {
                try (ResultSet rs = st.executeQuery("SELECT last_value || ' ' || is_called FROM " + ident(s))) {
                    rs.next();
                    out.put(s, rs.getString(1));
                }
            }
        }
        return out;
    }

    private boolean slotExists(String slot) throws SQLException {
        return scalar(lc.source(), "postgres", "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'") > 0;
    }

    private Lsn confirmedFlush(String slot) throws SQLException {
        try (Connection c = lc.connect(lc.source(), "postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '"
                     + slot + "'")) {
            assertThat(rs.next()).isTrue();
            return Lsn.parse(rs.getString(1));
        }
    }

    private boolean targetDatabaseExists(String db) throws SQLException {
        return scalar(lc.target(), "postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + db + "'") > 0;
    }

    /** Whether a session on the target database matches {@code condition} (read from the maintenance database). */
    private boolean targetActivity(String db, String condition) throws SQLException {
        return scalar(lc.target(), "postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db + "' AND ("
                + condition + ")") > 0;
    }

    private boolean ledgerExists(String db) throws SQLException {
        return ledger(db, "follow.slot") != null;
    }

    private boolean cutoverRecorded(String db) throws SQLException {
        return ledger(db, FollowLedger.CUTOVER_LSN) != null;
    }

    private Lsn ledgerNext(String db) throws SQLException {
        String v = ledger(db, FollowLedger.NEXT);
        return v == null ? null : Lsn.parse(v);
    }

    private Long ledgerTransactions(String db) throws SQLException {
        String v = ledger(db, FollowLedger.TRANSACTIONS);
        return v == null ? null : Long.parseLong(v);
    }

    /**
     * A ledger value, read with dblink-free care: the target database is connected to only once
     * the run has made its ledger, and the session ends at once (a session of ours would make a
     * resumed run's DROP DATABASE of a partial copy fail).
     */
    private String ledger(String db, String key) throws SQLException {
        if (!targetDatabaseExists(db)) {
            return null;
        }
        try (Connection t = lc.connect(lc.target(), db); Statement st = t.createStatement();
             ResultSet rs = st.executeQuery("SELECT value FROM _fastcopy.run WHERE key = '" + key + "'")) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState()) || "3D000".equals(e.getSQLState())) {
                return null; // no ledger yet (or any more), or the database dropped meanwhile
            }
            throw e;
        } catch (IllegalStateException e) {
            return null; // the database went between the check and the connection
        }
    }

    private long scalar(org.fastcopy.cluster.LocalCluster cluster, String database, String sql) throws SQLException {
        try (Connection c = lc.connect(cluster, database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void dropDatabase(String db) throws SQLException {
        for (var cluster : List.of(lc.source(), lc.target())) {
            try (Connection c = lc.connect(cluster, "postgres"); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + ident(db));
            }
        }
    }
}
