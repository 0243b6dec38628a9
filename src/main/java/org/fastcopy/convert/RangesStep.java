package org.fastcopy.convert;

import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.work.Workers;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link ConvertStep#RANGES}: the run's unfinished test_run ranges on {@code --jobs}
 * {@link RangeWorker}s sharing one queue, on {@link Workers}. The first failure stops the others
 * after their range in flight; an interrupt (a signal) cancels the ranges in flight and waits for
 * their rollback.
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
        return (System.nanoTime() - t0) / 1e9;
    }
}
