package org.fastcopy.copy;

import org.fastcopy.pg.ServerError;
import org.fastcopy.FastcopyException;
import org.fastcopy.analyze.AfterLoad;
import org.fastcopy.analyze.AnalyzePlan;
import org.fastcopy.data.CopyFormat;
import org.fastcopy.data.CopyResult;
import org.fastcopy.data.CopySettings;
import org.fastcopy.data.EncodingErrors;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.load.DataPhase;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.observe.ProgressRenderer;
import org.fastcopy.plan.CopyPlan;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.plan.SourceTable;
import org.fastcopy.schema.DdlReport;
import org.fastcopy.schema.EntryTables;
import org.fastcopy.schema.PostDataScheduler;
import org.fastcopy.schema.RestoreScript;
import org.fastcopy.schema.StepMarks;
import org.fastcopy.schema.TocEntry;
import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.util.ByteSize;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link CopyStep#DATA_AND_POST_DATA}: the data phase, with post-data (indexes, keys, rules,
 * triggers) built per table on its own connections as soon as the table's rows are committed.
 * Chooses the COPY format and whether text must be checked for valid UTF-8; meters the two parts
 * apart, since which of them held the run up is what a dashboard needs to show.
 */
final class DataAndPostData {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");

    /** What the step leaves for the steps after it. */
    record Outcome(DataPhase.Result data, DdlReport post, EncodingErrors checked, Set<String> analysed,
                   Progress progress) {
    }

    private final String db;
    private final CopySpec spec;
    private final Connections connections;
    private final Endpoint source;
    private final Endpoint target;
    private final CopyJob.Listener listener;
    private final CopyMetrics meters;
    /** Rows each table had changed by --encoding-errors, by display name; shared with the job. */
    private final Map<String, LongAdder> invalid;

    DataAndPostData(String db, CopySpec spec, Connections connections, CopyJob.Listener listener, CopyMetrics meters,
                    Map<String, LongAdder> invalid) {
        this.db = db;
        this.spec = spec;
        this.connections = connections;
        this.source = spec.source(db);
        this.target = spec.target(db);
        this.listener = listener;
        this.meters = meters;
        this.invalid = invalid;
    }

    /**
     * Tables whose indexes and keys build in moments, so several share a transaction and a round
     * trip (PostDataScheduler#smallTables): below this size on the source, an index build is a
     * few tens of milliseconds, about as long as a few round trips over a slow network.
     */
    static final long SMALL_TABLE_BYTES = 8L << 20;

    private static Set<org.fastcopy.schema.TableName> smallTables(CopyPlan plan) {
        Set<org.fastcopy.schema.TableName> small = new java.util.HashSet<>();
        for (org.fastcopy.plan.SourceTable t : plan.tables()) {
            if (t.bytes() <= SMALL_TABLE_BYTES) {
                small.add(new org.fastcopy.schema.TableName(t.schema(), t.name()));
            }
        }
        return small;
    }

    /**
     * @param doneUnits units an earlier run committed (skipped)
     * @param doneSteps post-data items an earlier run built (skipped)
     * @param indexJobs post-data sessions
     */
    Outcome run(SourceSnapshot snapshot, CopyPlan plan, AnalyzePlan analyzePlan, RestoreScript postData,
                Map<String, Long> doneUnits, Set<String> doneSteps, int indexJobs) {
        Progress progress = new Progress(plan, doneUnits, meters);
        EntryTables entryTables = EntryTables.read(snapshot.holder(), postData.entries());
        StepMarks marks = entries -> Ledger.markStepsSql(entries.stream().map(StepMarks::key).toList());
        List<TocEntry> postTodo = postDataToDo(postData, entryTables, doneSteps);
        // The script's own items are copies the scheduler does not use (dependencies added, keys
        // split): let them go rather than hold both for the whole data step.
        postData = null;
        DataPhase.Result data;
        DdlReport post;
        EncodingErrors checked;
        Set<String> analysed;
        try (PostDataScheduler scheduler = new PostDataScheduler(connections, target, entryTables, marks)
                .sessionSetup(spec.maintenanceWorkMem() == 0 ? ""
                        : "SET maintenance_work_mem = '" + (spec.maintenanceWorkMem() >> 10) + "kB'")
                .smallTables(smallTables(plan))) {
            scheduler.start(postTodo, indexJobs);
            CopyFormat format = plan.serverFormat();
            checked = encodingCheck(format);
            DataPhase phase = new DataPhase(connections, source, target, snapshot,
                    new CopySettings(spec.ringSlots(), spec.bufferBytes(), 16), progress, spec.jobs(),
                    listener(progress, scheduler), checked);
            new OnTarget(connections, target).apply(c -> AfterLoad.of(c, analyzePlan)).ifPresent(phase::afterLoad);
            long dataStarted = System.nanoTime();
            try (ProgressRenderer reporter = progress.startReporter()) {
                data = phase.run(plan, doneUnits);
            }
            meters.phaseDone(CopyStep.DATA_PART, System.nanoTime() - dataStarted);
            analysed = phase.analysed();
            post = scheduler.awaitCompletion();
        }
        meters.phaseDone(CopyStep.POST_DATA_PART, post.elapsedNanos());
        meters.schemaDone(post);
        log.info("[{}] data: {} units, {} rows, {} ({} retries); {}", db, data.units(), data.rows(),
                ByteSize.format(data.bytes()), data.retries(), post.summary());
        return new Outcome(data, post, checked, analysed, progress);
    }

    private List<TocEntry> postDataToDo(RestoreScript postData, EntryTables entryTables, Set<String> doneSteps) {
        List<TocEntry> postItems = PostDataScheduler.items(postData.entries(), entryTables);
        List<TocEntry> postTodo = postItems.stream().filter(e -> !doneSteps.contains(StepMarks.key(e))).toList();
        if (postTodo.size() < postItems.size()) {
            log.info("[{}] resuming: {} of {} post-data items already built", db,
                    postItems.size() - postTodo.size(), postItems.size());
        }
        return postTodo;
    }

    /** The data phase's events: progress, the invalid-row counts, the embedder, post-data's start per table. */
    private DataPhase.Listener listener(Progress progress, PostDataScheduler scheduler) {
        return new DataPhase.Listener() {
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
                    invalid.computeIfAbsent(unit.table().displayName(), k -> new LongAdder()).add(result.invalidRows());
                }
                listener.unitCommitted(db, unit);
            }

            @Override
            public void tableLoaded(SourceTable table) {
                scheduler.tableLoaded(table.schema(), table.name());
            }
        };
    }

    /**
     * The --encoding-errors policy when the source's text needs checking, else null. Only a
     * SQL_ASCII source sends bytes its server never validated; every other encoding is converted
     * by the source server into the UTF-8 the sessions speak. Binary COPY is only chosen for equal
     * encodings, where the target takes the bytes as the source held them.
     */
    private EncodingErrors encodingCheck(CopyFormat format) {
        if (format != CopyFormat.TEXT) {
            return null;
        }
        String from = serverEncoding(source);
        String to = serverEncoding(target);
        if (!from.equals("SQL_ASCII") || to.equals("SQL_ASCII")) {
            return null;
        }
        log.info("source is SQL_ASCII, target {}: every row is checked for valid UTF8 (--encoding-errors {})", to,
                spec.encodingErrors().name().toLowerCase(Locale.ROOT));
        return spec.encodingErrors();
    }

    private String serverEncoding(Endpoint ep) {
        try (Connection c = connections.open(ep, "fastcopy"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_encoding')")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.CONNECTION, "could not read the encoding of " + ep + ": " + ServerError.describe(e), e);
        }
    }
}
