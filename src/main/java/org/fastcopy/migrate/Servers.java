package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;
import static org.fastcopy.util.Sql.qualified;

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
        try (Connection c = open(server, "postgres"); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.CONNECTION, server + " does not answer: " + e.getMessage(), e);
        }
    }

    /** pg_database_size, or -1 when the database does not exist. */
    long size(Endpoint server, String db) {
        return scalar(server, "postgres", "SELECT coalesce((SELECT pg_database_size(oid) FROM pg_database WHERE datname = "
                + literal(db) + "), -1)");
    }

    /** The database's oid, or -1: a dropped and re-created database gets a new one. */
    long oid(Endpoint server, String db) {
        return scalar(server, "postgres", "SELECT coalesce((SELECT oid::bigint FROM pg_database WHERE datname = "
                + literal(db) + "), -1)");
    }

    void drop(Endpoint server, String db) {
        try (Connection c = open(server, "postgres"); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + ident(db));
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not drop " + db + " on " + server + ": "
                    + e.getMessage() + " (is a session still connected to it?)", e);
        }
    }

    /**
     * Exact row counts of every table of a database, each table counted alone (ONLY), keyed by
     * schema.table. The system schemas are left out; fastcopy's and convert's ledgers are not.
     */
    Map<String, Long> rowCounts(Endpoint server, String db) {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection c = open(server, db); Statement st = c.createStatement()) {
            List<String[]> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n "
                    + "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN "
                    + "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2")) {
                while (rs.next()) {
                    tables.add(new String[]{rs.getString(1), rs.getString(2)});
                }
            }
            for (String[] t : tables) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ONLY " + qualified(t[0], t[1]))) {
                    rs.next();
                    counts.put(t[0] + "." + t[1], rs.getLong(1));
                }
            }
            return counts;
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not count the rows of " + db + " on " + server
                    + ": " + e.getMessage(), e);
        }
    }

    long scalar(Endpoint server, String db, String sql) {
        try (Connection c = open(server, db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "query on " + db + " at " + server + " failed: "
                    + e.getMessage(), e);
        }
    }

    /** A single text value (null when SQL NULL). */
    String text(Endpoint server, String db, String sql) {
        try (Connection c = open(server, db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "query on " + db + " at " + server + " failed: "
                    + e.getMessage(), e);
        }
    }
}
