package org.fastcopy.data;

import org.fastcopy.pg.SqlStates;

import java.sql.SQLException;

/**
 * Which failures are worth another try on fresh connections: the connection broke (class 08), the
 * server shut down or restarted under us (57P01-57P03), or it had no slot free (53300). Anything
 * else (a constraint, a type, a permission) would fail again the same way.
 */
public final class Transient {
    private Transient() {
    }

    public static boolean isTransient(String sqlState) {
        if (sqlState == null) {
            return false;
        }
        return SqlStates.isConnectionException(sqlState) || sqlState.equals(SqlStates.ADMIN_SHUTDOWN)
                || sqlState.equals(SqlStates.CRASH_SHUTDOWN) || sqlState.equals(SqlStates.CANNOT_CONNECT_NOW)
                || sqlState.equals(SqlStates.TOO_MANY_CONNECTIONS);
    }

    public static boolean isTransient(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CopyException ce && isTransient(ce.sqlState())) {
                return true;
            }
            if (c instanceof SQLException se && isTransient(se.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
