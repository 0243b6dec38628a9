package org.fastcopy.load;

import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.SqlStates;
import org.fastcopy.FastcopyException;
import org.fastcopy.data.CopyResult;
import org.fastcopy.data.Transient;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.plan.SourceTable;
import org.fastcopy.report.RunRecorder;
import org.fastcopy.report.Span;
import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.work.Workers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

import static org.fastcopy.util.Sql.qualified;

/**
 * One worker of the data phase: takes units from the shared queue (largest first) until it is
 * empty or the run has stopped; small whole tables, which come last, several at a time in one
 * transaction. A broken connection is retried on fresh sessions ({@link
 * #ATTEMPTS} tries, backing off); any other failure ends the worker with that failure, named, and
 * the pool stops the others after the unit in hand. The worker that commits a table's last unit
 * gives the table its statistics before reporting it loaded.
 */
final class UnitWorker {
    private static final Logger log = LoggerFactory.getLogger(DataPhase.class);
    static final int ATTEMPTS = 4;
    /**
     * Whole tables below this size share a transaction with others, up to {@link #BATCH_TABLES}
     * tables or {@link #BATCH_BYTES} together. Small enough that a batch stays a moment of work
     * (its tables' keys wait for its COMMIT) and its locks few next to max_locks_per_transaction.
     */
    static final long BATCH_UNIT_BYTES = 256 * 1024;
    static final int BATCH_TABLES = 32;
    static final long BATCH_BYTES = 2L << 20;
    private static final long FIRST_BACKOFF_MS = 500;

    private final LoadSetup setup;
    private final Queue<PlannedUnit> queue;
    private final TableLoads tables;
    private final DataPhase.Listener listener;

    UnitWorker(LoadSetup setup, Queue<PlannedUnit> queue, TableLoads tables, DataPhase.Listener listener) {
        this.setup = setup;
        this.queue = queue;
        this.tables = tables;
        this.listener = listener;
    }

    /** The worker's loop; its sessions are closed on every path. */
    DataPhase.Result run(Workers.Worker w) {
        long units = 0, rows = 0, bytes = 0, retries = 0;
        try (UnitLoader loader = new UnitLoader(w.index(), setup)) {
            PlannedUnit next = null;
            while (!w.stopped() && !Thread.currentThread().isInterrupted()
                    && (next != null || (next = queue.poll()) != null)) {
                List<PlannedUnit> batch = new ArrayList<>(List.of(next));
                next = batchable(next) ? fill(batch) : null;
                for (int attempt = 1; ; attempt++) {
                    try {
                        for (CopyResult r : batch.size() == 1 ? List.of(load(loader, batch.get(0), attempt))
                                : loadBatch(loader, batch, attempt)) {
                            units++;
                            rows += r.rows();
                            bytes += r.bytes();
                        }
                        break;
                    } catch (RuntimeException e) {
                        RunRecorder.current().failed();
                        loader.close();
                        PlannedUnit u = batch.get(0);
                        if (attempt < ATTEMPTS && Transient.isTransient(e) && !w.stopped()) {
                            retries++;
                            batch.forEach(listener::unitRetried);
                            retry(u, batch.size(), attempt, e);
                            continue;
                        }
                        RuntimeException named = named(u, attempt, e);
                        if (!w.stopped()) {
                            log.error("{}", named.getMessage());
                        }
                        throw named;
                    }
                }
            }
            return new DataPhase.Result(units, rows, bytes, retries);
        }
    }

    /**
     * Adds small whole tables from the queue to a batch that starts with one, up to its limits.
     * Returns a unit taken that does not fit, to be loaded next, or null. The queue is largest
     * first, so past the first small table the rest are small too and that is rare.
     */
    private PlannedUnit fill(List<PlannedUnit> batch) {
        long batchBytes = batch.get(0).estimatedBytes();
        PlannedUnit more;
        while (batch.size() < BATCH_TABLES && batchBytes < BATCH_BYTES && (more = queue.poll()) != null) {
            if (!batchable(more)) {
                return more;
            }
            batch.add(more);
            batchBytes += more.estimatedBytes();
        }
        return null;
    }

    /** A small whole table: it may share a transaction with others ({@link UnitLoader#copyBatch}). */
    private static boolean batchable(PlannedUnit u) {
        return !u.unit().isChunk() && u.estimatedBytes() < BATCH_UNIT_BYTES;
    }

