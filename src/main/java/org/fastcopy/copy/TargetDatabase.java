package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.pg.Databases;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.SqlStates;
import org.fastcopy.schema.TocEntry;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Collectors;

/**
 * The target database before the copy: absent, empty (as {@code createdb} leaves it, runbook step
 * 1b; "empty" as {@link Databases} defines it), holding an earlier run's ledger, or holding
 * someone's data, which is never overwritten without --drop-if-exists.
 */
final class TargetDatabase {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TargetDatabase.class);
    enum State { ABSENT, EMPTY, RESUMABLE, NOT_EMPTY }

    private TargetDatabase() {
    }

    static State inspect(Connections connections, Endpoint target) {
        try (Connection c = connections.open(target.withDatabase(Databases.MAINTENANCE_DB), "fastcopy")) {
            if (!Databases.exists(c, target.database())) {
                return State.ABSENT;
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.CONNECTION, "could not inspect " + target + ": "
                    + ServerError.describe(e), e);
        }
        try (Connection c = connections.open(target, "fastcopy")) {
            if (Ledger.exists(c)) {
                return State.RESUMABLE;
            }
            return Databases.isEmpty(c) ? State.EMPTY : State.NOT_EMPTY;
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.CONNECTION, "could not inspect " + target + ": "
                    + ServerError.describe(e), e);
        }
    }

    /**
     * DROP DATABASE; refuses (with the server's reason) while other sessions are connected: a
     * session on a database that --drop-if-exists names may be a user's, not a leftover of ours.
     */
    static void drop(Connections connections, Endpoint target) {
        try (Connection c = connections.open(target.withDatabase(Databases.MAINTENANCE_DB), "fastcopy")) {
            Databases.drop(c, target.database(), Databases.OtherSessions.REFUSE);
        } catch (SQLException e) {
            throw failed("drop", target, e);
        }
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
                if (s.startsWith("ALTER DATABASE") && s.contains(" OWNER TO ") && SqlStates.has(e, SqlStates.UNDEFINED_OBJECT)) {
                    log.warn("database {}: owner kept as the connecting role ({})", target.database(), e.getMessage());
                    continue;
                }
                throw e;
            }
        }
    }

    private static void maintenance(Connections connections, Endpoint target, String sql, String what) {
        try (Connection c = connections.open(target.withDatabase(Databases.MAINTENANCE_DB), "fastcopy");
             Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw failed(what, target, e);
        }
    }

    private static FastcopyException failed(String what, Endpoint target, SQLException e) {
        return new FastcopyException(FastcopyException.FAILED, "could not " + what + " database " + target.database()
                + " on " + target.name() + ": " + ServerError.describe(e), e);
    }
}
