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
import java.util.Queue;

import static org.fastcopy.util.Sql.qualified;

/**
 * One worker of the data phase: takes units from the shared queue (largest first) until it is
 * empty or the run has stopped. A broken connection is retried on fresh sessions ({@link
 * #ATTEMPTS} tries, backing off); any other failure ends the worker with that failure, named, and
 * the pool stops the others after the unit in hand. The worker that commits a table's last unit
 * gives the table its statistics before reporting it loaded.
 */
final class UnitWorker {
    private static final Logger log = LoggerFactory.getLogger(DataPhase.class);
    static final int ATTEMPTS = 4;
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
            PlannedUnit u;
            while (!w.stopped() && !Thread.currentThread().isInterrupted() && (u = queue.poll()) != null) {
                for (int attempt = 1; ; attempt++) {
                    try {
                        CopyResult r = load(loader, u, attempt);
                        units++;
                        rows += r.rows();
                        bytes += r.bytes();
                        break;
                    } catch (RuntimeException e) {
                        RunRecorder.current().failed();
                        loader.close();
                        if (attempt < ATTEMPTS && Transient.isTransient(e) && !w.stopped()) {
                            retries++;
                            retry(u, attempt, e);
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

    private void retry(PlannedUnit u, int attempt, RuntimeException e) {
        listener.unitRetried(u);
        long backoff = FIRST_BACKOFF_MS << (attempt - 1);
        // CopyException messages already start with the unit's label.
        String why = e.getMessage() != null && e.getMessage().startsWith(u.unit().label())
                ? e.getMessage() : u.unit().label() + ": " + e.getMessage();
        log.warn("{} (attempt {} of {}, retrying in {} ms on new connections)", why, attempt, ATTEMPTS, backoff);
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
