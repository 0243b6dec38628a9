package org.fastcopy.data;

/**
 * Progress of one unit, reported by the thread that reads the source, between buffers: at most
 * every {@link CopySettings#progressEvery()} published buffers, and once at the end of the stream.
 *
 * <p>Hazard: the call sits in the copy's hot loop and holds up the source while it runs, so it must
 * be cheap and never block (update a counter or a gauge; let another thread render). An exception
 * thrown from it aborts the copy.
 */
@FunctionalInterface
public interface CopyProgress {
    CopyProgress NONE = (unit, rows, bytes) -> {
    };

    /**
     * @param rows  rows read so far (in BINARY format the trailer counts as one more row)
     * @param bytes bytes read so far, as on the wire
     */
    void onBytes(CopyUnit unit, long rows, long bytes);
}
