package org.fastcopy.data;

import org.fastcopy.FastcopyException;
import org.fastcopy.analyze.AfterLoad;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.plan.CopyPlan;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.plan.SourceTable;
import org.fastcopy.snapshot.SourceSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import static org.fastcopy.util.Sql.qualified;

/**
 * Copies the planned units with {@code jobs} workers. Each worker owns a source session inside the
 * shared snapshot, a target session and a {@link StreamCopier}; it takes units from one queue
 * (largest first) and runs each in its own target transaction: TRUNCATE (whole tables only, so the
 * COPY can FREEZE), COPY, ledger mark, COMMIT. A crash leaves each unit either committed and marked
 * or absent, so a resumed run redoes exactly the unmarked ones. The worker that commits a table's
 * last unit gives it its statistics ({@link #afterLoad}) before reporting it loaded.
 *
 * <p>A broken connection is retried on fresh sessions ({@link #ATTEMPTS} tries, backing off); any
 * other failure stops the phase: the other workers finish the unit in hand and stop, and the first
 * failure is thrown.
 */
public final class DataPhase {
    private static final Logger log = LoggerFactory.getLogger(DataPhase.class);
    static final int ATTEMPTS = 4;
    /** Ledger key prefix of a unit's rows changed by --encoding-errors; value: table TAB count. */
    public static final String INVALID_ROWS_PREFIX = "invalid-rows ";

    /** The count of an {@link #INVALID_ROWS_PREFIX} value (table TAB count). */
    public static long invalidRowCount(String ledgerValue) {
        return Long.parseLong(ledgerValue.substring(ledgerValue.lastIndexOf('\t') + 1));
    }
    private static final long FIRST_BACKOFF_MS = 500;
    /** How long an interrupted phase waits for its workers to roll back and close. */
    private static final long STOP_MILLIS = 10_000;

    /** Told about progress; called from worker threads, must be thread-safe and quick. */
    public interface Listener {
        /** A worker took the unit, first or again after {@link #unitRetried}: in flight until it is done or retried. */
        default void unitStarted(PlannedUnit unit) {
        }

        /** The unit failed on a broken connection; it is tried again on new sessions after a backoff. */
        default void unitRetried(PlannedUnit unit) {
        }

        void unitDone(PlannedUnit unit, CopyResult result);

        /** All units of the table are committed: its indexes and keys may start. */
        void tableLoaded(SourceTable table);
    }

    public record Result(long units, long rows, long bytes, long retries) {
    }

    private final Connections connections;
    private final Endpoint source;
    private final Endpoint target;
    private final SourceSnapshot snapshot;
    private final CopyFormat format;
    private final CopySettings settings;
    private final CopyProgress progress;
    private final int jobs;
    private final Listener listener;
    private final EncodingErrors encodingErrors;
    private AfterLoad afterLoad;
    private final Set<String> analysed = ConcurrentHashMap.newKeySet();
    private final Map<String, LongAdder> tableRows = new ConcurrentHashMap<>();

    public DataPhase(Connections connections, Endpoint source, Endpoint target, SourceSnapshot snapshot,
                     CopyFormat format, CopySettings settings, CopyProgress progress, int jobs, Listener listener) {
        this(connections, source, target, snapshot, format, settings, progress, jobs, listener, null);
    }

    /**
     * @param encodingErrors the policy for rows that are not valid UTF-8 when the source is
     *                       SQL_ASCII and the target validates its text (TEXT format only); null
     *                       for any other pair of servers
     */
    public DataPhase(Connections connections, Endpoint source, Endpoint target, SourceSnapshot snapshot,
                     CopyFormat format, CopySettings settings, CopyProgress progress, int jobs, Listener listener,
                     EncodingErrors encodingErrors) {
        this.encodingErrors = encodingErrors;
        this.connections = connections;
        this.source = source;
        this.target = target;
        this.snapshot = snapshot;
        this.format = format;
        this.settings = settings;
        this.progress = progress;
        this.jobs = jobs;
        this.listener = listener;
    }

    /**
     * Has the worker that commits a table's last unit run {@link AfterLoad#command} on it before
     * its indexes are built, so autovacuum leaves it alone while the copy runs. Call before
     * {@link #run}; without it every table is left to the caller's final ANALYZE.
     */
    public DataPhase afterLoad(AfterLoad policy) {
        this.afterLoad = policy;
        return this;
    }

