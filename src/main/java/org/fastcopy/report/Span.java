package org.fastcopy.report;

/**
 * One bar of a timeline: what one worker (a thread, so one connection or a pair of them) did from
 * {@code startNanos} to {@code endNanos}, both on the recorder's clock (nanoseconds since the run
 * started). A span may stand for several units of work once the recorder has merged neighbours to
 * stay within its memory bound ({@link #count()} &gt; 1).
 *
 * @param lane   the worker's thread name, e.g. {@code copy-worker-3}, {@code fastcopy-post-data-1}
 * @param kind   what the worker did
 * @param label  the unit, batch or range; for a merged span, the first one's
 * @param count  units of work this bar stands for (1 unless merged)
 * @param rows   rows moved (0 for DDL)
 * @param bytes  bytes streamed (0 when not known)
 * @param status how it ended
 */
public record Span(String lane, Kind kind, String label, long startNanos, long endNanos, int count, long rows,
                   long bytes, Status status) {

    /** What kind of work a span is; each is drawn in its own colour. */
    public enum Kind {
        /** A table COPY unit (a table or a ctid chunk of one). */
        UNIT("table COPY unit"),
        /** A batch of schema items (pre-data or post-data) in one transaction. */
        DDL("DDL batch"),
        /** A convert test_run date range. */
        RANGE("convert range"),
        /** A convert base table (submit, mpi_install, test_build), one transaction each. */
        BASE_TABLE("convert base table");

        public final String title;

        Kind(String title) {
            this.title = title;
        }
    }

    /** How a span ended. */
    public enum Status {
        OK,
        /** The attempt failed (a retried unit, a failed batch). */
        FAILED,
        /** Still running when the run ended (a failed run's work in flight). */
        UNFINISHED
    }

    public long nanos() {
        return endNanos - startNanos;
    }

    /** The two spans as one bar: the same lane, kind and status, from the first start to the last end. */
    Span mergedWith(Span next) {
        return new Span(lane, kind, label, startNanos, Math.max(endNanos, next.endNanos), count + next.count, rows + next.rows,
                bytes + next.bytes, status);
    }
}
