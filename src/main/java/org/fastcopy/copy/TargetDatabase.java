package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.schema.TocEntry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Collectors;

import static org.fastcopy.util.Sql.ident;

/**
 * The target database before the copy: absent, empty (as {@code createdb} leaves it, runbook step
 * 1b), holding an earlier run's ledger, or holding someone's data, which is never overwritten
 * without --drop-if-exists.
 */
final class TargetDatabase {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TargetDatabase.class);
    enum State { ABSENT, EMPTY, RESUMABLE, NOT_EMPTY }

    private static final String MAINTENANCE_DB = "postgres";

    private TargetDatabase() {
    }

    static State inspect(Connections connections, Endpoint target) {
        try (Connection c = connections.open(target.withDatabase(MAINTENANCE_DB), "fastcopy");
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_catalog.pg_database WHERE datname = ?")) {
            ps.setString(1, target.database());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return State.ABSENT;
                }
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.CONNECTION, "could not inspect " + target + ": " + e.getMessage(), e);
        }
        try (Connection c = connections.open(target, "fastcopy")) {
            if (Ledger.exists(c)) {
                return State.RESUMABLE;
            }
            // Large objects live outside pg_class; a database holding only those is not empty.
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                    SELECT (SELECT count(*) FROM pg_catalog.pg_class cl
                              JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace
                             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                               AND n.nspname !~ '^pg_(toast|temp_)')
                         + (SELECT count(*) FROM pg_catalog.pg_largeobject_metadata)
                    """)) {
                rs.next();
                return rs.getLong(1) == 0 ? State.EMPTY : State.NOT_EMPTY;
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.CONNECTION, "could not inspect " + target + ": " + e.getMessage(), e);
        }
    }

    /** DROP DATABASE; refuses (with the server's reason) while other sessions are connected. */
    static void drop(Connections connections, Endpoint target) {
        maintenance(connections, target, "DROP DATABASE IF EXISTS " + ident(target.database()), "drop");
    }

    /**
     * Runs pg_dump's own CREATE DATABASE item (encoding, locale, owner, as pg_dump -C would) on the
     * maintenance database. CREATE DATABASE cannot run inside a transaction block, hence one
     * statement at a time in autocommit; psql's \connect lines are for psql and are dropped.
     */
    static void create(Connections connections, Endpoint target, TocEntry databaseItem) {
        String sql = databaseItem.sql().lines()
                .filter(l -> !l.startsWith("\\"))
                .collect(Collectors.joining("\n"));
        for (String statement : sql.split(";\\s*\\n")) {
            String s = statement.strip();
            if (s.isEmpty() || s.startsWith("--")) {
                continue;
            }
            try {
                maintenance(connections, target, s, "create");
            } catch (FastcopyException e) {
                // "owner where it exists": a role missing on the target leaves the database ours.
                if (s.startsWith("ALTER DATABASE") && s.contains(" OWNER TO ") && isUndefinedObject(e)) {
                    log.warn("database {}: owner kept as the connecting role ({})", target.database(), e.getMessage());
                    continue;
                }
                throw e;
            }
        }
    }

    private static boolean isUndefinedObject(FastcopyException e) {
        return e.getCause() instanceof SQLException se && "42704".equals(se.getSQLState());
    }

    private static void maintenance(Connections connections, Endpoint target, String sql, String what) {
        try (Connection c = connections.open(target.withDatabase(MAINTENANCE_DB), "fastcopy");
             Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not " + what + " database " + target.database()
                    + " on " + target.name() + ": " + e.getMessage(), e);
        }
    }
}
