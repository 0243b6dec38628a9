package org.fastcopy.convert;

import org.fastcopy.observe.ProgressRenderer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * test_run's progress, per range and overall, with rows/s and an ETA from the rows the plan
 * counted per range. Like the copy's progress: readers only add to counters (once per 64 KiB
 * buffer, not per row); the {@link ProgressRenderer} shows the line, every second on a terminal,
 * otherwise a log line every few seconds.
 */
final class ConvertProgress implements AutoCloseable {
    private final long expectedTotal;
    private final int ranges;
    private final long startNanos = System.nanoTime();
    private final LongAdder rowsDone = new LongAdder();
    private final AtomicInteger rangesDone = new AtomicInteger();
    /** Rows streamed so far by the ranges in flight, by range key; each written by its reader only. */
    private final Map<String, AtomicLong> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Long> expected = new LinkedHashMap<>();
    private final ConvertMeters meters;
    private final boolean terminal = ProgressRenderer.onTerminal();
    private final ProgressRenderer renderer;

    ConvertProgress(List<ConvertLedger.Part> todo, ConvertMeters meters) {
        this.meters = meters;
        long total = 0;
        for (ConvertLedger.Part p : todo) {
            long e = p.expected() == null ? 0 : p.expected();
            expected.put(p.key(), e);
            total += e;
        }
        this.expectedTotal = total;
        this.ranges = todo.size();
        meters.planned(ranges);
        renderer = ProgressRenderer.start("convert", "convert-progress", this::line);
    }

    /** The counter a range's reader feeds with the rows it has streamed since its last call. */
    LongConsumer rangeStarted(String key) {
        AtomicLong n = new AtomicLong();
        inFlight.put(key, n);
        return rows -> {
            n.addAndGet(rows);
            meters.streamed(rows);
        };
    }

    void rangeEnded(String key, long rows, boolean committed) {
        inFlight.remove(key);
        if (committed) {
            rowsDone.add(rows);
            rangesDone.incrementAndGet();
        }
    }

    String line() {
        long rows = rowsDone.sum();
        StringBuilder running = new StringBuilder();
        for (Map.Entry<String, AtomicLong> e : inFlight.entrySet()) {
            long n = e.getValue().get();
            rows += n;
            long exp = expected.getOrDefault(e.getKey(), 0L);
            running.append(String.format(Locale.ROOT, "%n    %s: %,d / %,d rows (%.0f%%)", e.getKey(), n, exp,
                    exp > 0 ? 100.0 * n / exp : 0));
        }
        double secs = Math.max(0.001, (System.nanoTime() - startNanos) / 1e9);
        double rate = rows / secs;
        double pct = expectedTotal > 0 ? Math.min(100.0, 100.0 * rows / expectedTotal) : 0;
        String eta = rate > 0 && rows < expectedTotal
                ? String.format(Locale.ROOT, "%.0f s", (expectedTotal - rows) / rate) : "-";
        return String.format(Locale.ROOT, "test_run %5.1f%%  %,d / %,d rows  %,.0f rows/s  ranges %d/%d done, %d running"
                + "  ETA %s", pct, rows, expectedTotal, rate, rangesDone.get(), ranges, inFlight.size(), eta)
                + (terminal ? "" : running.toString());
    }

    @Override
    public void close() {
        renderer.close();
    }
}