    /** Keys ({@link CopyPlan#tableKey}) of the tables analysed (and maybe vacuumed) after their load by this run. */
    public Set<String> analysed() {
        return Set.copyOf(analysed);
    }

    /**
     * @param plan the whole plan (to know how many units make up each table)
     * @param done unit keys an earlier run committed: skipped, but counted towards their table
     */
    public Result run(CopyPlan plan, Map<String, Long> done) {
        Map<String, AtomicInteger> remaining = new ConcurrentHashMap<>();
        for (SourceTable t : plan.tables()) {
            remaining.put(CopyPlan.tableKey(t), new AtomicInteger(plan.unitsOf(t)));
        }
        ConcurrentLinkedQueue<PlannedUnit> queue = new ConcurrentLinkedQueue<>();
        for (PlannedUnit u : plan.units()) {
            if (done.containsKey(u.key())) {
                if (lastUnit(remaining, u.table())) {
                    listener.tableLoaded(u.table());
                }
            } else {
                queue.add(u);
            }
        }
        if (queue.isEmpty()) {
            return new Result(0, 0, 0, 0);
        }
        int n = Math.max(1, Math.min(jobs, queue.size()));
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        AtomicInteger ids = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> new Thread(r, "copy-worker-" + ids.incrementAndGet()));
        List<Future<Result>> futures = new ArrayList<>();
        try {
            for (int i = 1; i <= n; i++) {
                Worker w = new Worker(i, queue, remaining, failure);
                futures.add(pool.submit(w::run));
            }
            long units = 0, rows = 0, bytes = 0, retries = 0;
            for (Future<Result> f : futures) {
                Result r = f.get();
                units += r.units();
                rows += r.rows();
                bytes += r.bytes();
                retries += r.retries();
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            return new Result(units, rows, bytes, retries);
        } catch (InterruptedException e) {
            // The workers stop between rows on their interrupt and roll back the unit in hand:
            // let them, so the run's end finds no transaction of ours still open on either side.
            pool.shutdownNow();
            awaitWorkers(pool);
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, "copy interrupted");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re
                    : new FastcopyException(FastcopyException.FAILED, "copy worker failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitWorkers(ExecutorService pool) {
        try {
            if (!pool.awaitTermination(STOP_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                log.warn("copy workers still running {} ms after the interrupt", STOP_MILLIS);
            }
        } catch (InterruptedException again) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean hasSqlState(Throwable t, String state) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CopyException ce && state.equals(ce.sqlState())
                    || c instanceof SQLException se && state.equals(se.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why a reader could not lock its table although the snapshot holds a lock on it: someone
     * asked for an exclusive lock after the snapshot, and waits for the run's end while the run
     * waits for it. Names the sessions so the operator can choose.
     */
    private String lockedOut(SourceTable t) {
        String table = qualified(t.schema(), t.name());
        StringBuilder who = new StringBuilder();
        try (Connection c = connections.open(source, "fastcopy");
             java.sql.PreparedStatement ps = c.prepareStatement(SourceSnapshot.lockWaitersSql())) {
            ps.setString(1, table);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    who.append(who.length() == 0 ? "" : ", ").append("pid ").append(rs.getInt(1)).append(" (")
                            .append(rs.getString(3)).append(')');
                }
            }
        } catch (SQLException | RuntimeException e) {
            who.append("(could not list them: ").append(e.getMessage()).append(')');
        }
        return t.schema() + "." + t.name() + ": no lock on the source table within " + SourceSnapshot.LOCK_TIMEOUT
                + ": session(s) " + (who.length() == 0 ? "(gone by now)" : who)
                + " asked for an exclusive lock on it after the snapshot and wait for this run to end, and every"
                + " reader queues behind them; cancel them or rerun (--resume) once they are done";
    }

    private static boolean lastUnit(Map<String, AtomicInteger> remaining, SourceTable t) {
        return remaining.get(CopyPlan.tableKey(t)).decrementAndGet() == 0;
    }

    /** One worker: its sessions and its copier are its own and never shared. */
    private final class Worker {
        private final int id;
        private final ConcurrentLinkedQueue<PlannedUnit> queue;
        private final Map<String, AtomicInteger> remaining;
        private final AtomicReference<RuntimeException> failure;
        private final StreamCopier copier;
        private Connection src;
        private Connection dst;

        Worker(int id, ConcurrentLinkedQueue<PlannedUnit> queue, Map<String, AtomicInteger> remaining,
               AtomicReference<RuntimeException> failure) {
            this.id = id;
            this.queue = queue;
            this.remaining = remaining;
            this.failure = failure;
            this.copier = new StreamCopier(id, settings, progress);
        }

        Result run() {
            long units = 0, rows = 0, bytes = 0, retries = 0;
            try {
                PlannedUnit u;
                while (failure.get() == null && !Thread.currentThread().isInterrupted() && (u = queue.poll()) != null) {
                    for (int attempt = 1; ; attempt++) {
                        try {
                            listener.unitStarted(u);
                            CopyResult r = attempt > 1 ? committedBefore(u) : null;
                            if (r == null) {
                                r = copyOne(u);
                            }
                            listener.unitDone(u, r);
                            units++;
                            rows += r.rows();
                            bytes += r.bytes();
                            if (afterLoad != null) {
                                tableRows.computeIfAbsent(CopyPlan.tableKey(u.table()),
                                        k -> new LongAdder()).add(r.rows());
                            }
                            if (lastUnit(remaining, u.table())) {
                                if (afterLoad != null) {
                                    statistics(u);
                                }
                                listener.tableLoaded(u.table());
                            }
                            break;
                        } catch (RuntimeException e) {
                            closeSessions();
                            if (attempt < ATTEMPTS && Transient.isTransient(e) && failure.get() == null) {
                                retries++;
                                listener.unitRetried(u);
                                long backoff = FIRST_BACKOFF_MS << (attempt - 1);
                                // CopyException messages already start with the unit's label.
                                String why = e.getMessage() != null && e.getMessage().startsWith(u.unit().label())
                                        ? e.getMessage() : u.unit().label() + ": " + e.getMessage();
                                log.warn("{} (attempt {} of {}, retrying in {} ms on new connections)",
                                        why, attempt, ATTEMPTS, backoff);
                                backoff(backoff);
                                continue;
                            }
                            RuntimeException named = attempt > 1
                                    ? new FastcopyException(FastcopyException.FAILED, u.unit().label() + ": gave up after "
                                    + attempt + " attempts: " + e.getMessage(), e)
                                    : e;
                            if (hasSqlState(e, SourceSnapshot.LOCK_NOT_AVAILABLE)) {
                                named = new FastcopyException(FastcopyException.FAILED, lockedOut(u.table()), e);
                            }
                            if (failure.compareAndSet(null, named)) {
                                log.error("{}", named.getMessage());
                            }
                            return new Result(units, rows, bytes, retries);
                        }
                    }
                }
                return new Result(units, rows, bytes, retries);
            } finally {
                closeSessions();
            }
        }

        /**
         * The unit as the attempt before committed it, or null. A connection that breaks during
         * COMMIT (the target shutting down, the network) leaves the client unsure whether the
         * server committed; the ledger mark, committed with the rows, says. Copying it again would
         * fail on that mark after a full COPY, and give up a unit that is in fact done.
         */
        private CopyResult committedBefore(PlannedUnit u) {
            openSessions();
            try {
                Optional<long[]> done = Ledger.unitDone(dst, u.key());
                if (done.isEmpty()) {
                    return null;
                }
                long invalid = Ledger.get(dst, INVALID_ROWS_PREFIX + u.key())
                        .map(DataPhase::invalidRowCount).orElse(0L);
                dst.rollback();
                log.info("{}: the attempt before was committed on the target after all; not copied again", u.unit().label());
                long rows = done.get()[0];
                long sent = encodingErrors == EncodingErrors.SKIP ? rows + invalid : rows;
                return new CopyResult(u.unit(), format, rows, sent, done.get()[1], 0, 0, 0, invalid);
            } catch (SQLException e) {
                rollbackQuietly();
                throw new FastcopyException(FastcopyException.FAILED, u.unit().label() + ": reading the ledger on the target: "
                        + e.getMessage(), e);
            }
        }

        private CopyResult copyOne(PlannedUnit u) {
            openSessions();
            CopyUnit unit = u.unit();
            try {
                boolean whole = !unit.isChunk();
                if (whole) {
                    // Empties what a crashed run may have left (nothing, since units commit whole,
                    // but a table created by hand may not be empty) and lets COPY ... FREEZE write
                    // rows already frozen, which saves the target a full rewrite by VACUUM later.
                    try (Statement st = dst.createStatement()) {
                        st.execute("TRUNCATE ONLY " + qualified(unit.targetSchema(), unit.targetTable()));
                    }
                }
                CopyResult r = copier.copy(unit, src, dst, format, whole, encodingErrors);
                if (r.rows() != r.expectedRows(encodingErrors)) {
                    throw new FastcopyException(FastcopyException.FAILED, unit.label() + ": the source sent " + r.sourceRows()
                            + " rows but the target kept " + r.rows() + " (a trigger or rule on the target table?)");
                }
                Ledger.markUnitDone(dst, u.key(), r.rows(), r.bytes());
                if (r.invalidRows() > 0) {
                    // Committed with the rows, so a resumed run can still explain this table's difference.
                    Ledger.put(dst, INVALID_ROWS_PREFIX + u.key(), u.table().displayName() + "\t" + r.invalidRows());
                }
                if (afterLoad != null) {
                    try (Statement st = dst.createStatement()) {
                        st.execute(AfterLoad.FLUSH_STATS);
                    }
                }
                dst.commit();
                return r;
            } catch (SQLException e) {
                rollbackQuietly();
                throw new FastcopyException(FastcopyException.FAILED, unit.label() + ": on the target: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                rollbackQuietly();
                throw e;
            }
        }

        /**
         * The table's statistics, once all its units are committed (rows from the previous run of
         * a resumed table are not counted: it may get ANALYZE where VACUUM was due, which
         * autovacuum then does). Cheap: COPY FREEZE left the pages frozen and all-visible, and
         * there are no indexes yet. A failure loses no data, so it is a warning, and the table is
         * left to the final ANALYZE.
         */
        private void statistics(PlannedUnit u) {
            LongAdder n = tableRows.get(CopyPlan.tableKey(u.table()));
            String command = afterLoad.command(u.table(), n == null ? 0 : n.sum());
            if (command == null) {
                return;
            }
            CopyUnit unit = u.unit();
            try {
                dst.setAutoCommit(true); // VACUUM refuses to run inside a transaction block
                try (Statement st = dst.createStatement()) {
                    st.execute(command + " " + qualified(unit.targetSchema(), unit.targetTable()));
                }
                dst.setAutoCommit(false);
                analysed.add(CopyPlan.tableKey(u.table()));
            } catch (SQLException e) {
                log.warn("{}: {} after the load failed, leaving it to the final ANALYZE: {}",
                        u.table().displayName(), command, e.getMessage());
                closeSessions();
            }
        }

        private void openSessions() {
            try {
                if (src == null) {
                    src = connections.open(source, "fastcopy-copy-" + id);
                    snapshot.importInto(src);
                }
                if (dst == null) {
                    dst = connections.open(target, "fastcopy-copy-" + id);
                    try (Statement st = dst.createStatement()) {
                        // Losing the last moments of a crash costs nothing: the ledger redoes the unit.
                        st.execute("SET synchronous_commit = off");
                    }
                    dst.setAutoCommit(false);
                }
            } catch (SQLException e) {
                throw new FastcopyException(FastcopyException.CONNECTION, "copy worker " + id + ": " + e.getMessage(), e);
            }
        }

        private void rollbackQuietly() {
            try {
                if (dst != null) {
                    dst.rollback();
                }
            } catch (SQLException ignored) {
                // the session is closed and replaced below if it is broken
            }
        }

        private void closeSessions() {
            for (Connection c : new Connection[] {src, dst}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (SQLException ignored) {
                        // closing a broken session: nothing to release
                    }
                }
            }
            src = null;
            dst = null;
        }
    }

    /** Waiting before a retry is a backoff, not synchronisation: the server may be restarting. */
    private static void backoff(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
