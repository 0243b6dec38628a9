package org.fastcopy.data;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.SqlStates;

import java.sql.SQLException;

/**
 * A unit's copy failed. The message is one line: the unit, which side failed, how far the copy
 * got, how full the ring was, and the server's message; the {@link SQLException} stays the cause.
 * When this is thrown both COPYs are over and the writer thread has ended; both transactions are
 * failed and need a ROLLBACK, which their connections accept (unless the failure was the
 * connection itself).
 */
public class CopyException extends FastcopyException {
    /** Where the failure happened. */
    public enum Side { SOURCE, TARGET, LOCAL }

    private final transient CopyUnit unit;
    private final Side side;
    private final long rows;
    private final long bytes;
    private final int ringFill;
    private final int ringSize;

    CopyException(int exitCode, CopyUnit unit, Side side, long rows, long bytes, int ringFill, int ringSize,
                  String what, Throwable cause) {
        super(exitCode, unit.label() + ": " + what + " after " + rows + " rows, " + bytes + " bytes, ring "
                + ringFill + "/" + ringSize + (cause == null ? "" : ": " + ServerError.describeCopy(cause)), cause);
        this.unit = unit;
        this.side = side;
        this.rows = rows;
        this.bytes = bytes;
        this.ringFill = ringFill;
        this.ringSize = ringSize;
    }

    public CopyUnit unit() {
        return unit;
    }

    public Side side() {
        return side;
    }

    /** Rows read from the source before the failure. */
    public long rows() {
        return rows;
    }

    public long bytes() {
        return bytes;
    }

    /** Slots published but not yet written when the failure was seen. */
    public int ringFill() {
        return ringFill;
    }

    public int ringSize() {
        return ringSize;
    }

    /** The SQLState of the first SQLException in the cause chain, or null. */
    public String sqlState() {
        return SqlStates.of(getCause());
    }
}
