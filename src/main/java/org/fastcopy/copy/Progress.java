package org.fastcopy.copy;

import org.fastcopy.data.CopyProgress;
import org.fastcopy.data.CopyResult;
import org.fastcopy.data.CopyUnit;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.observe.ProgressRenderer;
import org.fastcopy.plan.CopyPlan;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.util.ByteSize;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what the data phase has moved and builds its progress line, which a {@link
 * ProgressRenderer} shows. Workers only add to counters (the reader's hot loop must not wait on
 * rendering); the renderer's thread reads them. The same events feed the run's {@link CopyMetrics}.
 */
final class Progress implements CopyProgress {
    private final long totalBytes;
    /** Rows to copy by the catalogue's reltuples, or -1 when a table was never analysed. */
    private final long totalRows;
    private final int totalUnits;
    private final long startNanos = System.nanoTime();
    private final LongAdder bytesDone = new LongAdder();
    private final LongAdder rowsDone = new LongAdder();
    /** The planned (on-disk) bytes of the units done, to learn how much a planned byte streams as. */
    private final LongAdder plannedDone = new LongAdder();
    private final AtomicLong unitsDone = new AtomicLong();
    private final long rowsFromLedger;
    /** Bytes and rows of the units in flight, by unit: written by each unit's reader thread only. */
    private final Map<CopyUnit, long[]> inFlight = new ConcurrentHashMap<>();
    private final Map<String, long[]> perTable = new ConcurrentHashMap<>();
    private final CopyMetrics metrics;
    /** A bar only where the line is redrawn in place: in a log file it would be noise. */
    private final boolean bar = ProgressRenderer.onTerminal();

    Progress(CopyPlan plan, Map<String, Long> doneUnits, CopyMetrics metrics) {
        this.metrics = metrics;
        long bytes = 0;
        long skippedBytes = 0;
        double rows = 0;
        boolean rowsKnown = true;
        for (PlannedUnit u : plan.units()) {
            if (doneUnits.containsKey(u.key())) {
                skippedBytes += u.estimatedBytes();
            } else if (u.table().rows() < 0) {
                rowsKnown = false;
            } else if (u.table().workBytes() > 0) {
                // a chunk's share of its table's rows, as of its share of the bytes
                rows += u.table().rows() * ((double) u.estimatedBytes() / u.table().workBytes());
            }
            bytes += u.estimatedBytes();
        }
        this.totalBytes = Math.max(1, bytes - skippedBytes);
        this.totalRows = rowsKnown ? Math.max(1, Math.round(rows)) : -1;
        this.totalUnits = plan.units().size() - doneUnits.size();
        this.rowsFromLedger = doneUnits.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Long> bytesByTable = new HashMap<>();
        plan.units().forEach(u -> bytesByTable.merge(u.table().displayName(), u.estimatedBytes(), Long::sum));
        metrics.planned(totalUnits, bytesByTable);
    }

    @Override
    public void onBytes(CopyUnit unit, long rows, long bytes) {
        long[] cur = inFlight.computeIfAbsent(unit, u -> new long[2]);
        // The streamed counter wants what is new since the last call; this thread alone writes cur.
        metrics.bytesStreamed(bytes - cur[1]);
        cur[0] = rows;
        cur[1] = bytes;
    }

    void unitStarted(PlannedUnit unit) {
        metrics.unitStarted();
    }

    /** The attempt's bytes stay streamed; the next attempt counts again from zero. */
    void unitRetried(PlannedUnit unit) {
        inFlight.remove(unit.unit());
        metrics.unitRetried();
    }

    void unitDone(PlannedUnit unit, CopyResult r) {
        inFlight.remove(unit.unit());
        metrics.unitDone(unit.table().displayName(), r);
        bytesDone.add(r.bytes());
        plannedDone.add(unit.estimatedBytes());
        rowsDone.add(r.rows());
        unitsDone.incrementAndGet();
        long[] t = perTable.computeIfAbsent(unit.table().displayName(), k -> new long[3]);
        synchronized (t) {
            t[0] += r.rows();
            t[1] += r.bytes();
            t[2] += r.nanos();
        }
    }

    long rowsFromLedger() {
        return rowsFromLedger;
    }

    /** Rows, bytes and summed copy time per table, largest first. */
    Map<String, long[]> perTable() {
        Map<String, long[]> out = new LinkedHashMap<>();
        perTable.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1]).reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue().clone()));
        return out;
    }

    String line() {
        long bytes = bytesDone.sum();
        long rows = rowsDone.sum();
        for (long[] f : inFlight.values()) {
            rows += f[0];
            bytes += f[1];
        }
        double secs = Math.max(0.001, (System.nanoTime() - startNanos) / 1e9);
        double rate = bytes / secs;
        double rowRate = rows / secs;
        // Percent and ETA go by rows when every table was analysed: the bytes on disk are TOAST
        // compressed and COPY streams them uncompressed, so bytes can run far past their estimate.
        // Without rows, the bytes still to come are the plan's, scaled by what the units done so
        // far streamed per planned byte (at scale 1 about twice: the bar sat at 99.9% for half the
        // data phase when it went by the plan alone).
        long expectedBytes = expectedBytes();
        double fraction = totalRows > 0 ? (double) rows / totalRows : (double) bytes / expectedBytes;
        double pct = unitsDone.get() >= totalUnits ? 100.0 : Math.min(99.9, 100.0 * fraction);
        String eta = "-";
        if (totalRows > 0 && rowRate > 0 && rows < totalRows) {
            eta = String.format(Locale.ROOT, "%.0f s", (totalRows - rows) / rowRate);
        } else if (totalRows <= 0 && rate > 0 && bytes < expectedBytes) {
            eta = String.format(Locale.ROOT, "%.0f s", (expectedBytes - bytes) / rate);
        }
        String done = totalRows > 0 ? String.format(Locale.ROOT, "%,d / ~%,d rows  %s", rows, totalRows,
                ByteSize.format(bytes)) : ByteSize.format(bytes) + " / ~" + ByteSize.format(expectedBytes);
        String figures = String.format(Locale.ROOT, "%5.1f%%  %s  %s/s  %,.0f rows/s  units %d/%d  ETA %s", pct, done,
                ByteSize.format((long) rate), rowRate, unitsDone.get(), totalUnits, eta);
        if (!bar) {
            return figures.strip();
        }
        int width = 30;
        int filled = (int) Math.round(pct / 100 * width);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + figures;
    }

    /** Bytes the whole data phase will stream, as the units done so far suggest. */
    long expectedBytes() {
        long planned = plannedDone.sum();
        long streamed = bytesDone.sum();
        if (planned <= 0 || streamed <= 0) {
            return totalBytes;
        }
        double perPlannedByte = (double) streamed / planned;
        return Math.max(1, streamed + Math.round(Math.max(0, totalBytes - planned) * perPlannedByte));
    }

    /** Starts rendering; closing it stops the renderer and prints the final line. */
    ProgressRenderer startReporter() {
        return ProgressRenderer.start("data", "progress", this::line);
    }
}
