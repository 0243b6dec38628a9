package org.fastcopy.data;

/**
 * What one unit's copy did.
 *
 * @param unit          the unit
 * @param format        the wire format used
 * @param rows          rows the target loaded (its "COPY n")
 * @param sourceRows    rows the source sent (its "COPY n"); differs from {@code rows} only when a
 *                      target trigger dropped or added rows, which a caller should treat as a failure
 * @param bytes         bytes streamed
 * @param maxRingFill   most slots in flight at once; equal to the ring size means the reader
 *                      waited for the writer at least once
 * @param ringFullNanos time the reader waited for a free slot: the share of the copy in which the
 *                      target, not the source, set the pace
 * @param nanos         wall time of the copy
 * @param invalidRows   source rows that were not valid UTF-8 and were replaced or skipped under
 *                      {@link EncodingErrors} (skipped ones are in {@code sourceRows}, not in {@code rows})
 */
public record CopyResult(CopyUnit unit, CopyFormat format, long rows, long sourceRows, long bytes,
                         int maxRingFill, long ringFullNanos, long nanos, long invalidRows) {

    public CopyResult(CopyUnit unit, CopyFormat format, long rows, long sourceRows, long bytes,
                      int maxRingFill, long ringFullNanos, long nanos) {
        this(unit, format, rows, sourceRows, bytes, maxRingFill, ringFullNanos, nanos, 0);
    }

    /** Rows the source sent that were meant to reach the target: all but the skipped ones. */
    public long expectedRows(EncodingErrors policy) {
        return policy == EncodingErrors.SKIP ? sourceRows - invalidRows : sourceRows;
    }

    /** Throughput in MB/s (10^6 bytes). */
    public double megabytesPerSecond() {
        return nanos == 0 ? 0 : bytes / 1e6 / (nanos / 1e9);
    }
}
