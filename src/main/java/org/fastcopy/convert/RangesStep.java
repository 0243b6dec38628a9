package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.snapshot.SourceSnapshot;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link ConvertStep#RANGES}: the run's unfinished test_run ranges on {@code --jobs}
 * {@link RangeWorker}s sharing one queue. The first failure halts the others after their range in
 * flight; an interrupt (a signal) cancels the ranges in flight and waits for their rollback.
 */
final class RangesStep {
    private final ConvertContext ctx;

    RangesStep(ConvertContext ctx) {
        this.ctx = ctx;
    }

    /**
     * @param seconds where each range converted here puts its time, by part key
     * @return the step's wall-clock seconds (0 when no range was left to convert)
     */
    double run(ConvertLedger.Run run, SourceSnapshot snap, V3Session v3, IdMaps maps, List<ConvertLedger.Part> todo,
               Map<String, Double> seconds) throws SQLException {
        if (todo.isEmpty()) {
            return 0;
        }
        long t0 = System.nanoTime();
        // Which children hold rows of which range: each range then reads (and locks) only its own.
        List<RangePlanner.Week> spans = RangePlanner.spans(v3, TimeRange.runBounds(run.from(), run.to()));
        RangeWorker.Shared shared = new RangeWorker.Shared(ctx, run, snap, new ConcurrentLinkedQueue<>(todo), maps,
                Collections.synchronizedMap(new LinkedHashMap<>()), new AtomicInteger(), spans);
        int workers = Math.min(ctx.spec.jobs(), todo.size());
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> new Thread(r, "convert-worker"));
        try (ConvertProgress progress = new ConvertProgress(todo, ctx.meters)) {
            List<RangeWorker> all = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                all.add(new RangeWorker(i, shared, progress, all));
            }
            List<Future<?>> futures = new ArrayList<>();
            for (RangeWorker w : all) {
                futures.add(pool.submit(w::work));
            }
            await(futures, all, pool);
        } finally {
            pool.shutdownNow();
            seconds.putAll(shared.times());
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Waits for every worker; rethrows the first failure once all have stopped. */
    private static void await(List<Future<?>> futures, List<RangeWorker> all, ExecutorService pool) {
        Throwable first = null;
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                first = first == null ? e.getCause() : first;
            } catch (InterruptedException e) {
                interrupted(all, pool);
            }
        }
        if (first != null) {
            throw first instanceof FastcopyException fe ? fe
                    : new FastcopyException(FastcopyException.FAILED, first.getMessage(), first);
        }
    }

    private static void interrupted(List<RangeWorker> all, ExecutorService pool) {
        all.forEach(RangeWorker::cancel);
        // Interrupted, each worker rolls back its range (the ledger mark goes with it); wait for
        // that, so the flat side holds no transaction of ours at exit.
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException again) {
            // stop waiting; the caller is leaving anyway
        }
        Thread.currentThread().interrupt();
        throw new FastcopyException(FastcopyException.INTERRUPTED, "convert interrupted");
    }
}
