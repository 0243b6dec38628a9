package org.fastcopy.data;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.postgresql.util.ServerErrorMessage;

import java.sql.Connection;
import java.sql.SQLException;

/** PgJDBC COPY plumbing: starting, cancelling so the connection stays usable, and messages. */
final class PgCopy {
    private static final int MAX_WHERE = 200;

    private PgCopy() {
    }

    static CopyManager manager(Connection c) throws SQLException {
        return c.unwrap(PGConnection.class).getCopyAPI();
    }

    /**
     * Ends an active COPY FROM STDIN: CopyFail, then PgJDBC reads up to ReadyForQuery, so the
     * connection takes the ROLLBACK next. Works after the server has already failed the COPY too:
     * the server ignores CopyFail outside COPY, and the error it sent earlier is the one PgJDBC
     * expects. Returns a failure of the cancel itself, or null.
     */
    static SQLException cancel(CopyIn in) {
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
    static SQLException cancel(CopyOut out, Connection connection) {
        if (out == null || !out.isActive()) {
            return null;
        }
        try {
            connection.unwrap(PGConnection.class).cancelQuery();
        } catch (SQLException e) {
            // Without a cancel the drain would read the rest of the table; give the stream up
            // instead. The connection is then unusable, which the caller learns from the
            // suppressed failure and the next statement.
            return release(out, e);
        }
        SQLException unexpected = null;
        try {
            while (out.readFromCopy() != null) {
                // discard what was in flight when the cancel landed
            }
        } catch (SQLException e) {
            if (!PSQLState.QUERY_CANCELED.getState().equals(e.getSQLState())) {
                unexpected = e;
            }
        }
        return release(out, unexpected);
    }

    /** Last resort after a broken drain: releases PgJDBC's lock so the connection can be closed. */
    private static SQLException release(CopyOut out, SQLException failure) {
        if (out.isActive()) {
            try {
                out.cancelCopy();
            } catch (SQLException e) {
                if (failure == null) {
                    return e;
                }
                failure.addSuppressed(e);
            }
        }
        return failure;
    }

    /**
     * The server's message on one line: primary text, the COPY context line (which names the input
     * line and column), SQLState. Detail and the full context stay in the exception.
     */
    static String oneLine(Throwable t) {
        if (t instanceof PSQLException p && p.getServerErrorMessage() != null) {
            ServerErrorMessage m = p.getServerErrorMessage();
            StringBuilder sb = new StringBuilder();
            sb.append(m.getSeverity() == null ? "ERROR" : m.getSeverity()).append(": ").append(firstLine(m.getMessage()));
            String where = copyContext(m.getWhere());
            if (where != null) {
                sb.append(" (").append(where).append(')');
            }
            return sb.append(" [SQLState ").append(p.getSQLState()).append(']').toString();
        }
        if (t instanceof SQLException e) {
            return firstLine(e.getMessage()) + " [SQLState " + e.getSQLState() + "]";
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + firstLine(t.getMessage()));
    }

    /** The "COPY t, line 5, column c: ..." line of a context stack, else its first line, shortened. */
    private static String copyContext(String where) {
        if (where == null || where.isBlank()) {
            return null;
        }
        String pick = where.lines().filter(l -> l.startsWith("COPY ")).findFirst().orElse(firstLine(where));
        return pick.length() <= MAX_WHERE ? pick : pick.substring(0, MAX_WHERE) + "...";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
