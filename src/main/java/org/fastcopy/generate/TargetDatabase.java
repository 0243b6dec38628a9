package org.fastcopy.generate;

import static org.fastcopy.util.Sql.ident;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the target database exists and is empty: creates it (UTF8, from template0, so no
 * objects of template1 sneak in), drops and recreates it when asked, and otherwise refuses a
 * database that already holds tables, so a typo in --db cannot destroy data.
 */
final class TargetDatabase {
    private static final Logger log = LoggerFactory.getLogger(TargetDatabase.class);
    private static final String MAINTENANCE_DB = "postgres";
    /** Tables, views, sequences, ... outside the system schemas: what "not empty" means. */
    private static final String COUNT_USER_RELATIONS = "SELECT count(*) FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
            + " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

    private final Connections connections;
    private final Endpoint server;

    TargetDatabase(Connections connections, Endpoint server) {
        this.connections = connections;
        this.server = server;
    }

    /** Leaves an empty database named {@code db}, or throws USAGE if it holds tables and drop is false. */
    void prepare(String db, boolean drop) {
        Endpoint maintenance = server.withDatabase(MAINTENANCE_DB);
        try (Connection c = connections.open(maintenance, "fastcopy-generate");
             Statement st = c.createStatement()) {
            if (exists(c, db)) {
                if (drop) {
                    log.info("dropping database {} on {}", db, server.name());
                    // FORCE (PostgreSQL 13+) ends leftover sessions, e.g. of a crashed earlier run.
                    st.execute("DROP DATABASE " + ident(db) + " WITH (FORCE)");
                } else {
                    refuseIfNotEmpty(db);
                    log.info("database {} exists and is empty: generating into it", db);
                    return;
                }
            }
            st.execute("CREATE DATABASE " + ident(db) + " TEMPLATE template0 ENCODING 'UTF8'");
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot prepare database " + db + " on "
                    + server.name() + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
        }
    }

    private static boolean exists(Connection c, String db) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private void refuseIfNotEmpty(String db) throws SQLException {
        try (Connection c = connections.open(server.withDatabase(db), "fastcopy-generate");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(COUNT_USER_RELATIONS)) {
            rs.next();
            long objects = rs.getLong(1);
            if (objects > 0) {
                throw new FastcopyException(FastcopyException.USAGE, "database " + db + " on " + server.name()
                        + " is not empty (" + objects + " relations); pass --drop-if-exists to replace it");
            }
        }
    }
}
