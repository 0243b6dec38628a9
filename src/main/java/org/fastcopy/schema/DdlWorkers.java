package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.report.RunRecorder;
import org.fastcopy.report.Span;
import org.fastcopy.work.Workers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * N target sessions, each on its own thread, taking batches from one {@link EntryGraph} until it
 * is done or has failed. The first failure stops the graph; {@link #close()} cancels whatever the
 * other sessions still run (an index build can take hours), so nothing waits on a dead run.
 */
final class DdlWorkers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DdlWorkers.class);
    private static final long JOIN_MILLIS = 30_000;

    private final String phase;
    private final EntryGraph graph;
    private final BatchLimit limit;
    private final List<Worker> workers = new ArrayList<>();
    private Workers.Running<Void> running;
    private long startNanos;
    private volatile long endNanos;

    /** Opens the sessions now, so that a connection problem is reported before anything runs. */
    DdlWorkers(String phase, EntryGraph graph, BatchLimit limit, Connections connections, Endpoint target, int jobs) {
        this(phase, graph, limit, connections, target, jobs, StepMarks.NONE);
    }

    DdlWorkers(String phase, EntryGraph graph, BatchLimit limit, Connections connections, Endpoint target, int jobs,
               StepMarks marks) {
        this(phase, graph, limit, connections, target, jobs, marks, "");
    }

    DdlWorkers(String phase, EntryGraph graph, BatchLimit limit, Connections connections, Endpoint target, int jobs,
               StepMarks marks, String setupSql) {
        if (jobs < 1) {
            throw new FastcopyException(FastcopyException.USAGE, phase + ": the number of connections must be at least 1, got " + jobs);
        }
        this.phase = phase;
        this.graph = graph;
        this.limit = limit;
        try {
            for (int i = 0; i < jobs; i++) {
                workers.add(new Worker(i, DdlSession.open(connections, target, "fastcopy-" + phase, phase, marks, setupSql)));
            }
        } catch (RuntimeException e) {
            workers.forEach(w -> w.session.close());
            throw e;
        }
    }

    void start() {
        startNanos = System.nanoTime();
        running = Workers.named("fastcopy-" + phase, workers.size()).stopWait(Duration.ofMillis(JOIN_MILLIS))
                .start(w -> {
                    workers.get(w.index() - 1).run();
                    return null;
                });
    }

    /** Waits for the graph; throws its failure. */
    void awaitDone() throws InterruptedException {
        graph.awaitDone();
        endNanos = System.nanoTime();
    }

    /**
     * Waits for every batch, logs the phase's summary and returns its report; the graph's first
     * failure is thrown, and an interrupt stops the phase (the flag restored).
     */
    DdlReport finish() {
        try {
            awaitDone();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, phase + " interrupted");
        }
        DdlReport report = report();
        log.info("{}", report.summary());
        return report;
    }

    DdlReport report() {
        int transactions = 0;
        int retries = 0;
        int items = 0;
        Map<String, long[]> types = new HashMap<>();
        List<DdlReport.Executed> all = new ArrayList<>();
        for (Worker w : workers) {
            synchronized (w) {
                transactions += w.executed.size();
                retries += w.session.retries();
                all.addAll(w.executed);
            }
        }
        for (DdlReport.Executed ex : all) {
            items += ex.entries().size();
            long nanos = ex.endNanos() - ex.startNanos();
            for (TocEntry e : ex.entries()) {
                long[] s = types.computeIfAbsent(e.type(), k -> new long[2]);
                s[0]++;
            }
            ex.entries().stream().map(TocEntry::type).distinct()
                    .forEach(t -> types.get(t)[1] += nanos);
        }
        all.sort((a, b) -> Long.compare(a.endNanos(), b.endNanos()));
        Map<String, DdlReport.TypeStats> byType = new HashMap<>();
        types.forEach((k, v) -> byType.put(k, new DdlReport.TypeStats((int) v[0], v[1])));
        long end = endNanos == 0 ? System.nanoTime() : endNanos;
        return new DdlReport(phase, workers.size(), items, transactions, retries, end - startNanos, byType, all);
    }

    /** Stops the workers: cancels running statements, joins the threads, closes the sessions. */
    @Override
    public void close() {
        if (!graph.isDone()) {
            graph.fail(new FastcopyException(FastcopyException.FAILED, phase + " stopped before it finished"));
            for (Worker w : workers) {
                w.session.cancel();
            }
        }
        // Closing on an interrupt (a signal stopping the run) still waits for the cancelled
        // statements to end, so each session closes outside a statement; the pool restores the flag.
        if (running != null) {
            running.close();
        }
        for (Worker w : workers) {
            if (running != null && w.state != Worker.State.STOPPED) {
                log.warn("{} worker {} still {} after {} s; closing its connection under it", phase, w.index, w.state,
                        JOIN_MILLIS / 1000);
            }
        }
        for (Worker w : workers) {
            w.session.close();
        }
    }

    /** One session's loop. States: IDLE (waiting for work), RUNNING (a batch), STOPPED. */
    private final class Worker implements Runnable {
        private enum State { IDLE, RUNNING, STOPPED }

        final int index;
        final DdlSession session;
        final List<DdlReport.Executed> executed = new ArrayList<>();
        volatile State state = State.IDLE;

        Worker(int index, DdlSession session) {
            this.index = index;
            this.session = session;
        }

        @Override
        public void run() {
            EntryGraph.Group preferred = null;
            try {
                EntryGraph.Batch batch;
                while ((batch = graph.take(preferred, limit)) != null) {
                    state = State.RUNNING;
                    long t0 = System.nanoTime();
                    RunRecorder.current().begin(Span.Kind.DDL, label(batch.entries()));
                    session.run(batch.entries());
                    RunRecorder.current().end(0, 0);
                    long t1 = System.nanoTime();
                    synchronized (this) {
                        executed.add(new DdlReport.Executed(batch.entries(), index, t0, t1));
                    }
                    graph.completed(batch);
                    preferred = batch.lastGroup();
                    state = State.IDLE;
                }
            } catch (FastcopyException e) {
                graph.fail(e);
            } catch (InterruptedException e) {
                graph.fail(new FastcopyException(FastcopyException.INTERRUPTED, phase + " interrupted"));
            } catch (RuntimeException | Error e) {
                // never die silently: whatever broke, even an OutOfMemoryError, the run must stop
                // and say so; the other workers and the caller wait on the graph, not on this thread
                graph.fail(new FastcopyException(FastcopyException.FAILED, phase + " worker " + index + " failed: " + e, e));
            } finally {
                RunRecorder.current().failed(); // a batch still open here did not commit
                state = State.STOPPED;
            }
        }

        private String label(List<TocEntry> entries) {
            String first = phase + ": " + entries.get(0).describe();
            return entries.size() == 1 ? first : first + " and " + (entries.size() - 1) + " more items";
        }
    }
}