    /**
     * One attempt at a batch of small tables: copied in one transaction (or found committed by
     * the attempt before), then each unit counted and reported, their statistics in one
     * statement per command, and each table reported loaded.
     */
    private List<CopyResult> loadBatch(UnitLoader loader, List<PlannedUnit> batch, int attempt) {
        batch.forEach(listener::unitStarted);
        RunRecorder.current().begin(Span.Kind.UNIT, batch.size() + " small tables from " + batch.get(0).unit().label());
        List<CopyResult> results = attempt > 1 ? loader.committedBefore(batch) : null;
        if (results == null) {
            results = loader.copyBatch(batch);
        }
        long rows = 0, bytes = 0;
        for (CopyResult r : results) {
            rows += r.rows();
            bytes += r.bytes();
        }
        RunRecorder.current().end(rows, bytes);
        for (int i = 0; i < batch.size(); i++) {
            listener.unitDone(batch.get(i), results.get(i));
        }
        // Counted only once every unit is reported: a listener's throw may mean a retry, which
        // reports the batch again from its marks, and a table must not count as loaded twice.
        Map<String, List<PlannedUnit>> byCommand = new LinkedHashMap<>();
        List<PlannedUnit> loaded = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            PlannedUnit u = batch.get(i);
            if (setup.afterLoad() != null) {
                tables.addRows(u.table(), results.get(i).rows());
            }
            if (tables.lastUnit(u.table())) {
                loaded.add(u);
                String command = setup.afterLoad() == null ? null : setup.afterLoad().command(u.table(), tables.rows(u.table()));
                if (command != null) {
                    byCommand.computeIfAbsent(command, k -> new ArrayList<>()).add(u);
                }
            }
        }
        byCommand.forEach((command, units) -> {
            if (loader.statistics(units, command)) {
                units.forEach(u -> tables.analysed(u.table()));
            }
        });
        loaded.forEach(u -> listener.tableLoaded(u.table()));
        return results;
    }

    /** One attempt at the unit: copied (or found committed by the attempt before), counted, reported. */
    private CopyResult load(UnitLoader loader, PlannedUnit u, int attempt) {
        listener.unitStarted(u);
        RunRecorder.current().begin(Span.Kind.UNIT, u.unit().label());
        CopyResult r = attempt > 1 ? loader.committedBefore(u) : null;
        if (r == null) {
            r = loader.copy(u);
        }
        RunRecorder.current().end(r.rows(), r.bytes());
        listener.unitDone(u, r);
        if (setup.afterLoad() != null) {
            tables.addRows(u.table(), r.rows());
        }
        if (tables.lastUnit(u.table())) {
            if (setup.afterLoad() != null) {
                statistics(loader, u);
            }
            listener.tableLoaded(u.table());
        }
        return r;
    }

    /**
     * The table's statistics, once all its units are committed (rows from the previous run of a
     * resumed table are not counted: it may get ANALYZE where VACUUM was due, which autovacuum
     * then does).
     */
    private void statistics(UnitLoader loader, PlannedUnit u) {
        String command = setup.afterLoad().command(u.table(), tables.rows(u.table()));
        if (command != null && loader.statistics(u, command)) {
            tables.analysed(u.table());
        }
    }

    private void retry(PlannedUnit u, int units, int attempt, RuntimeException e) {
        long backoff = FIRST_BACKOFF_MS << (attempt - 1);
        // CopyException messages already start with the unit's label.
        String why = e.getMessage() != null && e.getMessage().startsWith(u.unit().label())
                ? e.getMessage() : u.unit().label() + ": " + e.getMessage();
        log.warn("{} (attempt {} of {}{}, retrying in {} ms on new connections)", why, attempt, ATTEMPTS,
                units > 1 ? ", a batch of " + units + " small tables" : "", backoff);
        backoff(backoff);
    }

    private RuntimeException named(PlannedUnit u, int attempt, RuntimeException e) {
        if (SqlStates.has(e, SqlStates.LOCK_NOT_AVAILABLE)) {
            return new FastcopyException(FastcopyException.FAILED, lockedOut(u.table()), e);
        }
        return attempt > 1
                ? new FastcopyException(FastcopyException.FAILED, u.unit().label() + ": gave up after "
                + attempt + " attempts: " + e.getMessage(), e)
                : e;
    }

    /**
     * Why a reader could not lock its table although the snapshot holds a lock on it: someone
     * asked for an exclusive lock after the snapshot, and waits for the run's end while the run
     * waits for it. Names the sessions so the operator can choose.
     */
    private String lockedOut(SourceTable t) {
        String table = qualified(t.schema(), t.name());
        StringBuilder who = new StringBuilder();
        try (Connection c = setup.connections().open(setup.source(), "fastcopy");
             PreparedStatement ps = c.prepareStatement(SourceSnapshot.lockWaitersSql())) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    who.append(who.length() == 0 ? "" : ", ").append("pid ").append(rs.getInt(1)).append(" (")
                            .append(rs.getString(3)).append(')');
                }
            }
        } catch (SQLException | RuntimeException e) {
            who.append("(could not list them: ").append(ServerError.describe(e)).append(')');
        }
        return t.schema() + "." + t.name() + ": no lock on the source table within " + SourceSnapshot.LOCK_TIMEOUT
                + ": session(s) " + (who.length() == 0 ? "(gone by now)" : who)
                + " asked for an exclusive lock on it after the snapshot and wait for this run to end, and every"
                + " reader queues behind them; cancel them or rerun (--resume) once they are done";
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
