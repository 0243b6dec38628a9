package org.fastcopy.report;

/**
 * Rows and bytes committed over time, in a fixed number of buckets: when a run outlasts them, the
 * bucket width doubles and neighbours are added together, so memory stays the same for a minute
 * and for a day. A unit's rows and bytes are spread evenly over its span, which is what a reader
 * of the chart expects of a unit that streamed for its whole duration.
 */
final class Throughput {
    static final int BUCKETS = 240;
    private static final long FIRST_WIDTH_NANOS = 250_000_000L;

    private final double[] rows = new double[BUCKETS];
    private final double[] bytes = new double[BUCKETS];
    private long widthNanos = FIRST_WIDTH_NANOS;

    /** Adds what a span moved between {@code start} and {@code end} (run nanos). Not thread-safe. */
    void add(long start, long end, long spanRows, long spanBytes) {
        if (spanRows <= 0 && spanBytes <= 0) {
            return;
        }
        while (end >= widthNanos * BUCKETS) {
            coarsen();
        }
        long length = Math.max(1, end - start);
        for (int b = (int) (start / widthNanos); b <= end / widthNanos && b < BUCKETS; b++) {
            long from = Math.max(start, b * widthNanos);
            long to = Math.min(end, (b + 1) * widthNanos);
            double share = end == start ? 1.0 : Math.max(0, to - from) / (double) length;
            rows[b] += spanRows * share;
            bytes[b] += spanBytes * share;
        }
    }

    private void coarsen() {
        for (int i = 0; i < BUCKETS / 2; i++) {
            rows[i] = rows[2 * i] + rows[2 * i + 1];
            bytes[i] = bytes[2 * i] + bytes[2 * i + 1];
        }
        java.util.Arrays.fill(rows, BUCKETS / 2, BUCKETS, 0);
        java.util.Arrays.fill(bytes, BUCKETS / 2, BUCKETS, 0);
        widthNanos *= 2;
    }

    /** The buckets up to {@code untilNanos}, as rates per second. */
    RunRecord.Rates rates(long untilNanos) {
        int n = (int) Math.min(BUCKETS, untilNanos / widthNanos + 1);
        double[] r = new double[n];
        double[] b = new double[n];
        double seconds = widthNanos / 1e9;
        for (int i = 0; i < n; i++) {
            r[i] = rows[i] / seconds;
            b[i] = bytes[i] / seconds;
        }
        return new RunRecord.Rates(widthNanos, r, b);
    }
}
