package org.fastcopy.copy;

import org.fastcopy.endpoint.Connections;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.snapshot.SnapshotSource;

import java.util.ArrayList;
import java.util.List;

/**
 * Copies the databases of one {@link CopySpec}, one after the other. Each database's copy
 * ({@link DatabaseCopy}) runs the steps of the runbook it replaces ({@link CopyStep}), each logged
 * as "STEP n name" and timed under its name in the report:
 * <ol>
 * <li>snapshot: connect, export the snapshot every later step reads through;</li>
 * <li>plan: tables, sizes, chunks, largest first;</li>
 * <li>schema dump: pg_dump --snapshot, rendered by pg_restore;</li>
 * <li>target database: create it (pg_dump's own CREATE DATABASE), or resume it;</li>
 * <li>pre-data: tables, types, functions, defaults;</li>
 * <li>data and post-data: the rows, with indexes, keys, rules, triggers built per table as soon as its rows are in;</li>
 * <li>sequences;</li>
 * <li>materialized views populated on the source, refreshed;</li>
 * <li>large objects (the schema dump has none), verified;</li>
 * <li>analyze: what the data workers left (parents, expression indexes, extended statistics);</li>
 * <li>verify;</li>
 * <li>finish: drop the ledger; then the report.</li>
 * </ol>
 * Each step is one checked call; failures are logged once where they happen and end the run.
 */
public final class CopyJob {
    /**
     * Points in a run where an embedding program (a migration driver, a test) may act: after the
     * snapshot is exported and after each unit commits. Called on the thread that reached the point;
     * an exception thrown here fails the run there, as a crash at that point would.
     */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        default void snapshotExported(String database, String snapshotId) {
        }

        default void unitCommitted(String database, PlannedUnit unit) {
        }
    }

    private final CopySpec spec;
    private final Connections connections;
    private final Listener listener;
    private final CopyMetrics.Factory metrics;
    private final SnapshotSource snapshots;

    public CopyJob(CopySpec spec, Connections connections) {
        this(spec, connections, Listener.NONE);
    }

    public CopyJob(CopySpec spec, Connections connections, Listener listener) {
        this(spec, connections, listener, CopyMetrics.Factory.NONE);
    }

    public CopyJob(CopySpec spec, Connections connections, Listener listener, CopyMetrics.Factory metrics) {
        this(spec, connections, listener, metrics, SnapshotSource.EXPORT_LOCKED);
    }

    /** A copy that reads through a snapshot from {@code snapshots} (a replication slot's, when following). */
    public CopyJob(CopySpec spec, Connections connections, Listener listener, CopyMetrics.Factory metrics,
                   SnapshotSource snapshots) {
        this.snapshots = snapshots;
        this.spec = spec;
        this.connections = connections;
        this.listener = listener;
        this.metrics = metrics;
    }

    /** Copies every database of the spec in turn; the reports in the same order. */
    public List<CopyReport> run() {
        List<CopyReport> reports = new ArrayList<>();
        for (String db : spec.databases()) {
            reports.add(copyDatabase(db));
        }
        return reports;
    }

    private CopyReport copyDatabase(String db) {
        return new DatabaseCopy(db, spec, connections, listener, metrics.forDatabase(db), snapshots).run();
    }
}
