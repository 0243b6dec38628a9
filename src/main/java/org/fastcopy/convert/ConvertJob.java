package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import io.micrometer.core.instrument.MeterRegistry;
import org.fastcopy.snapshot.SourceSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * v3 to flat (runbook steps 5, 6 and 9) as numbered steps: 1 flat setup, 2 lock and plan (or
 * resume the unfinished run's plan), 3 source snapshot, 4 base tables, 5 test_run ranges on
 * {@code jobs} workers, 6 watermarks, 7 indexes, 8 verify, 9 report.
 *
 * <p>Only one convert may work on a flat database at a time (an advisory lock), since the id
 * blocks it reserves and the "id above the converted maximum" rule of the base tables assume it.
 */
public final class ConvertJob {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);
    private static final String APP = "fastcopy-convert";
    private static final long LOCK_KEY = 0x66636f6e76L; // "fconv"
    private static final List<FlatTable> BASE = List.of(FlatTable.SUBMIT, FlatTable.MPI_INSTALL, FlatTable.TEST_BUILD);

    private final ConvertSpec spec;
    private final Connections connections;
    private final ConvertListener listener;
    private final ConvertMeters meters;
    /** Set in {@link #setup}: what every flat session that loads rows runs first. */
    private volatile String loadingSql = "";

    public ConvertJob(ConvertSpec spec, Connections connections, ConvertListener listener) {
        this(spec, connections, listener, null);
    }

    /** @param registry where the meters go (the Prometheus endpoint's), or null for none */
    public ConvertJob(ConvertSpec spec, Connections connections, ConvertListener listener, MeterRegistry registry) {
        this.spec = spec;
        this.connections = connections;
        this.listener = listener;
        this.meters = new ConvertMeters(registry, spec.flatDatabase());
    }

    public ConvertReport run() {
        long t0 = System.nanoTime();
        Endpoint v3 = spec.source().withDatabase(spec.v3Database());
        Endpoint flatEp = spec.target().withDatabase(spec.flatDatabase());
        if (spec.verify().only()) {
            return verifyOnly(v3, flatEp, t0);
        }
        log.info("1. flat setup: {}", flatEp);
        setup(flatEp);
        try (Connection flat = openLoading(flatEp)) {
            lock(flat);
            flat.setAutoCommit(false);
            log.info("2. plan");
            ConvertLedger.Run run = ConvertLedger.unfinishedRun(flat);
            String note = "";
            try (SourceSnapshot snap = SourceSnapshot.exportLocked(open(v3)); Connection workConn = open(v3)) {
                // The holder only holds the snapshot and an ACCESS SHARE lock per v3 table (one per table, not per
                // index, so ten years of children fit the default lock table); it must not collect more
                // locks all run long. Reads go through short transactions on another session.
                V3Session work = new V3Session(workConn, snap);
                if (run != null) {
                    note = "resumed run " + run.id();
                    log.info("   resuming unfinished run {} ({}): its plan is kept", run.id(), run.kind());
                } else {
                    ConvertLedger.Run last = ConvertLedger.lastFinishedRun(flat);
                    if (last != null && !spec.incremental()) {
                        return nothingToDo(flat, last, t0);
                    }
                    run = plan(flat, work, last);
                }
                List<ConvertLedger.Part> parts = ConvertLedger.parts(flat, run.id());
                log.info("3. snapshot {}; 4. base tables", snap.id());
                IdMaps maps = IdMaps.load(flat);
                Map<String, Double> seconds = new LinkedHashMap<>();
                for (FlatTable t : BASE) {
                    ConvertLedger.Part p = part(parts, "base:" + t.table);
                    if (!p.done()) {
                        long s = System.nanoTime();
                        base(t, run, work, flat, maps);
                        seconds.put(p.key(), (System.nanoTime() - s) / 1e9);
                    }
                }
                log.info("   id maps: {} entries, {} bytes", maps.entries(), maps.memoryBytes());
                meters.idMaps(maps.memoryBytes());
                log.info("5. test_run ranges on {} workers", spec.jobs());
                long s5 = System.nanoTime();
                List<ConvertLedger.Part> todo = parts.stream().filter(p -> p.ord() >= 0 && !p.done()).toList();
                ranges(run, snap, work, flatEp, maps, todo, seconds);
                double rangeSeconds = (System.nanoTime() - s5) / 1e9;
                log.info("6. watermarks");
                ConvertLedger.finishRun(flat, run);
                log.info("7. indexes and foreign keys");
                indexes(flatEp);
                VerifyOutcome verified = null;
                if (spec.verify().enabled()) {
                    log.info("8. verify ({})", spec.verify().describe());
                    verified = verify(work, flat, List.of(run));
                }
                ConvertReport report = report(run, note, ConvertLedger.parts(flat, run.id()), seconds, maps,
                        todo.isEmpty() ? 0 : rangeSeconds, (System.nanoTime() - t0) / 1e9, verified);
                log.info("9. done");
                return report;
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "convert " + spec.v3Database() + " -> "
                    + spec.flatDatabase() + " failed: " + e.getMessage() + sqlState(e), e);
        }
    }

    // ---- 1. setup -------------------------------------------------------------------------

    private void setup(Endpoint flatEp) {
        try (Connection admin = open(spec.target().withDatabase("postgres"))) {
            boolean exists;
            try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT 1 FROM pg_database WHERE datname = " + literal(spec.flatDatabase()))) {
                exists = rs.next();
            }
            if (!exists) {
                log.info("   creating database {}", spec.flatDatabase());
                try (Statement st = admin.createStatement()) {
                    st.execute("CREATE DATABASE " + ident(spec.flatDatabase()) + " TEMPLATE template0 ENCODING 'UTF8'");
                }
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not create " + spec.flatDatabase() + ": "
                    + e.getMessage(), e);
        }
        try (Connection flat = open(flatEp)) {
            flat.setAutoCommit(false);
            boolean hasTables;
            try (Statement st = flat.createStatement();
                 ResultSet rs = st.executeQuery("SELECT to_regclass('public.test_run') IS NOT NULL")) {
                rs.next();
                hasTables = rs.getBoolean(1);
            }
            loadingSql = toastSetting(flat);
            try (Statement st = flat.createStatement()) {
                if (!hasTables) {
                    log.info("   creating the mttflat tables and sentinel rows");
                    for (String sql : FlatSchema.setup()) {
                        st.execute(sql);
                    }
                }
                st.execute(ConvertLedger.CREATE);
            }
            flat.commit();
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "flat setup of " + spec.flatDatabase() + " failed: "
                    + e.getMessage(), e);
        }
    }

    // ---- 2. plan --------------------------------------------------------------------------

    private ConvertLedger.Run plan(Connection flat, V3Session v3, ConvertLedger.Run last) throws SQLException {
        String kind = last == null ? "full" : "incremental";
        LocalDateTime from = last == null ? null : ConvertLedger.watermark(flat, "test_run");
        LocalDateTime to = null;
        for (Object[] row : v3.perRelation("test_run", "max(r.start_timestamp)", "r.test_run_id <> 0", 1)) {
            LocalDateTime t = row[1] == null ? null : ((Timestamp) row[1]).toLocalDateTime();
            to = t != null && (to == null || t.isAfter(to)) ? t : to;
        }
        if (to != null && from != null && !to.isAfter(from)) {
            to = from; // no newer test_run rows: an empty range set, base tables still checked
        }
        List<TimeRange> ranges;
        List<RangePlanner.Week> weeks = List.of();
        if (to == null || to.equals(from)) {
            ranges = List.of();
        } else {
            // Counted for explicit cuts too: the rows per range are what progress and ETA go by.
            weeks = RangePlanner.weeks(v3, TimeRange.runBounds(from, to));
            ranges = spec.cuts() != null ? RangePlanner.fromCuts(spec.cuts())
                    : RangePlanner.balanced(weeks, spec.jobs() * spec.rangesPerJob());
        }
        List<String> baseKeys = BASE.stream().map(t -> "base:" + t.table).toList();
        ConvertLedger.Run run = ConvertLedger.createRun(flat, kind, from, to, baseKeys, ranges,
                RangePlanner.rowsPerRange(weeks, ranges));
        log.info("   run {} ({}): test_run start_timestamp in ({}, {}], {} ranges", run.id(), kind,
                from == null ? "-inf" : from, to, ranges.size());
        return run;
    }

    // ---- 4. base tables -------------------------------------------------------------------

    /**
     * One base table in one flat transaction: the v3 rows whose id is above the largest id already
     * converted (ids are serial: a later run's rows are above it, and a resumed one finds none).
     */
    private void base(FlatTable t, ConvertLedger.Run run, V3Session work, Connection flat, IdMaps maps)
            throws SQLException {
        Connection v3 = work.begin();
        try {
            base(t, run, v3, flat, maps);
        } finally {
            work.end();
        }
    }

    private void base(FlatTable t, ConvertLedger.Run run, Connection v3, Connection flat, IdMaps maps)
            throws SQLException {
        Timestamp started = now();
        long maxOld = scalar(flat, "SELECT coalesce(max(old_" + t.table + "_id), 0) FROM " + t.table);
        String where = "r." + t.idColumn + " > " + maxOld;
        long rows;
        long maxV3;
        // One pass (each query on a parent plans and locks all its weekly children): the count and the largest id.
        try (Statement st = v3.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE r."
                + t.idColumn + " <> 0 AND " + where + "), coalesce(max(r." + t.idColumn + "), 0) FROM " + t.table + " r")) {
            rs.next();
            rows = rs.getLong(1);
            maxV3 = rs.getLong(2);
        }
        long first = 1;
        if (rows > 0) {
            // Reserve exactly this many ids; the COPY reads the same snapshot, so the same rows.
            String seq = "pg_get_serial_sequence(" + literal(t.table) + ", " + literal(t.idColumn) + ")";
            long last = scalar(flat, "SELECT setval(" + seq + ", nextval(" + seq + ") + " + (rows - 1) + ")");
            first = last - rows + 1;
        }
        RowTransform transform = new RowTransform(t, maps, first, first + rows - 1);
        TransformPipe.Result r = TransformPipe.run(v3, flat, t.copyOut(where), t.copyIn(), transform, t.table);
        ConvertLedger.markDone(flat, run.id(), "base:" + t.table, r.rows(), r.dangling(), started, maxV3);
        flat.commit();
        meters.committed(t.table, r.rows(), r.dangling());
        log.info("   {}: {} rows, dangling {}", t.table, r.rows(), r.dangling().asMap());
    }

    // ---- 5. test_run ranges ---------------------------------------------------------------

    private void ranges(ConvertLedger.Run run, SourceSnapshot snap, V3Session work, Endpoint flatEp, IdMaps maps,
                        List<ConvertLedger.Part> todo, Map<String, Double> seconds) throws SQLException {
        if (todo.isEmpty()) {
            return;
        }
        // Which children hold rows of which range: each range then reads (and locks) only its own.
        List<RangePlanner.Week> spans = RangePlanner.spans(work, TimeRange.runBounds(run.from(), run.to()));
        ConcurrentLinkedQueue<ConvertLedger.Part> queue = new ConcurrentLinkedQueue<>(todo);
        AtomicInteger committed = new AtomicInteger();
        Map<String, Double> times = Collections.synchronizedMap(new LinkedHashMap<>());
        int workers = Math.min(spec.jobs(), todo.size());
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> new Thread(r, "convert-worker"));
        List<Future<?>> futures = new ArrayList<>();
        List<RangeWorker> all = new ArrayList<>();
        try (ConvertProgress progress = new ConvertProgress(todo, meters)) {
            for (int i = 0; i < workers; i++) {
                RangeWorker w = new RangeWorker(i, run, queue, maps, times, committed, all, progress, spans);
                all.add(w);
            }
            for (RangeWorker w : all) {
                futures.add(pool.submit(() -> w.work(snap, flatEp)));
            }
            Throwable first = null;
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    first = first == null ? e.getCause() : first;
                } catch (InterruptedException e) {
                    all.forEach(RangeWorker::cancel);
                    // Interrupted, each worker rolls back its range (the ledger mark goes with
                    // it); wait for that, so the flat side holds no transaction of ours at exit.
                    pool.shutdownNow();
                    try {
                        pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException again) {
                        // stop waiting; the caller is leaving anyway
                    }
                    Thread.currentThread().interrupt();
                    throw new FastcopyException(FastcopyException.INTERRUPTED, "convert interrupted");
                }
            }
            if (first != null) {
                throw first instanceof FastcopyException fe ? fe
                        : new FastcopyException(FastcopyException.FAILED, first.getMessage(), first);
            }
        } finally {
            pool.shutdownNow();
            seconds.putAll(times);
        }
    }

    /**
     * One worker: its own v3 session in the shared snapshot and its own flat session; takes ranges
     * from the queue until it is empty or another worker failed. Each range is one flat
     * transaction with its ledger mark.
     */
    private final class RangeWorker {
        private final int id;
        private final ConvertLedger.Run run;
        private final ConcurrentLinkedQueue<ConvertLedger.Part> queue;
        private final IdMaps maps;
        private final Map<String, Double> times;
        private final AtomicInteger committed;
        private final List<RangeWorker> all;
        private final ConvertProgress progress;
        private final List<RangePlanner.Week> spans;
        private volatile boolean halted;

        RangeWorker(int id, ConvertLedger.Run run, ConcurrentLinkedQueue<ConvertLedger.Part> queue, IdMaps maps,
                    Map<String, Double> times, AtomicInteger committed, List<RangeWorker> all,
                    ConvertProgress progress, List<RangePlanner.Week> spans) {
            this.progress = progress;
            this.spans = spans;
            this.id = id;
            this.run = run;
            this.queue = queue;
            this.maps = maps;
            this.times = times;
            this.committed = committed;
            this.all = all;
        }

        void halt() {
            halted = true;
        }

        /**
         * Halts and cancels the range in flight: the flat side's COPY is where a range spends its
         * time (socket writes and the final end of COPY), and no interrupt reaches into it.
         */
        void cancel() {
            halted = true;
            Connection c = flatSession;
            if (c != null) {
                try {
                    c.unwrap(org.postgresql.PGConnection.class).cancelQuery();
                } catch (SQLException e) {
                    log.warn("worker {}: could not cancel the range in flight: {}", id, e.getMessage());
                }
            }
        }

        private volatile Connection flatSession;

        void work(SourceSnapshot snap, Endpoint flatEp) {
            String current = "(none)";
            try (Connection v3conn = open(spec.source().withDatabase(spec.v3Database()));
                 Connection flat = openLoading(flatEp)) {
                flatSession = flat;
                V3Session session = new V3Session(v3conn, snap);
                flat.setAutoCommit(false);
                ConvertLedger.Part p;
                while (!halted && (p = queue.poll()) != null) {
                    current = p.key();
                    long s = System.nanoTime();
                    Timestamp started = now();
                    String where = TimeRange.runBounds(run.from(), run.to());
                    String cond = p.range().condition();
                    where = cond.isEmpty() ? where : where + " AND " + cond;
                    try {
                        // One v3 transaction per range: its children's locks go when it ends.
                        Connection v3 = session.begin();
                        TransformPipe.Result r = TransformPipe.run(v3, flat,
                                FlatTable.TEST_RUN.copyOutOf(RangePlanner.relationsOf(spans, p.range()), where),
                                FlatTable.TEST_RUN.copyIn(), new RowTransform(FlatTable.TEST_RUN, maps, 0, -1),
                                "w" + id, progress.rangeStarted(p.key()));
                        session.end();
                        ConvertLedger.markDone(flat, run.id(), p.key(), r.rows(), r.dangling(), started, null);
                        flat.commit();
                        long nanos = System.nanoTime() - s;
                        progress.rangeEnded(p.key(), r.rows(), true);
                        meters.committed("test_run", r.rows(), r.dangling());
                        meters.rangeDone(nanos);
                        times.put(p.key(), nanos / 1e9);
                        log.info("   {}: {} rows in {} ms, {} rows/s (worker {})", p.key(), r.rows(), nanos / 1_000_000,
                                Math.round(r.rows() / Math.max(1e-9, nanos / 1e9)), id);
                    } catch (SQLException | RuntimeException e) {
                        progress.rangeEnded(p.key(), 0, false);
                        flat.rollback();
                        throw e;
                    }
                    listener.rangeCommitted(p.key(), 0, committed.incrementAndGet());
                }
            } catch (SQLException | RuntimeException e) {
                all.forEach(RangeWorker::halt);
                log.error("range {} failed (worker {}): {}", current, id, e.toString());
                if (e instanceof FastcopyException fe) {
                    throw fe;
                }
                throw new FastcopyException(FastcopyException.FAILED, "test_run range " + current + " failed: "
                        + e.getMessage() + (e instanceof SQLException se ? sqlState(se) : ""), e);
            }
        }
    }

    // ---- 7. indexes -----------------------------------------------------------------------

    private void indexes(Endpoint flatEp) {
        List<String> sql = FlatSchema.indexes();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(spec.jobs(), sql.size()));
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (String s : sql) {
                fs.add(pool.submit(() -> {
                    try (Connection c = open(flatEp); Statement st = c.createStatement()) {
                        st.execute(s);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (Exception e) {
            throw new FastcopyException(FastcopyException.FAILED, "flat indexes failed: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
        // One after the other: each takes a lock on the referenced table that the others' conflicts with.
        try (Connection c = open(flatEp); Statement st = c.createStatement()) {
            for (Map.Entry<String, String> fk : FlatSchema.foreignKeys().entrySet()) {
                if (scalar(c, "SELECT count(*) FROM pg_constraint WHERE conname = " + literal(fk.getKey())) == 0) {
                    st.execute(fk.getValue());
                }
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "flat foreign keys failed: " + e.getMessage()
                    + sqlState(e), e);
        }
    }

    // ---- 8. verify ------------------------------------------------------------------------

    /**
     * Flat against v3 ({@link FlatVerifier}): the base tables up to the largest v3 id any finished
     * run saw, and the test_run ranges of {@code runs}; dangling references among all converted rows.
     */
    private VerifyOutcome verify(V3Session v3, Connection flat, List<ConvertLedger.Run> runs) throws SQLException {
        List<FlatVerifier.Scope> scopes = new ArrayList<>();
        Map<String, String> converted = new LinkedHashMap<>();
        Map<String, Long> maxIds = new LinkedHashMap<>();
        LocalDateTime lastTo = null;
        for (ConvertLedger.Run r : ConvertLedger.finishedRuns(flat)) {
            for (ConvertLedger.Part p : ConvertLedger.parts(flat, r.id())) {
                if (p.ord() < 0 && p.maxId() != null) {
                    maxIds.merge(p.key().substring("base:".length()), p.maxId(), Math::max);
                }
            }
            lastTo = r.to() != null && (lastTo == null || r.to().isAfter(lastTo)) ? r.to() : lastTo;
        }
        for (FlatTable t : BASE) {
            String v3Where = "r." + t.idColumn + " <> 0";
            Long max = maxIds.get(t.table);
            if (max != null) {
                v3Where += " AND r." + t.idColumn + " <= " + max;
                converted.put(t.table, "r." + t.idColumn + " <= " + max);
            }
            scopes.add(new FlatVerifier.Scope("base:" + t.table, t.table, null, v3Where, "r." + t.idColumn + " <> 0"));
        }
        String convertedRuns = lastTo == null ? "false" : "r.start_timestamp <= " + TimeRange.sql(lastTo);
        converted.put("test_run", convertedRuns);
        List<RangePlanner.Week> spans = RangePlanner.spans(v3, convertedRuns);
        for (ConvertLedger.Run r : runs) {
            for (ConvertLedger.Part p : ConvertLedger.parts(flat, r.id())) {
                if (p.ord() < 0) {
                    continue;
                }
                String where = TimeRange.runBounds(r.from(), r.to());
                String cond = p.range().condition();
                where = "r.test_run_id <> 0 AND " + where + (cond.isEmpty() ? "" : " AND " + cond);
                String key = (runs.size() > 1 ? "run " + r.id() + " " : "") + p.key();
                scopes.add(new FlatVerifier.Scope(key, "test_run", RangePlanner.relationsOf(spans, p.range()), where, where));
            }
        }
        flat.commit();
        FlatVerifier.Result result = new FlatVerifier(v3, flat, spec.verify()).verify(scopes, converted);
        flat.commit();
        VerifyOutcome outcome = result.outcome();
        meters.verified(outcome.problems().size());
        if (!outcome.ok()) {
            log.error("verify: {} problem(s): {}", outcome.problems().size(), outcome.problems().get(0));
        }
        return outcome;
    }

    /** {@code --verify-only}: no conversion; every finished run checked, under the convert lock. */
    private ConvertReport verifyOnly(Endpoint v3Ep, Endpoint flatEp, long t0) {
        try (Connection flat = open(flatEp); Connection v3 = open(v3Ep)) {
            if (scalar(flat, "SELECT (to_regclass('_convert.run') IS NOT NULL)::int") == 0) {
                throw new FastcopyException(FastcopyException.FAILED, spec.flatDatabase()
                        + " holds no conversion to verify (no _convert ledger): run convert first");
            }
            lock(flat);
            flat.setAutoCommit(false);
            List<ConvertLedger.Run> runs = ConvertLedger.finishedRuns(flat);
            if (runs.isEmpty()) {
                throw new FastcopyException(FastcopyException.FAILED, spec.flatDatabase()
                        + " has no finished conversion to verify: finish it first (rerun convert to resume)");
            }
            log.info("verify only ({}): {} finished run(s) of {}", spec.verify().describe(), runs.size(),
                    spec.flatDatabase());
            VerifyOutcome outcome = verify(new V3Session(v3, null), flat, runs);
            ConvertLedger.Run last = runs.get(runs.size() - 1);
            List<ConvertReport.PartLine> lines = new ArrayList<>();
            Dangling dangling = new Dangling();
            for (ConvertLedger.Run r : runs) {
                for (ConvertLedger.Part p : ConvertLedger.parts(flat, r.id())) {
                    lines.add(new ConvertReport.PartLine((runs.size() > 1 ? "run " + r.id() + " " : "") + p.key(),
                            p.rows() == null ? 0 : p.rows(), str(p.started()), str(p.finished()), seconds(p), false));
                    dangling.addAll(Dangling.decode(p.dangling()));
                }
            }
            flat.commit();
            return new ConvertReport(last.id(), "verify-only", "verified " + runs.size() + " finished run(s); nothing "
                    + "converted", lines, dangling.asMap(), 0, 0, 0, 0, (System.nanoTime() - t0) / 1e9, outcome);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "verify " + spec.v3Database() + " -> "
                    + spec.flatDatabase() + " failed: " + e.getMessage() + sqlState(e), e);
        }
    }

    // ---- 9. report ------------------------------------------------------------------------

    private ConvertReport report(ConvertLedger.Run run, String note, List<ConvertLedger.Part> parts,
                                 Map<String, Double> seconds, IdMaps maps, double rangeSeconds, double total,
                                 VerifyOutcome verified) {
        List<ConvertReport.PartLine> lines = new ArrayList<>();
        Dangling dangling = new Dangling();
        long testRunRows = 0;
        for (ConvertLedger.Part p : parts) {
            long rows = p.rows() == null ? 0 : p.rows();
            double sec = seconds(p);
            boolean here = seconds.containsKey(p.key());
            lines.add(new ConvertReport.PartLine(p.key(), rows, str(p.started()), str(p.finished()),
                    here ? seconds.get(p.key()) : sec, here));
            dangling.addAll(Dangling.decode(p.dangling()));
            if (p.ord() >= 0 && here) {
                testRunRows += rows;
            }
        }
        return new ConvertReport(run.id(), run.kind(), note, lines, dangling.asMap(), maps.entries(),
                maps.memoryBytes(), testRunRows, rangeSeconds, total, verified);
    }

    private ConvertReport nothingToDo(Connection flat, ConvertLedger.Run last, long t0) throws SQLException {
        log.info("   run {} finished already; nothing to do (use --incremental for newer rows)", last.id());
        List<ConvertReport.PartLine> lines = new ArrayList<>();
        Dangling dangling = new Dangling();
        for (ConvertLedger.Part p : ConvertLedger.parts(flat, last.id())) {
            lines.add(new ConvertReport.PartLine(p.key(), p.rows() == null ? 0 : p.rows(), str(p.started()),
                    str(p.finished()), 0, false));
            dangling.addAll(Dangling.decode(p.dangling()));
        }
        flat.commit();
        return new ConvertReport(last.id(), last.kind(), "already converted by run " + last.id()
                + "; nothing to do (--incremental converts newer rows)", lines, dangling.asMap(), 0, 0, 0, 0,
                (System.nanoTime() - t0) / 1e9, null);
    }

    // ---- helpers --------------------------------------------------------------------------

    private ConvertLedger.Part part(List<ConvertLedger.Part> parts, String key) {
        return parts.stream().filter(p -> p.key().equals(key)).findFirst()
                .orElseThrow(() -> new FastcopyException(FastcopyException.FAILED, "ledger has no part " + key));
    }

    private Connection open(Endpoint ep) {
        return connections.open(ep, APP);
    }

    /**
     * A flat session for loading rows. Large values (stdout, stderr) are compressed as they are
     * stored, with the compression of the session, not of the v3 server: pglz, PostgreSQL's
     * default, was the largest single cost of the whole conversion in a profile (18% of the
     * servers' CPU at scale 1). The setting only changes how new values are stored.
     */
    private Connection openLoading(Endpoint ep) throws SQLException {
        Connection c = open(ep);
        if (!loadingSql.isEmpty()) {
            try (Statement st = c.createStatement()) {
                st.execute(loadingSql);
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    private String toastSetting(Connection flat) throws SQLException {
        String wanted = spec.toastCompression();
        try (Statement st = flat.createStatement(); ResultSet rs = st.executeQuery("SELECT " + literal(wanted)
                + " = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")) {
            if (!rs.next() || !rs.getBoolean(1)) {
                // Before PostgreSQL 14 there is only pglz; a server may also be built without lz4.
                log.warn("the flat server cannot store large values with {}: they get its default compression", wanted);
                return "";
            }
        }
        return "SET default_toast_compression = " + literal(wanted);
    }

    private void lock(Connection flat) throws SQLException {
        if (scalar(flat, "SELECT pg_try_advisory_lock(" + LOCK_KEY + ")::int") != 1) {
            throw new FastcopyException(FastcopyException.FAILED, "another convert is working on " + spec.flatDatabase()
                    + " (advisory lock " + LOCK_KEY + " is held)");
        }
    }

    private static long scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static double seconds(ConvertLedger.Part p) {
        return p.started() != null && p.finished() != null ? (p.finished().getTime() - p.started().getTime()) / 1000.0 : 0;
    }

    private static Timestamp now() {
        return new Timestamp(System.currentTimeMillis());
    }

    private static String str(Timestamp t) {
        return t == null ? null : t.toLocalDateTime().toString();
    }

    private static String sqlState(SQLException e) {
        return e.getSQLState() == null ? "" : " (SQLState " + e.getSQLState() + ")";
    }
}
