package org.fastcopy.copy;

import org.fastcopy.pg.Databases;
import org.fastcopy.pg.RoundTrip;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.ServerFeatures;
import org.fastcopy.FastcopyException;
import org.fastcopy.analyze.AnalyzePlan;
import org.fastcopy.analyze.FinalAnalyze;
import org.fastcopy.blob.LargeObjectCopier;
import org.fastcopy.data.ServerPair;
import org.fastcopy.data.EncodingErrors;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.load.InvalidRows;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.plan.CopyPlan;
import org.fastcopy.plan.SourceCatalog;
import org.fastcopy.plan.SourceTable;
import org.fastcopy.report.RunRecorder;
import org.fastcopy.roles.NeededRoles;
import org.fastcopy.roles.TargetRoles;
import org.fastcopy.schema.DdlReport;
import org.fastcopy.schema.PreDataLoader;
import org.fastcopy.schema.RestoreScript;
import org.fastcopy.schema.SchemaDump;
import org.fastcopy.schema.Section;
import org.fastcopy.sequence.SequenceCopier;
import org.fastcopy.snapshot.SnapshotSource;
import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.util.ByteSize;
import org.fastcopy.verify.Verifier;
import org.fastcopy.verify.VerifyMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * One database's copy: the {@link CopyStep}s in order, one method each, every one logged as a
 * numbered STEP line and timed under its name in the report. {@link #run()} is the runbook; the
 * fields are what one step leaves for the steps after it, set once, on the orchestrator's thread.
 */
final class DatabaseCopy {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");

    private final String db;
    private final CopySpec spec;
    private final Connections connections;
    private final CopyJob.Listener listener;
    private final CopyMetrics meters;
    private final Endpoint source;
    private final Endpoint target;
    private final OnTarget onTarget;
    /** Post-data (and final ANALYZE) sessions: --index-jobs, or chosen from the round trip at STEP 6. */
    private int indexJobs;
    private final TargetPreparation targetPreparation;
    private final PhaseClock clock;
    private final SnapshotSource snapshots;
    /** Rows each table had changed by --encoding-errors, by display name: the ledger's, then this run's. */
    private final Map<String, LongAdder> invalid = new ConcurrentHashMap<>();

    private SourceSnapshot snapshot;
    private List<SourceTable> tables;
    private AnalyzePlan analyzePlan;
    private TargetDatabase.State state;
    private CopyPlan plan;
    private SchemaDump dump;
    /** pg_dump of the schema, started beside the plan: it needs only the snapshot. STEP 3 waits for it. */
    private FutureTask<SchemaDump> dumping;
    private Thread dumpThread;
    private FutureTask<RestoreScript> postDataRender;
    private RestoreScript preData;
    private boolean resumed;
    private Map<String, Long> doneUnits = Map.of();
    private Set<String> doneSteps = Set.of();
    private DataAndPostData.Outcome loaded;
    private List<SequenceCopier.SequenceValue> sequences;
    private Map<String, Long> invalidRows;
    private EncodingErrors policy;
    private Verifier.Result verified;

    DatabaseCopy(String db, CopySpec spec, Connections connections, CopyJob.Listener listener, CopyMetrics meters,
                 SnapshotSource snapshots) {
        this.snapshots = snapshots;
        this.db = db;
        this.spec = spec;
        this.connections = connections;
        this.listener = listener;
        this.meters = meters;
        this.source = spec.source(db);
        this.target = spec.target(db);
        this.onTarget = new OnTarget(connections, target);
        this.indexJobs = spec.indexJobs() == CopySpec.INDEX_JOBS_FROM_ROUND_TRIP ? spec.jobs() : spec.indexJobs();
        this.targetPreparation = new TargetPreparation(spec, connections, target);
        // The combined step is metered as its two overlapping parts instead (DataAndPostData).
        this.clock = new PhaseClock("[" + db + "] ", "copy " + db, (step, nanos) -> {
            if (step != CopyStep.DATA_AND_POST_DATA) {
                meters.phaseDone(step.label(), nanos);
            }
        });
    }

    /** The runbook. Each step is one call; a failure is logged once where it happens and ends the run. */
    CopyReport run() {
        clock.start(CopyStep.SNAPSHOT, "exporting one snapshot on " + source);
        try (SourceSnapshot exported = snapshots.take(connections.open(source, "fastcopy-snapshot"))) {
            snapshot = exported;
            listener.snapshotExported(db, snapshot.id());
            plan();
            if (spec.dryRun()) {
                clock.finish();
                return CopyReport.dryRun(db, plan);
            }
            schemaDump();
            targetDatabase();
            preData();
            dataAndPostData();
            sequences();
            materializedViews();
            largeObjects();
            analyze();
            verify();
            finish();
            return report();
        } finally {
            stopSchemaDump();
        }
    }

    /**
     * Starts pg_dump --schema-only in the snapshot on a thread of its own, once the target has
     * been found acceptable, so that the plan's catalogue reads (STEP 2) run while it dumps:
     * pg_dump is one serial session of round trips, 6.7 s at 20,000 tables, and the plan's 1.2-1.7
     * s used to wait before it. The compression check reads the snapshot's session, which only
     * this thread uses, so it comes first.
     */
    private void startSchemaDump() {
        boolean noLz4 = lz4OnSourceOnly();
        String snapshotId = snapshot.id();
        Path dir = spec.workDir().resolve(db);
        dumping = new FutureTask<>(() -> SchemaDump.dump(connections, source, snapshotId, dir, spec.pgBin(), noLz4));
        dumpThread = new Thread(dumping, "schema-dump");
        dumpThread.setDaemon(true);
        dumpThread.start();
    }

    /**
     * A run that ends before STEP 3 took the dump (the plan refused the target, a signal) stops
     * pg_dump: the interrupt makes PgTool destroy the process.
     */
    private void stopSchemaDump() {
        if (dumping != null && !dumping.isDone()) {
            dumping.cancel(true);
            try {
                dumpThread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** STEP 2: tables, sizes and chunks from the catalogue, in the snapshot; the target's state checked early. */
    private void plan() {
        clock.start(CopyStep.PLAN, "reading the source catalogue");
        // The target and the roles first: a target that refuses the copy stops it before pg_dump starts.
        state = spec.dryRun() ? null : TargetDatabase.inspect(connections, target);
        if (state != null) {
            targetPreparation.refuseEarly(state);
        }
        roles();
        if (!spec.dryRun()) {
            startSchemaDump();
        }
        tables = SourceCatalog.tables(snapshot.holder());
        analyzePlan = AnalyzePlan.read(snapshot.holder());
        Map<String, CopyPlan.Cut> fixedCuts = Map.of();
        if (state == TargetDatabase.State.RESUMABLE && spec.resume()) {
            fixedCuts = targetPreparation.recordedCuts();
        }
        plan = CopyPlan.of(tables, spec.splitLargerThan(), fixedCuts, servers());
        log.info("[{}] {} tables, {} units ({} tables in chunks), {} to copy", db, tables.size(), plan.units().size(),
                plan.chunkedTables(), ByteSize.format(plan.totalBytes()));
        log.info("[{}] COPY format: {} ({} tables binary, {} text)", db, plan.servers().describe(), plan.binaryTables(),
                tables.size() - plan.binaryTables());
    }

    /**
     * The roles the database names, checked on the target (and created with --roles) before the
     * target is touched: roles are global objects that no copy of one database carries.
     */
    private void roles() {
        NeededRoles needed = NeededRoles.read(snapshot.holder()).under(spec.roles());
        TargetRoles targetRoles = new TargetRoles(connections, source, target);
        if (spec.dryRun()) {
            Set<String> missing = targetRoles.missing(needed);
            log.info("[{}] roles: {} named{}", db, needed.names().size(),
                    missing.isEmpty() ? ", all on the target" : "; the target lacks " + needed.describe(missing));
            return;
        }
        targetRoles.ensure(needed, spec.roles(), spec.workDir().resolve(db), spec.pgBin());
    }

    /**
     * What the two servers allow (same major version and encoding: binary). The target database
     * may not exist yet, so its server is asked on the maintenance database.
     */
    private ServerPair servers() {
        try (Connection t = connections.open(target.withDatabase(Databases.MAINTENANCE_DB), "fastcopy")) {
            return ServerPair.of(snapshot.holder(), t);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.CONNECTION, "could not compare the servers: "
                    + ServerError.describe(e), e);
        }
    }

    /**
     * STEP 3: pg_dump --schema-only in the snapshot, pre-data rendered. Post-data is not needed
     * before the data step: it is rendered (a pg_restore run over the whole archive, then parsing)
     * beside pre-data, which leaves a core idle much of the time.
     */
    private void schemaDump() {
        clock.start(CopyStep.SCHEMA_DUMP, "pg_dump --schema-only in the snapshot (started with the plan)");
        dump = awaited(dumping, "dumping the schema");
        postDataRender = new FutureTask<>(() -> dump.render(Section.POST_DATA, spec.roles().restore()));
        Thread renderer = new Thread(postDataRender, "render-post-data");
        renderer.setDaemon(true);
        renderer.start();
        preData = dump.render(Section.PRE_DATA, spec.roles().restore());
    }

    /**
     * Columns compressed with lz4 on the source while the target server was built without lz4
     * (PostgreSQL 14+ builds may lack it): pg_dump's "SET COMPRESSION lz4" would fail there, so the
     * schema leaves compression methods out and the columns take the target's default; a warning
     * says so. The data is the same either way: compression is how a value is stored, not what it is.
     */
    private boolean lz4OnSourceOnly() {
        try (Statement st = snapshot.holder().createStatement();
             ResultSet rs = st.executeQuery(ServerFeatures.atLeast(snapshot.holder(), ServerFeatures.V14)
                     ? "SELECT count(*) FROM pg_catalog.pg_attribute WHERE attcompression = 'l'" : "SELECT 0")) {
            rs.next();
            long lz4Columns = rs.getLong(1);
            if (lz4Columns == 0) {
                return false;
            }
            boolean targetHasLz4;
            // The maintenance database: the target database may not exist yet.
            try (Connection c = connections.open(target.withDatabase(Databases.MAINTENANCE_DB), "fastcopy");
                 Statement t = c.createStatement();
                 ResultSet r = t.executeQuery("SELECT count(*) FROM pg_catalog.pg_settings"
                         + " WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)")) {
                r.next();
                targetHasLz4 = r.getLong(1) > 0;
            }
            if (!targetHasLz4) {
                log.warn("[{}] {} column(s) use lz4 compression, which {} was built without: their compression method is"
                        + " left out (pg_dump --no-toast-compression) and they use the target's default", db, lz4Columns, target);
            }
            return !targetHasLz4;
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not read the columns' compression methods: "
                    + ServerError.describe(e), e);
        }
    }

    /** STEP 4: create the target database, recreate it, or resume it (then read what the ledger says is done). */
    private void targetDatabase() {
        clock.start(CopyStep.TARGET_DATABASE, target.toString());
        resumed = targetPreparation.prepare(state, dump);
        if (!resumed) {
            return;
        }
        onTarget.apply(c -> Ledger.getAll(c, InvalidRows.PREFIX)).values().forEach(v ->
                invalid.computeIfAbsent(InvalidRows.table(v), k -> new LongAdder()).add(InvalidRows.count(v)));
        doneUnits = onTarget.apply(Ledger::doneUnits);
        doneSteps = onTarget.apply(Ledger::doneSteps);
        log.info("[{}] resuming: {} of {} units already copied", db, doneUnits.size(), plan.units().size());
    }

    /** STEP 5: tables, types, functions, defaults, on --jobs connections; then the plan's cuts into the ledger. */
    private void preData() {
        // Held only until this step ends: a script's items cost memory in proportion to the schema.
        RestoreScript script = preData;
        preData = null;
        if (resumed) {
            clock.skip(CopyStep.PRE_DATA, "the earlier run finished it");
            return;
        }
        clock.start(CopyStep.PRE_DATA, script.entries().size() + " items on " + spec.jobs() + " connections");
        DdlReport pre = new PreDataLoader(connections, target).load(script, spec.jobs());
        log.info("[{}] {}", db, pre.summary());
        meters.schemaDone(pre);
        targetPreparation.preDataDone(plan);
    }

    /** STEP 6: the rows, and each table's indexes, keys and triggers as soon as its rows are in. */
    private void dataAndPostData() {
        String why = "";
        if (spec.indexJobs() == CopySpec.INDEX_JOBS_FROM_ROUND_TRIP) {
            long rtt = onTarget.apply(RoundTrip::nanos);
            indexJobs = CopySpec.postDataSessions(spec.jobs(), rtt);
            why = String.format(Locale.ROOT, " (a %.2f ms round trip to the target)", rtt / 1e6);
        }
        clock.start(CopyStep.DATA_AND_POST_DATA, plan.units().size() + " units on " + spec.jobs()
                + " streams, indexes on " + indexJobs + " connections" + why);
        // No local holds the script: the step drops it once its items are scheduled.
        loaded = new DataAndPostData(db, spec, connections, listener, meters, invalid)
                .run(snapshot, plan, analyzePlan, takePostData(), doneUnits, doneSteps, indexJobs);
    }

    /** The rendered post-data script, no longer held here (the FutureTask would keep it for the whole run). */
    private RestoreScript takePostData() {
        FutureTask<RestoreScript> render = postDataRender;
        postDataRender = null;
        return awaited(render, "rendering post-data");
    }

    /** STEP 7: each sequence set to the source's value in the snapshot. */
    private void sequences() {
        clock.start(CopyStep.SEQUENCES, "");
        sequences = SequenceCopier.read(snapshot.holder());
        onTarget.run(c -> SequenceCopier.apply(c, sequences));
    }

    /** STEP 8: a schema-only dump creates materialized views empty: refresh those populated on the source. */
    private void materializedViews() {
        List<String> matviews = populatedMatviews();
        if (matviews.isEmpty()) {
            clock.skip(CopyStep.MATERIALIZED_VIEWS, "none populated on the source");
            return;
        }
        clock.start(CopyStep.MATERIALIZED_VIEWS, matviews.size() + " to refresh");
        onTarget.apply(c -> MaterializedViews.refresh(c, matviews));
    }

    /**
     * STEP 9: large objects are data, so the schema-only dump has none: copied with their oids,
     * owners, privileges and comments, and verified here (exit 5 naming the oids).
     */
    private void largeObjects() {
        clock.start(CopyStep.LARGE_OBJECTS, "");
        LargeObjectCopier.Result blobs = new LargeObjectCopier(connections, source, target, snapshot, spec.verify(),
                !spec.roles().noOwner(), !spec.roles().noPrivileges()).run();
        if (blobs.sourceObjects() > 0) {
            log.info("[{}] {}", db, blobs.summary());
        }
    }

    /** STEP 10: ANALYZE what the data workers left: parents, resumed tables, partitioned parents. */
    private void analyze() {
        Set<String> analysed = loaded.analysed();
        List<AnalyzePlan.Name> toAnalyze = new ArrayList<>();
        tables.stream().filter(t -> !analysed.contains(CopyPlan.tableKey(t)))
                .forEach(t -> toAnalyze.add(new AnalyzePlan.Name(t.schema(), t.name())));
        toAnalyze.addAll(analyzePlan.partitionedParents());
        clock.start(CopyStep.ANALYZE, toAnalyze.size() + " tables on " + indexJobs + " connections ("
                + analysed.size() + " analysed as they were loaded)");
        FinalAnalyze.run(connections, target, toAnalyze, indexJobs);
    }

    /** STEP 11: both sides compared in the snapshot; rows changed on purpose are explained, not counted. */
    private void verify() {
        invalidRows = new TreeMap<>();
        invalid.forEach((t, n) -> invalidRows.put(t, n.sum()));
        // A resumed run knows the counts of earlier units from the ledger; the policy is this run's.
        policy = loaded.checked() == null ? spec.encodingErrors() : loaded.checked();
        Map<String, String> onPurpose = new HashMap<>();
        invalidRows.forEach((t, n) -> onPurpose.put(t, "--encoding-errors " + policy.name().toLowerCase(Locale.ROOT)
                + " " + CopyReport.treatment(policy) + " " + n + " row(s) not valid UTF8"));
        VerifyMode mode = spec.verify();
        clock.start(CopyStep.VERIFY, mode.name().toLowerCase(Locale.ROOT));
        verified = Verifier.verify(tables, mode, spec.jobs(), this::verifySource,
                () -> connections.open(target, "fastcopy-verify"), onPurpose);
        if (!verified.ok()) {
            // A following copy: a table truncated during it reads differently through the slot's
            // snapshot before and after (TRUNCATE is not MVCC-safe); the stream carries the TRUNCATE.
            snapshot.rewrittenSince().forEach(t -> onPurpose.put(t, "truncated or rewritten on the source after the "
                    + "snapshot, so its rows cannot be compared in it (a following run applies the TRUNCATE from the stream)"));
            verified = Verifier.explain(verified, onPurpose);
        }
        meters.verified(verified.mismatches().size());
        RunRecorder.current().verified("copy " + db, verified.ok(), String.format(Locale.ROOT, "%s: %,d tables, %,d rows",
                        mode.name().toLowerCase(Locale.ROOT), verified.tablesCompared(), verified.rowsCompared()),
                verified.ok() ? verified.explained() : verified.mismatches().stream().map(Object::toString).toList());
        if (!verified.ok()) {
            clock.finish();
            throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, "verify found " + verified.mismatches().size()
                    + " table(s) differing on " + target + ": " + verified.mismatches().stream().limit(10)
                    .map(Object::toString).collect(Collectors.joining("; ")));
        }
    }

    /** STEP 12: the ledger dropped (kept with --keep-ledger); the report follows. */
    private void finish() {
        if (spec.keepLedger()) {
            clock.skip(CopyStep.FINISH, "--keep-ledger");
        } else {
            clock.start(CopyStep.FINISH, "dropping the ledger");
            onTarget.run(Ledger::drop);
        }
        clock.finish();
    }

    private CopyReport report() {
        Progress progress = loaded.progress();
        return new CopyReport(db, source.toString(), target.toString(), plan,
                loaded.data().rows() + progress.rowsFromLedger(), loaded.data().bytes(), loaded.data().retries(),
                sequences.size(), verified, spec.verify(), clock.orderedMillis(), resumed, progress.perTable(),
                invalidRows.isEmpty() ? loaded.checked() : policy, invalidRows);
    }

    private Connection verifySource() {
        Connection c = connections.open(source, "fastcopy-verify");
        snapshot.importInto(c);
        return c;
    }

    private List<String> populatedMatviews() {
        try {
            return MaterializedViews.populated(snapshot.holder());
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "reading the materialized views of " + source + ": "
                    + ServerError.describe(e), e);
        }
    }

    /** The result of work running on a thread of its own ({@code what}: "rendering post-data"); its own error rethrown. */
    private static <T> T awaited(FutureTask<T> task, String what) {
        try {
            return task.get();
        } catch (InterruptedException e) {
            task.cancel(true);
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, "interrupted while " + what);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re
                    : new FastcopyException(FastcopyException.FAILED, what + ": " + e.getCause(), e.getCause());
        }
    }
}
