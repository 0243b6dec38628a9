package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.analyze.AfterLoad;
import org.fastcopy.analyze.AnalyzePlan;
import org.fastcopy.analyze.FinalAnalyze;
import org.fastcopy.data.CopyFormat;
import org.fastcopy.data.CopyResult;
import org.fastcopy.data.CopySettings;
import org.fastcopy.load.DataPhase;
import org.fastcopy.load.InvalidRows;
import org.fastcopy.data.EncodingErrors;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.plan.CopyPlan;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.plan.SourceCatalog;
import org.fastcopy.plan.SourceTable;
import org.fastcopy.schema.DdlReport;
import org.fastcopy.schema.EntryTables;
import org.fastcopy.schema.PostDataScheduler;
import org.fastcopy.schema.PreDataLoader;
import org.fastcopy.schema.RestoreScript;
import org.fastcopy.schema.SchemaDump;
import org.fastcopy.schema.Section;
import org.fastcopy.schema.StepMarks;
import org.fastcopy.schema.TocEntry;
import org.fastcopy.sequence.SequenceCopier;
import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.verify.Verifier;
import org.fastcopy.verify.VerifyMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One copy of one database, in the order of the runbook it replaces:
 * <ol>
 * <li>source: connect, export the snapshot every later step reads through;</li>
 * <li>plan: tables, sizes, chunks, largest first;</li>
 * <li>schema dump: pg_dump --snapshot, rendered by pg_restore;</li>
 * <li>target database: create it (pg_dump's own CREATE DATABASE), or resume it;</li>
 * <li>pre-data: tables, types, functions, defaults;</li>
 * <li>data, with post-data (indexes, keys, rules, triggers) built per table as soon as its rows are in;</li>
 * <li>sequences;</li>
 * <li>large objects (the schema dump has none), verified;</li>
 * <li>analyze: what the data workers left (parents, expression indexes, extended statistics);</li>
 * <li>verify;</li>
 * <li>drop the ledger and report.</li>
 * </ol>
 * Each step is one checked call; failures are logged once where they happen and end the run.
 */
public final class CopyJob {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");
    private static final String DATA_AND_POST_DATA = "data and post-data";

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

    public CopyJob(CopySpec spec, Connections connections) {
        this(spec, connections, Listener.NONE);
    }

    public CopyJob(CopySpec spec, Connections connections, Listener listener) {
        this(spec, connections, listener, CopyMetrics.Factory.NONE);
    }

    public CopyJob(CopySpec spec, Connections connections, Listener listener, CopyMetrics.Factory metrics) {
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
        Endpoint source = spec.source(db);
        Endpoint target = spec.target(db);
        CopyMetrics meters = metrics.forDatabase(db);
        // The combined step is timed as its two overlapping parts instead (below): which of them
        // held the run up is what a dashboard needs to show.
        PhaseClock clock = new PhaseClock("[" + db + "] ", (phase, nanos) -> {
            if (!phase.equals(DATA_AND_POST_DATA)) {
                meters.phaseDone(phase, nanos);
            }
        });
        Path workDir = spec.workDir().resolve(db);

        clock.start("snapshot", "exporting one snapshot on " + source);
        try (SourceSnapshot snapshot = SourceSnapshot.exportLocked(connections.open(source, "fastcopy-snapshot"))) {
            listener.snapshotExported(db, snapshot.id());
            clock.start("plan", "reading the source catalogue");
            List<SourceTable> tables = SourceCatalog.tables(snapshot.holder());
            AnalyzePlan analyzePlan = AnalyzePlan.read(snapshot.holder());
            TargetDatabase.State state = spec.dryRun() ? null : TargetDatabase.inspect(connections, target);
            if (state != null) {
                refuseEarly(target, state);
            }
            Map<String, CopyPlan.Cut> fixedCuts = Map.of();
            if (state == TargetDatabase.State.RESUMABLE && spec.resume()) {
                fixedCuts = recordedCuts(target);
            }
            CopyPlan plan = CopyPlan.of(tables, spec.splitLargerThan(), fixedCuts);
            log.info("[{}] {} tables, {} units ({} tables in chunks), {} to copy", db, tables.size(), plan.units().size(),
                    plan.chunkedTables(), org.fastcopy.util.ByteSize.format(plan.totalBytes()));
            if (spec.dryRun()) {
                clock.finish();
                return CopyReport.dryRun(db, plan);
            }

            clock.start("schema dump", "pg_dump --schema-only in the snapshot");
            SchemaDump dump = SchemaDump.dump(connections, source, snapshot.id(), workDir, spec.pgBin());
            // Post-data is not needed before the data phase: render it (a pg_restore run over the
            // whole archive, then parsing) beside pre-data, which leaves a core idle much of the time.
            java.util.concurrent.FutureTask<RestoreScript> postDataRender =
                    new java.util.concurrent.FutureTask<>(() -> dump.render(Section.POST_DATA));
            Thread renderer = new Thread(postDataRender, "render-post-data");
            renderer.setDaemon(true);
            renderer.start();
            RestoreScript preData = dump.render(Section.PRE_DATA);

            clock.start("target database", target.toString());
            boolean resumed = prepareTarget(target, state, dump);

            Map<String, Long> doneUnits = Map.of();
            java.util.Set<String> doneSteps = java.util.Set.of();
            Map<String, java.util.concurrent.atomic.LongAdder> invalid = new java.util.concurrent.ConcurrentHashMap<>();
            if (resumed) {
                withTarget(target, c -> Ledger.getAll(c, InvalidRows.PREFIX)).values().forEach(v -> {
                    invalid.computeIfAbsent(v.substring(0, v.lastIndexOf('\t')), k -> new java.util.concurrent.atomic.LongAdder())
                            .add(InvalidRows.count(v));
                });
                doneUnits = withTarget(target, Ledger::doneUnits);
                doneSteps = withTarget(target, Ledger::doneSteps);
                log.info("[{}] resuming: {} of {} units already copied", db, doneUnits.size(), plan.units().size());
            } else {
                clock.start("pre-data", preData.entries().size() + " items on " + spec.jobs() + " connections");
                DdlReport pre = new PreDataLoader(connections, target).load(preData, spec.jobs());
                log.info("[{}] {}", db, pre.summary());
                meters.schemaDone(pre);
                withTarget(target, c -> {
                    recordCuts(c, plan);
                    Ledger.put(c, "pre-data", "done");
                    return null;
                });
            }

            clock.start(DATA_AND_POST_DATA, plan.units().size() + " units on " + spec.jobs() + " streams, indexes on "
                    + spec.indexJobs() + " connections");
            DataPhase.Result data;
            DdlReport post;
            EncodingErrors checked;
            java.util.Set<String> analysed;
            Progress progress = new Progress(plan, doneUnits, meters);
            RestoreScript postData = rendered(postDataRender);
            EntryTables entryTables = EntryTables.read(snapshot.holder(), postData.entries());
            StepMarks marks = entries -> Ledger.markStepsSql(entries.stream().map(StepMarks::key).toList());
            java.util.Set<String> skip = doneSteps;
            List<TocEntry> postItems = PostDataScheduler.items(postData.entries(), entryTables);
            List<TocEntry> postTodo = postItems.stream().filter(e -> !skip.contains(StepMarks.key(e))).toList();
            if (postTodo.size() < postItems.size()) {
                log.info("[{}] resuming: {} of {} post-data items already built", db,
                        postItems.size() - postTodo.size(), postItems.size());
            }
            try (PostDataScheduler scheduler = new PostDataScheduler(connections, target, entryTables, marks)
                    .sessionSetup(spec.maintenanceWorkMem() == 0 ? ""
                            : "SET maintenance_work_mem = '" + (spec.maintenanceWorkMem() >> 10) + "kB'")) {
                scheduler.start(postTodo, spec.indexJobs());
                CopyFormat format = chooseFormat(source, target);
                EncodingErrors check = encodingCheck(source, target, format);
                DataPhase phase = new DataPhase(connections, source, target, snapshot, format,
                        new CopySettings(spec.ringSlots(), spec.bufferBytes(), 16), progress, spec.jobs(),
                        new DataPhase.Listener() {
                            @Override
                            public void unitStarted(PlannedUnit unit) {
                                progress.unitStarted(unit);
                            }

                            @Override
                            public void unitRetried(PlannedUnit unit) {
                                progress.unitRetried(unit);
                            }

                            @Override
                            public void unitDone(PlannedUnit unit, CopyResult result) {
                                progress.unitDone(unit, result);
                                if (result.invalidRows() > 0) {
                                    invalid.computeIfAbsent(unit.table().displayName(), k -> new java.util.concurrent.atomic.LongAdder())
                                            .add(result.invalidRows());
                                }
                                listener.unitCommitted(db, unit);
                            }

                            @Override
                            public void tableLoaded(SourceTable table) {
                                scheduler.tableLoaded(table.schema(), table.name());
                            }
                        }, check);
                withTarget(target, c -> AfterLoad.of(c, analyzePlan)).ifPresent(phase::afterLoad);
                long dataStarted = System.nanoTime();
                try (Progress.Reporter reporter = progress.startReporter()) {
                    data = phase.run(plan, doneUnits);
                }
                meters.phaseDone("data", System.nanoTime() - dataStarted);
                checked = check;
                analysed = phase.analysed();
                post = scheduler.awaitCompletion();
            }
            meters.phaseDone("post-data", post.elapsedNanos());
            meters.schemaDone(post);
            log.info("[{}] data: {} units, {} rows, {} ({} retries); {}", db, data.units(), data.rows(),
                    org.fastcopy.util.ByteSize.format(data.bytes()), data.retries(), post.summary());

            clock.start("sequences", "");
            List<SequenceCopier.SequenceValue> sequences = SequenceCopier.read(snapshot.holder());
            withTarget(target, c -> {
                SequenceCopier.apply(c, sequences);
                return null;
            });

            List<String> matviews = populatedMatviews(snapshot, source);
            if (!matviews.isEmpty()) {
                clock.start("materialized views", matviews.size() + " to refresh");
                withTarget(target, c -> MaterializedViews.refresh(c, matviews));
            }

            // Large objects are data, so the schema-only dump has none: copied with their oids,
            // owners, privileges and comments, and verified here (exit 5 naming the oids).
            clock.start("large objects", "");
            org.fastcopy.blob.LargeObjectCopier.Result blobs = new org.fastcopy.blob.LargeObjectCopier(connections, source,
                    target, snapshot, spec.verify()).run();
            if (blobs.sourceObjects() > 0) {
                log.info("[{}] {}", db, blobs.summary());
            }

            List<AnalyzePlan.Name> toAnalyze = new ArrayList<>();
            tables.stream().filter(t -> !analysed.contains(CopyPlan.tableKey(t)))
                    .forEach(t -> toAnalyze.add(new AnalyzePlan.Name(t.schema(), t.name())));
            toAnalyze.addAll(analyzePlan.partitionedParents());
            clock.start("analyze", toAnalyze.size() + " tables on " + spec.indexJobs() + " connections ("
                    + analysed.size() + " analysed as they were loaded)");
            FinalAnalyze.run(connections, target, toAnalyze, spec.indexJobs());

            Map<String, Long> invalidRows = new java.util.TreeMap<>();
            invalid.forEach((t, n) -> invalidRows.put(t, n.sum()));
            Map<String, String> onPurpose = new HashMap<>();
            // A resumed run knows the counts of earlier units from the ledger; the policy is this run's.
            EncodingErrors policy = checked == null ? spec.encodingErrors() : checked;
            invalidRows.forEach((t, n) -> onPurpose.put(t, "--encoding-errors " + policy.name().toLowerCase(java.util.Locale.ROOT)
                    + " " + CopyReport.treatment(policy) + " " + n + " row(s) not valid UTF8"));
            VerifyMode mode = spec.verify();
            clock.start("verify", mode.name().toLowerCase(java.util.Locale.ROOT));
            Verifier.Result verified = Verifier.verify(tables, mode, spec.jobs(),
                    () -> {
                        Connection c = connections.open(source, "fastcopy-verify");
                        snapshot.importInto(c);
                        return c;
                    },
                    () -> connections.open(target, "fastcopy-verify"), onPurpose);
            meters.verified(verified.mismatches().size());
            if (!verified.ok()) {
                clock.finish();
                throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, "verify found " + verified.mismatches().size()
                        + " table(s) differing on " + target + ": " + verified.mismatches().stream().limit(10)
                        .map(Object::toString).collect(java.util.stream.Collectors.joining("; ")));
            }

            if (!spec.keepLedger()) {
                clock.start("finish", "dropping the ledger");
                withTarget(target, c -> {
                    Ledger.drop(c);
                    return null;
                });
            }
            clock.finish();
            return new CopyReport(db, source.toString(), target.toString(), plan, data.rows() + progress.rowsFromLedger(),
                    data.bytes(), data.retries(), sequences.size(), verified, mode, clock.orderedMillis(), resumed,
                    progress.perTable(), invalidRows.isEmpty() ? checked : policy, invalidRows);
        }
    }

    private static RestoreScript rendered(java.util.concurrent.FutureTask<RestoreScript> render) {
        try {
            return render.get();
        } catch (InterruptedException e) {
            render.cancel(true);
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, "interrupted while rendering post-data");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re
                    : new FastcopyException(FastcopyException.FAILED, "rendering post-data: " + e.getCause(), e.getCause());
        }
    }

    /** Bad combinations of target state and options, found before any work is done. */
    private void refuseEarly(Endpoint target, TargetDatabase.State state) {
        String where = "database " + target.database() + " on " + target.name();
        switch (state) {
            case ABSENT, EMPTY -> {
                if (spec.resume()) {
                    throw new FastcopyException(FastcopyException.USAGE, "--resume: " + where
                            + (state == TargetDatabase.State.ABSENT ? " does not exist" : " holds no fastcopy ledger")
                            + ": nothing to resume");
                }
            }
            case RESUMABLE -> {
                if (!spec.resume() && !spec.dropIfExists()) {
                    throw new FastcopyException(FastcopyException.USAGE, where
                            + " holds an unfinished fastcopy run: add --resume to continue it or --drop-if-exists to start over");
                }
            }
            case NOT_EMPTY -> {
                if (!spec.dropIfExists()) {
                    throw new FastcopyException(FastcopyException.USAGE, where
                            + " already exists and is not empty: use --drop-if-exists to replace it");
                }
            }
            default -> throw new IllegalStateException(state.toString());
        }
    }

    /**
     * Decides what happens to the target database and returns true when the run resumes. A target
     * is only ever dropped on request or when its own ledger shows fastcopy created it and never
     * finished its schema (so it holds nothing but a partial schema).
     */
    private boolean prepareTarget(Endpoint target, TargetDatabase.State state, SchemaDump dump) {
        // refuseEarly has already turned away every state the options do not allow.
        switch (state) {
            case ABSENT -> createTarget(target, dump);
            case EMPTY -> {
                if (spec.dropIfExists()) {
                    TargetDatabase.drop(connections, target);
                    createTarget(target, dump);
                } else {
                    initLedger(target);
                }
            }
            case RESUMABLE -> {
                boolean preDataDone = !spec.dropIfExists()
                        && withTarget(target, c -> Ledger.get(c, "pre-data").isPresent());
                if (preDataDone) {
                    return true;
                }
                if (!spec.dropIfExists()) {
                    log.info("the earlier run stopped inside pre-data: recreating {}", target);
                }
                TargetDatabase.drop(connections, target);
                createTarget(target, dump);
            }
            case NOT_EMPTY -> {
                TargetDatabase.drop(connections, target);
                createTarget(target, dump);
            }
            default -> throw new IllegalStateException(state.toString());
        }
        return false;
    }

    /**
     * Creates the database from pg_dump's own items: CREATE DATABASE on the maintenance database,
     * then its settings, comment and privileges inside it.
     */
    private void createTarget(Endpoint target, SchemaDump dump) {
        RestoreScript items = dump.renderDatabase();
        TocEntry create = items.entries().stream().filter(e -> e.type().equals("DATABASE")).findFirst()
                .orElseThrow(() -> new FastcopyException(FastcopyException.FAILED,
                        "the schema dump holds no CREATE DATABASE item for " + target.database()));
        TargetDatabase.create(connections, target, create);
        List<TocEntry> rest = items.entries().stream().filter(e -> !e.type().equals("DATABASE")).toList();
        withTarget(target, c -> {
            try (Statement st = c.createStatement()) {
                for (TocEntry e : rest) {
                    String sql = e.sql().lines().filter(l -> !l.startsWith("\\")).collect(java.util.stream.Collectors.joining("\n"));
                    if (!sql.isBlank()) {
                        st.execute(sql);
                    }
                }
            }
            return null;
        });
        initLedger(target);
    }

    private void initLedger(Endpoint target) {
        withTarget(target, c -> {
            Ledger.create(c);
            return null;
        });
    }

    private Map<String, CopyPlan.Cut> recordedCuts(Endpoint target) {
        return withTarget(target, c -> {
            Map<String, CopyPlan.Cut> cuts = new HashMap<>();
            Ledger.get(c, "cuts").ifPresent(text -> {
                for (String line : text.split("\n")) {
                    int tab = line.lastIndexOf('\t');
                    if (tab > 0) {
                        cuts.put(line.substring(0, tab), CopyPlan.Cut.decode(line.substring(tab + 1)));
                    }
                }
            });
            return cuts;
        });
    }

    private static void recordCuts(Connection c, CopyPlan plan) {
        StringBuilder sb = new StringBuilder();
        plan.cuts().forEach((table, cut) -> sb.append(table).append('\t').append(cut.encode()).append('\n'));
        Ledger.put(c, "cuts", sb.toString());
    }

    private CopyFormat chooseFormat(Endpoint source, Endpoint target) {
        try (Connection s = connections.open(source, "fastcopy"); Connection t = connections.open(target, "fastcopy")) {
            CopyFormat f = CopyFormat.choose(s, t);
            log.info("COPY format: {}", f);
            return f;
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.CONNECTION, "could not compare the servers: " + e.getMessage(), e);
        }
    }

    /**
     * The --encoding-errors policy when the source's text needs checking, else null. Only a
     * SQL_ASCII source sends bytes its server never validated; every other encoding is converted
     * by the source server into the UTF-8 the sessions speak. Binary COPY is only chosen for equal
     * encodings, where the target takes the bytes as the source held them.
     */
    private EncodingErrors encodingCheck(Endpoint source, Endpoint target, CopyFormat format) {
        if (format != CopyFormat.TEXT) {
            return null;
        }
        String from = serverEncoding(source);
        String to = serverEncoding(target);
        if (!from.equals("SQL_ASCII") || to.equals("SQL_ASCII")) {
            return null;
        }
        log.info("source is SQL_ASCII, target {}: every row is checked for valid UTF8 (--encoding-errors {})", to,
                spec.encodingErrors().name().toLowerCase(java.util.Locale.ROOT));
        return spec.encodingErrors();
    }

    private String serverEncoding(Endpoint ep) {
        try (Connection c = connections.open(ep, "fastcopy"); Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT current_setting('server_encoding')")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.CONNECTION, "could not read the encoding of " + ep + ": " + e.getMessage(), e);
        }
    }

    private static List<String> populatedMatviews(SourceSnapshot snapshot, Endpoint source) {
        try {
            return MaterializedViews.populated(snapshot.holder());
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "reading the materialized views of " + source + ": "
                    + e.getMessage(), e);
        }
    }

    private Connection openTarget(Endpoint target) {
        return connections.open(target, "fastcopy");
    }

    private interface SqlFunction<T> {
        T apply(Connection c) throws SQLException;
    }

    private <T> T withTarget(Endpoint target, SqlFunction<T> f) {
        try (Connection c = openTarget(target)) {
            return f.apply(c);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, target + ": " + e.getMessage(), e);
        }
    }
}
