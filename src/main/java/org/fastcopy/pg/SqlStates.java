package org.fastcopy.pg;

import org.postgresql.util.PSQLState;

import java.sql.SQLException;

/**
 * The SQLSTATEs fastcopy decides on, by name (PostgreSQL's condition names, appendix A of its
 * manual). Where PgJDBC's {@link PSQLState} has the condition, the value comes from there, so the
 * two cannot drift; the rest are written out once here. These are not compile-time constants, so
 * a decision on several of them is an if chain, not a switch.
 */
public final class SqlStates {
    /** Class 08, connection exception: the connection broke or could not be made. */
    public static final String CONNECTION_EXCEPTION_CLASS = "08";
    /** 08004: the server (or the driver on its behalf, e.g. "no password was provided") refused. */
    public static final String CONNECTION_REJECTED = PSQLState.CONNECTION_REJECTED.getState();
    /** 28000: pg_hba.conf refused, or the role does not exist. */
    public static final String INVALID_AUTHORIZATION_SPECIFICATION = PSQLState.INVALID_AUTHORIZATION_SPECIFICATION.getState();
    /** 28P01. */
    public static final String INVALID_PASSWORD = PSQLState.INVALID_PASSWORD.getState();
    /** 3D000: the database does not exist. */
    public static final String INVALID_CATALOG_NAME = "3D000";
    /** 3F000: the schema does not exist. */
    public static final String INVALID_SCHEMA_NAME = "3F000";
    /** 40001. */
    public static final String SERIALIZATION_FAILURE = PSQLState.SERIALIZATION_FAILURE.getState();
    /** 40P01. */
    public static final String DEADLOCK_DETECTED = PSQLState.DEADLOCK_DETECTED.getState();
    /** 42P01: relation does not exist. */
    public static final String UNDEFINED_TABLE = PSQLState.UNDEFINED_TABLE.getState();
    /** 42704: e.g. a role named by ALTER ... OWNER TO does not exist. */
    public static final String UNDEFINED_OBJECT = PSQLState.UNDEFINED_OBJECT.getState();
    /** 53200: out of memory, also "out of shared memory" when the lock table is full. */
    public static final String OUT_OF_MEMORY = PSQLState.OUT_OF_MEMORY.getState();
    /** 53300: no free connection slot. */
    public static final String TOO_MANY_CONNECTIONS = "53300";
    /** 55000: e.g. a materialized view that has not been populated. */
    public static final String OBJECT_NOT_IN_STATE = PSQLState.OBJECT_NOT_IN_STATE.getState();
    /** 55006: e.g. DROP DATABASE while other sessions are connected to it. */
    public static final String OBJECT_IN_USE = PSQLState.OBJECT_IN_USE.getState();
    /** 55P03: a lock wait cut short by lock_timeout (or NOWAIT). */
    public static final String LOCK_NOT_AVAILABLE = "55P03";
    /** 57014: a statement cancelled, by a cancel request or statement_timeout. */
    public static final String QUERY_CANCELED = PSQLState.QUERY_CANCELED.getState();
    /** 57P01: the backend was terminated (pg_terminate_backend, fast shutdown). */
    public static final String ADMIN_SHUTDOWN = "57P01";
    /** 57P02: another backend crashed and the server reinitialises. */
    public static final String CRASH_SHUTDOWN = "57P02";
    /** 57P03: the server is starting up or shutting down. */
    public static final String CANNOT_CONNECT_NOW = "57P03";

    private SqlStates() {
    }

    /** The SQLSTATE of the first SQLException in the cause chain that has one, or null. */
    public static String of(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException e && e.getSQLState() != null) {
                return e.getSQLState();
            }
        }
        return null;
    }

    /** Whether any SQLException in the cause chain carries {@code state}. */
    public static boolean has(Throwable t, String state) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException e && state.equals(e.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code state} is in class 08, connection exception. */
    public static boolean isConnectionException(String state) {
        return state != null && state.startsWith(CONNECTION_EXCEPTION_CLASS);
    }
}
