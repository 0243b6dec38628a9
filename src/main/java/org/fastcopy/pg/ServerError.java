package org.fastcopy.pg;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.sql.SQLException;

/**
 * The one way a server error reads in fastcopy's messages: the server's primary text on one line,
 * then the SQLSTATE as {@code (SQLSTATE 42601)}, PostgreSQL's own spelling. Detail, hint and the
 * full context stay in the exception, which callers keep as the cause; a COPY error adds its
 * context line, since that names the input line and column.
 */
public final class ServerError {
    private static final int MAX_WHERE = 200;

    private ServerError() {
    }

    /** {@code primary message (SQLSTATE xxxxx)}; without the suffix when there is no SQLSTATE. */
    public static String describe(SQLException e) {
        String text = e.getMessage();
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null
                && p.getServerErrorMessage().getMessage() != null) {
            text = p.getServerErrorMessage().getMessage();
        }
        return oneLine(text) + sqlState(e);
    }

    /** {@link #describe(SQLException)} for an SQLException, else the class name and first line. */
    public static String describe(Throwable t) {
        if (t instanceof SQLException e) {
            return describe(e);
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + firstLine(t.getMessage()));
    }

    /**
     * As {@link #describe(Throwable)}, with the COPY context line ("COPY t, line 5, column c: ...")
     * between text and SQLSTATE when the server sent one.
     */
    public static String describeCopy(Throwable t) {
        if (t instanceof PSQLException p && p.getServerErrorMessage() != null) {
            ServerErrorMessage m = p.getServerErrorMessage();
            String text = oneLine(m.getMessage() == null ? p.getMessage() : m.getMessage());
            String where = copyContext(m.getWhere());
            return text + (where == null ? "" : " (" + where + ")") + sqlState(p);
        }
        return describe(t);
    }

    /** {@code " (SQLSTATE xxxxx)"}, or "" when the exception has none: for text built elsewhere. */
    public static String sqlState(SQLException e) {
        return e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")";
    }

    private static String copyContext(String where) {
        if (where == null || where.isBlank()) {
            return null;
        }
        String pick = where.lines().filter(l -> l.startsWith("COPY ")).findFirst().orElse(firstLine(where));
        return pick.length() <= MAX_WHERE ? pick : pick.substring(0, MAX_WHERE) + "...";
    }

    private static String oneLine(String s) {
        return String.valueOf(s).replaceAll("\\s*\\R\\s*", " ").trim();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
