package org.fastcopy.load;

import org.fastcopy.analyze.AfterLoad;
import org.fastcopy.data.CopyProgress;
import org.fastcopy.data.CopyResult;
import org.fastcopy.data.CopySettings;
import org.fastcopy.data.EncodingErrors;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.plan.CopyPlan;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.plan.SourceTable;
import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.work.Workers;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Copies the planned units with {@code jobs} workers ({@link UnitWorker}), each with its own
 * sessions ({@link UnitLoader}), taking units from one queue, largest first. Each unit is one
 * target transaction with its ledger mark, so a resumed run redoes exactly the unmarked ones.
 *
 * <p>This package sits above the data engine ({@code data/}: one unit's COPY) and beside the
 * stages it reads (plan, snapshot, ledger, analyze): the engine knows nothing of plans, so the
 * plan can use the engine's unit type without a cycle.
 *
 * <p>The first failure stops the phase: the other workers finish the unit in hand and stop, and
 * that failure is thrown. An interrupt makes every worker roll back its unit; the phase waits for
 * that, so the run's end finds no transaction of ours open on either side.
 */
public final class DataPhase {
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
    private final CopySettings settings;
    private final CopyProgress progress;
    private final int jobs;
    private final Listener listener;
    private final EncodingErrors encodingErrors;
    private AfterLoad afterLoad;
    private Set<String> analysed = Set.of();

    /**
     * @param encodingErrors the policy for rows that are not valid UTF-8 when the source is
     *                       SQL_ASCII and the target validates its text (TEXT format only); null
     *                       for any other pair of servers
     */
    public DataPhase(Connections connections, Endpoint source, Endpoint target, SourceSnapshot snapshot,
                     CopySettings settings, CopyProgress progress, int jobs, Listener listener,
                     EncodingErrors encodingErrors) {
        this.encodingErrors = encodingErrors;
        this.connections = connections;
        this.source = source;
        this.target = target;
        this.snapshot = snapshot;
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
        return analysed;
    }

    /**
     * @param plan the whole plan (to know how many units make up each table)
     * @param done unit keys an earlier run committed: skipped, but counted towards their table
     */
    public Result run(CopyPlan plan, Map<String, Long> done) {
        TableLoads tables = new TableLoads(plan);
        ConcurrentLinkedQueue<PlannedUnit> queue = new ConcurrentLinkedQueue<>();
        for (PlannedUnit u : plan.units()) {
            if (!done.containsKey(u.key())) {
                queue.add(u);
            } else if (tables.lastUnit(u.table())) {
                listener.tableLoaded(u.table());
            }
        }
        if (queue.isEmpty()) {
            return new Result(0, 0, 0, 0);
        }
        LoadSetup setup = new LoadSetup(connections, source, target, snapshot, settings, progress,
                encodingErrors, afterLoad);
        int n = Math.max(1, Math.min(jobs, queue.size()));
        UnitWorker worker = new UnitWorker(setup, queue, tables, listener);
        try {
            // Interrupted, the workers stop between rows and roll back the unit in hand: the pool
            // waits for that (its default stop wait), so no transaction of ours stays open.
            List<Result> results = Workers.named("copy-worker", n).interruptedMessage("copy interrupted").run(worker::run);
            return sum(results);
        } finally {
            analysed = tables.analysed();
        }
    }

    private static Result sum(List<Result> results) {
        long units = 0, rows = 0, bytes = 0, retries = 0;
        for (Result r : results) {
            units += r.units();
            rows += r.rows();
            bytes += r.bytes();
            retries += r.retries();
        }
        return new Result(units, rows, bytes, retries);
    }
}
