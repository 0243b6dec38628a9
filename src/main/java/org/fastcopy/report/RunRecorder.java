package org.fastcopy.report;

import org.fastcopy.FastcopyException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * Records a run for its HTML report: the steps as their STEP lines name them, what each worker
 * thread did when (table COPY units, DDL batches, convert ranges), rows and bytes over time, and
 * the verify result. The pipeline reports into {@link #current()}, as it logs into a logger: no
 * stage's constructor carries the recorder, and a run without {@code --report-html} talks to a
 * recorder that is off and returns at once.
 *
 * <p>{@link #current()} is the recorder {@linkplain #install installed} on this thread or on the
 * thread that started it (an inheritable thread-local): fastcopy's workers are new threads per
 * run ({@code work/Workers}), so they report into their run's recorder, and two runs in one JVM
 * (tests) never mix.
 *
 * <p>Hazard: a thread started during the run that outlives it (none of fastcopy's do; a library's
 * pool might) keeps a reference to the recorder, and so its few MB, until it ends. Code that must
 * not report into a run (a long-lived service thread) should start its threads outside the scope.
 *
 * <p>Memory is bounded whatever the run's size: spans go to a {@link SpanStore} of fixed budget,
 * throughput to a fixed number of buckets, the slowest units to a heap of {@link #SLOWEST};
 * steps and verifies are a few per database. Every method is thread-safe and cheap (a lock held
 * for a list append); none is called per row.
 */
public final class RunRecorder {
    /** Spans kept apart before neighbours are merged: about 1 MB of spans, a few MB of HTML. */
    public static final int DEFAULT_SPAN_BUDGET = 5000;
    static final int SLOWEST = 15;

    private static final RunRecorder OFF = new RunRecorder();
    private static final InheritableThreadLocal<RunRecorder> CURRENT = new InheritableThreadLocal<>();

    private final boolean on;
    private final String title;
    private final Instant started = Instant.now();
    private final long t0 = System.nanoTime();
    private final SpanStore spans;
    private final Throughput throughput = new Throughput();
    private final Map<Thread, Open> open = new HashMap<>();
    private final Map<String, Map<Span.Kind, long[]>> totals = new LinkedHashMap<>();
    private final PriorityQueue<Span> slowest = new PriorityQueue<>(Comparator.comparingLong(Span::nanos));
    private final List<StepEntry> steps = new ArrayList<>();
    private final List<RunRecord.Verify> verifies = new ArrayList<>();
    private RunRecord finished;

    private record Open(Span.Kind kind, String label, long start) {
    }

    /** A recorder for one run. */
    public RunRecorder(String title) {
        this(title, DEFAULT_SPAN_BUDGET);
    }

    RunRecorder(String title, int spanBudget) {
        this.on = true;
        this.title = Objects.requireNonNull(title);
        this.spans = new SpanStore(spanBudget);
    }

    private RunRecorder() {
        this.on = false;
        this.title = "";
        this.spans = null;
    }

    /** The run's recorder on this thread, or one that is off. */
    public static RunRecorder current() {
        RunRecorder r = CURRENT.get();
        return r == null ? OFF : r;
    }

    /** Makes {@code recorder} this thread's (and its future threads') until the scope is closed. */
    public static Scope install(RunRecorder recorder) {
        RunRecorder before = CURRENT.get();
        CURRENT.set(recorder);
        return () -> {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        };
    }

    /** Ends an {@link #install}; closing never throws. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private long now() {
        return System.nanoTime() - t0;
    }

    // ---- steps --------------------------------------------------------------------------------

    /** A step of a job started ({@code scope}: the database, {@code convert}, {@code migrate}). */
    public Step stepStarted(String scope, String name) {
        if (!on) {
            return Step.NONE;
        }
        StepEntry e = new StepEntry(scope, name, now());
        synchronized (this) {
            steps.add(e);
        }
        return e;
    }

    /** A step this run does not need, logged as skipped; drawn as a mark, not a bar. */
    public void stepSkipped(String scope, String name, String why) {
        if (!on) {
            return;
        }
        StepEntry e = new StepEntry(scope, name, now());
        e.end(RunRecord.Step.Status.SKIPPED, why);
        synchronized (this) {
            steps.add(e);
        }
    }

    /** A started step: {@link #done()} when it ends; a step never ended is marked failed or unfinished at the end. */
    public interface Step {
        Step NONE = () -> {
        };

        void done();
    }

    private final class StepEntry implements Step {
        final String scope;
        final String name;
        final long start;
        long end = -1;
        RunRecord.Step.Status status;
        String detail = "";

        StepEntry(String scope, String name, long start) {
            this.scope = scope;
            this.name = name;
            this.start = start;
        }

        @Override
        public void done() {
            end(RunRecord.Step.Status.DONE, "");
        }

        void end(RunRecord.Step.Status s, String why) {
            synchronized (RunRecorder.this) {
                if (end < 0) {
                    end = Math.max(start, now());
                    status = s;
                    detail = why == null ? "" : why;
                }
            }
        }

        RunRecord.Step frozen() {
            return new RunRecord.Step(scope, name, start, end, status, detail);
        }
    }

    // ---- worker spans -------------------------------------------------------------------------

    /** This thread starts a unit, batch or range. */
    public void begin(Span.Kind kind, String label) {
        if (!on) {
            return;
        }
        long t = now();
        synchronized (this) {
            Open before = open.put(Thread.currentThread(), new Open(kind, label, t));
            if (before != null) {
                record(before, t, 0, 0, Span.Status.FAILED);
            }
        }
    }

    /** This thread's unit, batch or range committed, having moved so many rows and bytes. */
    public void end(long rows, long bytes) {
        close(rows, bytes, Span.Status.OK);
    }

    /** This thread's unit, batch or range failed (it may be retried: that is a new {@link #begin}). */
    public void failed() {
        close(0, 0, Span.Status.FAILED);
    }

    private void close(long rows, long bytes, Span.Status status) {
        if (!on) {
            return;
        }
        long t = now();
        synchronized (this) {
            Open o = open.remove(Thread.currentThread());
            if (o != null) {
                record(o, t, rows, bytes, status);
            }
        }
    }

    private void record(Open o, long end, long rows, long bytes, Span.Status status) {
        Span s = new Span(Thread.currentThread().getName(), o.kind(), o.label(), o.start(), end, 1, rows, bytes, status);
        recordSpan(s, end);
    }

    private void recordSpan(Span s, long now) {
        spans.add(s, now);
        throughput.add(s.startNanos(), s.endNanos(), s.rows(), s.bytes());
        long[] t = totals.computeIfAbsent(s.lane(), k -> new EnumMap<>(Span.Kind.class))
                .computeIfAbsent(s.kind(), k -> new long[4]);
        t[0]++;
        t[1] += s.nanos();
        t[2] += s.rows();
        t[3] += s.bytes();
        slowest.add(s);
        if (slowest.size() > SLOWEST) {
            slowest.poll();
        }
    }

    // ---- verify and the end -------------------------------------------------------------------

    /** A verify finished: {@code details} are the differences, or what was explained instead. */
    public void verified(String scope, boolean ok, String summary, List<String> details) {
        if (!on) {
            return;
        }
        List<String> capped = details.size() <= 50 ? List.copyOf(details) : new ArrayList<>(details.subList(0, 50));
        if (details.size() > 50) {
            capped.add("... and " + (details.size() - 50) + " more");
        }
        synchronized (this) {
            verifies.add(new RunRecord.Verify(scope, ok, summary, List.copyOf(capped)));
        }
    }

    /**
     * Ends the recording: steps still running are marked failed with {@code failure}'s message
     * (or unfinished when the run succeeded around them), work in flight is drawn unfinished.
     * Idempotent: later calls return the first result.
     */
    public synchronized RunRecord finish(Throwable failure) {
        if (!on) {
            throw new IllegalStateException("this recorder is off");
        }
        if (finished != null) {
            return finished;
        }
        long end = now();
        String message = failure == null ? null : message(failure);
        for (StepEntry e : steps) {
            e.end(failure == null ? RunRecord.Step.Status.UNFINISHED : RunRecord.Step.Status.FAILED, message);
        }
        open.forEach((thread, o) -> recordSpan(new Span(thread.getName(), o.kind(), o.label(), o.start(), end, 1, 0, 0,
                Span.Status.UNFINISHED), end));
        open.clear();
        List<RunRecord.LaneTotal> laneTotals = new ArrayList<>();
        totals.forEach((lane, byKind) -> byKind.forEach((kind, t) ->
                laneTotals.add(new RunRecord.LaneTotal(lane, kind, t[0], t[1], t[2], t[3]))));
        List<Span> longest = new ArrayList<>(slowest);
        longest.sort(Comparator.comparingLong(Span::nanos).reversed());
        finished = new RunRecord(title, started, end, message, steps.stream().map(StepEntry::frozen).toList(),
                spans.lanes(), laneTotals, longest, throughput.rates(end), List.copyOf(verifies), spans.resolutionNanos());
        return finished;
    }

    private static String message(Throwable t) {
        if (t instanceof FastcopyException && t.getMessage() != null) {
            return t.getMessage();
        }
        return t.toString();
    }
}
