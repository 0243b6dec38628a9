package org.fastcopy.pg;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOperation;
import org.postgresql.copy.CopyOut;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Ends an active COPY so the connection stays usable, returning (never throwing) a failure of the
 * cancel itself. An open COPY keeps the connection busy and its table locked, so every path that
 * starts one ends it in a finally: through {@link CopyGuard} (try-with-resources, which adds a
 * cancel failure to the body's error as suppressed) or through these methods where the caller
 * collects failures itself.
 */
public final class CopyCancel {
    private CopyCancel() {
    }

    /**
     * Ends an active COPY FROM STDIN: CopyFail, then PgJDBC reads up to ReadyForQuery, so the
     * connection takes the ROLLBACK next. Works after the server has already failed the COPY too:
     * the server ignores CopyFail outside COPY, and the error it sent earlier is the one PgJDBC
     * expects. Returns a failure of the cancel itself, or null.
     */
    public static SQLException cancel(CopyIn in) {
        if (in == null || !in.isActive()) {
            return null;
        }
        try {
            in.cancelCopy();
            return null;
        } catch (SQLException e) {
            return e;
        }
    }

    /**
     * Ends an active COPY TO STDOUT early. Not {@code CopyOut.cancelCopy()} alone: in PgJDBC
     * 42.7 that only sends a cancel request and releases the connection with the rest of the
     * stream (CopyData, the error, ReadyForQuery) unread, and the next statement then trips over
     * it (pgjdbc pull request 4027). So: request the cancel, then read and discard until the
     * server ends the COPY; the query_canceled error that ends it is the expected outcome.
     * The cancel request goes over its own socket, so PostgreSQL ignores it if the COPY has
     * ended meanwhile and the backend waits for a command. Returns an unexpected failure, or null.
     */
    public static SQLException cancel(CopyOut out, Connection connection) {
        if (out == null || !out.isActive()) {
            return null;
        }
        try {
            connection.unwrap(PGConnection.class).cancelQuery();
        } catch (SQLException e) {
            // Without a cancel the drain would read the rest of the table; give the stream up
            // instead. The connection is then unusable, which the caller learns from the
            // returned failure and the next statement.
            return release(out, e);
        }
        SQLException unexpected = null;
        try {
            while (out.readFromCopy() != null) {
                // discard what was in flight when the cancel landed
            }
        } catch (SQLException e) {
            if (!SqlStates.QUERY_CANCELED.equals(e.getSQLState())) {
                unexpected = e;
            }
        }
        return release(out, unexpected);
    }

    /** Either direction; a CopyOut needs its connection for the cancel request. */
    public static SQLException cancel(CopyOperation op, Connection connection) {
        if (op instanceof CopyOut out) {
            return cancel(out, connection);
        }
        if (op instanceof CopyIn in) {
            return cancel(in);
        }
        return op == null ? null : release(op, null);
    }

    /** Last resort after a broken drain: releases PgJDBC's lock so the connection can be closed. */
    private static SQLException release(CopyOperation op, SQLException failure) {
        if (op.isActive()) {
            try {
                op.cancelCopy();
            } catch (SQLException e) {
                if (failure == null) {
                    return e;
                }
                failure.addSuppressed(e);
            }
        }
        return failure;
    }
}
