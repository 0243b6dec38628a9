package org.fastcopy.convert;

import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.work.Workers;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link ConvertStep#RANGES}: the run's unfinished test_run ranges and base tables on {@code --jobs}
 * {@link RangeWorker}s sharing one queue, on {@link Workers}. The base tables are the queue's first
 * item, one lane taken by one worker ({@link BaseTablesStep} says why), while the other workers
 * start on the ranges: the ids were fixed by {@link IdPlan}, so nothing waits for the base tables.
 * With one job the base lane simply comes first. The first failure stops the others
 * after their range in flight; an interrupt (a signal) cancels the ranges in flight and waits for
 * their rollback.
 */
final class RangesStep {
    private final ConvertContext ctx;

    RangesStep(ConvertContext ctx) {
        this.ctx = ctx;
    }

    /**
     * @param base    the unfinished base parts, in order
     * @param todo    the unfinished test_run ranges
     * @param seconds where each part converted here puts its time, by part key
     * @return the step's wall-clock seconds of the ranges (0 when no range was left to convert)
     */
    double run(ConvertLedger.Run run, SourceSnapshot snap, V3Session v3, IdMaps maps, List<ConvertLedger.Part> base,
               List<ConvertLedger.Part> todo, Map<String, Double> seconds) throws SQLException {
        if (todo.isEmpty() && base.isEmpty()) {
            return 0;
        }
        long t0 = System.nanoTime();
        // Which children hold rows of which range: each range then reads (and locks) only its own.
        List<RangePlanner.Week> spans = todo.isEmpty() ? List.of()
                : RangePlanner.spans(v3, TimeRange.runBounds(run.from(), run.to()));
        Queue<List<ConvertLedger.Part>> queue = new ConcurrentLinkedQueue<>();
        if (!base.isEmpty()) {
            queue.add(base);
        }
        todo.forEach(p -> queue.add(List.of(p)));
        RangeWorker.Shared shared = new RangeWorker.Shared(ctx, run, snap, queue, maps,
                Collections.synchronizedMap(new LinkedHashMap<>()), new AtomicInteger(), spans);
        int workers = Math.min(ctx.spec.jobs(), queue.size());
        List<RangeWorker> all = new ArrayList<>();
        Thread waiting = Thread.currentThread();
        try (ConvertProgress progress = new ConvertProgress(todo, ctx.meters)) {
            for (int i = 0; i < workers; i++) {
                all.add(new RangeWorker(i, shared, progress));
            }
            Workers.named("convert-worker", workers).interruptedMessage("convert interrupted")
                    // Run by the failing worker on a failure: the others see stopped() and end after
                    // the range in flight, as they always did. Run by this thread when it is
                    // interrupted: the ranges in flight are cancelled, since no interrupt reaches
                    // into a COPY, and each worker rolls its range back (its ledger mark with it).
                    .onStop(() -> {
                        if (Thread.currentThread() == waiting) {
                            all.forEach(RangeWorker::cancel);
                        }
                    })
                    .run(w -> all.get(w.index() - 1).work(w));
        } finally {
            seconds.putAll(shared.times());
        }
        return todo.isEmpty() ? 0 : (System.nanoTime() - t0) / 1e9;
    }
}
