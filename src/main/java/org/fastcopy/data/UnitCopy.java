package org.fastcopy.data;

import org.fastcopy.FastcopyException;
import org.fastcopy.data.CopyException.Side;
import org.fastcopy.pg.CopyCancel;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * One run of one unit: start both COPYs, pump, and, whatever happened, end both COPYs and the
 * writer thread before returning. Used once, by the thread that called {@link StreamCopier#copy}.
 *
 * <p>Order matters. The target COPY starts first: it fails fast on a missing table or column, and
 * cancelling it (CopyFail) is cheaper than cancelling a source stream. On the way out the writer is
 * halted before the source is drained, so it stops sending while the drain runs, and joined last.
 */
final class UnitCopy {
    private static final Logger log = LoggerFactory.getLogger(UnitCopy.class);

    private final CopyUnit unit;
    private final Connection source;
    private final Connection target;
    private final CopyFormat format;
    private final boolean freeze;
    private final CopyBuffer[] slots;
    private final String writerName;
    private final CopyProgress progress;
    private final int progressEvery;
    private final EncodingErrors encodingErrors;

    private CopyIn copyIn;
    private CopyOut copyOut;
    private CopyWriter writer;
    private CopyRing ring;
    private CopyReader reader;
    private final List<Throwable> cleanupFailures = new ArrayList<>();

    UnitCopy(CopyUnit unit, Connection source, Connection target, CopyFormat format, boolean freeze,
             CopyBuffer[] slots, String writerName, CopyProgress progress, int progressEvery,
             EncodingErrors encodingErrors) {
        this.encodingErrors = encodingErrors;
        this.unit = unit;
        this.source = source;
        this.target = target;
        this.format = format;
        this.freeze = freeze;
        this.slots = slots;
        this.writerName = writerName;
        this.progress = progress;
        this.progressEvery = progressEvery;
    }

    CopyResult run() {
        long started = System.nanoTime();
        try {
            copyIn = target.unwrap(PGConnection.class).getCopyAPI().copyIn(CopySql.copyIn(unit, format, freeze));
        } catch (SQLException e) {
            throw failure(FastcopyException.FAILED, Side.TARGET, "target COPY did not start", e, 0);
        }
        boolean complete = false;
        boolean interrupted = false;
        SQLException sourceFailure = null;
        Throwable localFailure = null;
        int fillAtEnd = 0;
        try {
            boolean checkUtf8 = encodingErrors != null && format == CopyFormat.TEXT;
            // The check exists for SQL_ASCII sources, whose bytes must come out unconverted.
            copyOut = source.unwrap(PGConnection.class).getCopyAPI().copyOut(CopySql.copyOut(unit, format, checkUtf8 ? "SQL_ASCII" : null));
            writer = new CopyWriter(copyIn);
            ring = CopyRing.start(slots, writer, writerName);
            reader = new CopyReader(unit, copyOut, ring, progress, progressEvery,
                    checkUtf8 ? new Utf8Rows(encodingErrors) : null);
            if (reader.pump()) {
                ring.awaitWriter();
                complete = true;
            }
        } catch (SQLException e) {
            sourceFailure = e;
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (RuntimeException | Error e) {
            localFailure = e;
        } finally {
            fillAtEnd = ring == null ? 0 : ring.fill();
            interrupted |= endAll(!complete);
        }

        if (interrupted) {
            Thread.currentThread().interrupt();
            throw failure(FastcopyException.INTERRUPTED, Side.LOCAL, "interrupted", null, fillAtEnd);
        }
        if (sourceFailure != null) {
            String what = copyOut == null ? "source COPY did not start" : "source COPY failed";
            throw failure(FastcopyException.FAILED, Side.SOURCE, what, sourceFailure, fillAtEnd);
        }
        if (localFailure instanceof InvalidEncodingException e) {
            // Already one line naming the table and the count; ring and server state add nothing.
            cleanupFailures.forEach(e::addSuppressed);
            throw e;
        }
        if (localFailure instanceof Error e) {
            cleanupFailures.forEach(e::addSuppressed);
            throw e;
        }
        if (localFailure != null) {
            throw failure(FastcopyException.FAILED, Side.LOCAL, "copy failed", localFailure, fillAtEnd);
        }
        if (writer.state() != CopyWriter.State.DONE) {
            throw failure(FastcopyException.FAILED, Side.TARGET, "target COPY failed", writer.failure(), fillAtEnd);
        }
        CopyResult result = new CopyResult(unit, format, writer.rows(), copyOut.getHandledRowCount(),
                reader.bytes(), ring.maxFill(), ring.fullNanos(), System.nanoTime() - started, reader.invalidRows());
        if (log.isDebugEnabled()) {
            log.debug("{}: {} rows, {} bytes in {} ms ({} MB/s, {}), ring max {}/{}, full {} ms", unit.label(),
                    result.rows(), result.bytes(), result.nanos() / 1_000_000,
                    String.format("%.1f", result.megabytesPerSecond()), format, result.maxRingFill(), ring.size(),
                    result.ringFullNanos() / 1_000_000);
        }
        return result;
    }

    /**
     * Ends whatever is still running: the writer (halted when {@code aborting}), the source COPY,
     * the writer thread, and a target COPY the writer never got to own. Never throws; failures of
     * the cleanup itself are kept for the exception. Returns whether an interrupt arrived while
     * waiting for the writer (the flag itself is cleared here and raised again by the caller).
     */
    private boolean endAll(boolean aborting) {
        if (ring != null && aborting) {
            ring.halt();
        }
        keep(CopyCancel.cancel(copyOut, source));
        boolean interrupted = false;
        if (ring != null) {
            ring.join(target, aborting);
            interrupted = Thread.interrupted();
            keep(writer.cleanupFailure());
        }
        // Only reached with a live COPY when the writer thread never started: it is ours again.
        keep(CopyCancel.cancel(copyIn));
        return interrupted;
    }

    private void keep(Throwable t) {
        if (t != null) {
            cleanupFailures.add(t);
        }
    }

    private CopyException failure(int exitCode, Side side, String what, Throwable cause, int fill) {
        long rows = reader == null ? 0 : reader.rows();
        long bytes = reader == null ? 0 : reader.bytes();
        CopyException e = new CopyException(exitCode, unit, side, rows, bytes, fill, slots.length, what, cause);
        if (writer != null && writer.failure() != null && writer.failure() != cause) {
            e.addSuppressed(writer.failure()); // both sides failed on their own: keep the second too
        }
        cleanupFailures.forEach(e::addSuppressed);
        return e;
    }
}
