package org.fastcopy.data;

import org.postgresql.copy.CopyOut;

import java.sql.SQLException;

/**
 * The producer end of a ring, on the calling thread: reads the source's COPY TO STDOUT one row
 * at a time (PgJDBC hands each CopyData message over as its own array) and packs the rows into
 * slots, publishing each slot when it is full and the last, partial one with the end flag.
 * A full ring blocks it, so a slow target slows its reader down and memory stays bounded.
 */
final class CopyReader {
    private final CopyUnit unit;
    private final CopyOut source;
    private final CopyRing ring;
    private final CopyProgress progress;
    private final int progressEvery;
    /** Null when the bytes need no check (the servers convert, or nothing needs converting). */
    private final Utf8Rows utf8;
    private long rows;
    private long bytes;
    private int sinceProgress;

    CopyReader(CopyUnit unit, CopyOut source, CopyRing ring, CopyProgress progress, int progressEvery, Utf8Rows utf8) {
        this.unit = unit;
        this.utf8 = utf8;
        this.source = source;
        this.ring = ring;
        this.progress = progress;
        this.progressEvery = progressEvery;
    }

    /**
     * Streams the whole source into the ring. Returns true once the last slot is published, false
     * as soon as the writer has stopped (it failed; the source COPY is then still active).
     * Checks for interrupts between rows. With a {@link Utf8Rows} each row (text COPY sends one per
     * message) is checked first; under FAIL the rest of the stream is read and counted but not
     * sent, and the end throws {@link InvalidEncodingException} instead of publishing the last slot.
     */
    boolean pump() throws SQLException, InterruptedException {
        CopyBuffer slot = null;
        byte[] row;
        while ((row = source.readFromCopy()) != null) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while reading the source");
            }
            rows++;
            bytes += row.length;
            if (utf8 != null && (row = utf8.filter(row)) == null) {
                continue;
            }
            int off = 0;
            while (off < row.length) {
                if (slot == null && (slot = ring.claim()) == null) {
                    return false;
                }
                off += slot.append(row, off, row.length - off);
                if (slot.isFull()) {
                    slot = null;
                    if (!publish()) {
                        return false;
                    }
                }
            }
        }
        if (utf8 != null && utf8.policy() == EncodingErrors.FAIL && utf8.invalidRows() > 0) {
            throw new InvalidEncodingException(unit, utf8.invalidRows(), rows);
        }
        if (slot == null && (slot = ring.claim()) == null) {
            return false;
        }
        slot.last = true;
        ring.publish();
        progress.onBytes(unit, rows, bytes);
        return true;
    }

    private boolean publish() {
        ring.publish();
        if (++sinceProgress == progressEvery) {
            sinceProgress = 0;
            progress.onBytes(unit, rows, bytes);
        }
        return !ring.writerStopped();
    }

    /** COPY data messages read so far: rows, plus the trailer in BINARY format. */
    long rows() {
        return rows;
    }

    long bytes() {
        return bytes;
    }

    /** Rows the policy replaced or skipped (0 without a check). */
    long invalidRows() {
        return utf8 == null ? 0 : utf8.invalidRows();
    }
}
