package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;

import org.fastcopy.pg.Databases;
import org.fastcopy.pg.Scalar;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.SqlStates;
import org.fastcopy.pg.UserRelations;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

/** The few catalogue questions and admin statements the phases ask of a server, each one checked call. */
final class Servers {
    static final String APP = "fastcopy-migrate";

    private final Connections connections;

    Servers(Connections connections) {
        this.connections = connections;
    }

    Connection open(Endpoint server, String db) {
        return connections.open(server.withDatabase(db), APP);
    }

    /** Connects to the server's maintenance database: it answers, or a one-line exit-3 error names it. */
    void ping(Endpoint server) {
        try (Connection c = open(server, Databases.MAINTENANCE_DB); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.CONNECTION, server + " does not answer: " + ServerError.describe(e), e);
        }
    }

    /** pg_database_size, or -1 when the database does not exist. */
    long size(Endpoint server, String db) {
        return maintenance(server, c -> Databases.size(c, db));
    }

    /** The database's oid, or -1: a dropped and re-created database gets a new one. */
    long oid(Endpoint server, String db) {
        return maintenance(server, c -> Databases.oid(c, db));
    }

    /**
     * DROP DATABASE IF EXISTS, refused while other sessions are connected: on flux1 and flux2 those
     * are the service's or a DBA's, and ending them is the operator's call, not ours.
     */
    void drop(Endpoint server, String db) {
        try (Connection c = open(server, Databases.MAINTENANCE_DB)) {
            Databases.drop(c, db, Databases.OtherSessions.REFUSE);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not drop " + db + " on " + server + ": "
                    + ServerError.describe(e) + (SqlStates.OBJECT_IN_USE.equals(e.getSQLState())
                    ? " (is a session still connected to it?)" : ""), e);
        }
    }

    /**
     * Exact row counts of every table of a database, each table counted alone (ONLY), keyed by
     * schema.table. The system schemas are left out; fastcopy's and convert's ledgers are not.
     */
    Map<String, Long> rowCounts(Endpoint server, String db) {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection c = open(server, db)) {
            for (UserRelations.Relation t : UserRelations.tables(c)) {
                counts.put(t.toString(), Scalar.longValue(c, "SELECT count(*) FROM ONLY " + t.qualifiedName()));
            }
            return counts;
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not count the rows of " + db + " on " + server
                    + ": " + ServerError.describe(e), e);
        }
    }

    long scalar(Endpoint server, String db, String sql) {
        return query(server, db, c -> Scalar.longValue(c, sql));
    }

    /** A single text value (null when SQL NULL). */
    String text(Endpoint server, String db, String sql) {
        return query(server, db, c -> Scalar.text(c, sql));
    }

    /** One question on a connection of its own to {@code db}. */
    <T> T query(Endpoint server, String db, Question<T> question) {
        try (Connection c = open(server, db)) {
            return question.ask(c);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "query on " + db + " at " + server + " failed: "
                    + ServerError.describe(e), e);
        }
    }

    private <T> T maintenance(Endpoint server, Question<T> question) {
        return query(server, Databases.MAINTENANCE_DB, question);
    }

    /** A catalogue question asked on one connection. */
    @FunctionalInterface
    interface Question<T> {
        T ask(Connection c) throws SQLException;
    }
}
