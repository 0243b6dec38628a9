package org.fastcopy.generate;

import java.sql.Connection;
import java.sql.SQLException;
import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.Databases;
import org.fastcopy.pg.ServerError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the target database exists and is empty: creates it (UTF8, from template0, so no
 * objects of template1 sneak in), drops and recreates it when asked, and otherwise refuses a
 * database that is not empty ({@link Databases}' definition), so a typo in --db cannot destroy data.
 */
final class TargetDatabase {
    private static final Logger log = LoggerFactory.getLogger(TargetDatabase.class);

    private final Connections connections;
    private final Endpoint server;

    TargetDatabase(Connections connections, Endpoint server) {
        this.connections = connections;
        this.server = server;
    }

    /** Leaves an empty database named {@code db}, or throws USAGE if it is not empty and drop is false. */
    void prepare(String db, boolean drop) {
        Endpoint maintenance = server.withDatabase(Databases.MAINTENANCE_DB);
        try (Connection c = connections.open(maintenance, "fastcopy-generate")) {
            if (Databases.exists(c, db)) {
                if (drop) {
                    log.info("dropping database {} on {}", db, server.name());
                    // Generated databases are scratch: a leftover session (a crashed earlier run) is ended.
                    Databases.drop(c, db, Databases.OtherSessions.END);
                } else {
                    refuseIfNotEmpty(db);
                    log.info("database {} exists and is empty: generating into it", db);
                    return;
                }
            }
            Databases.create(c, db);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot prepare database " + db + " on "
                    + server.name() + ": " + ServerError.describe(e), e);
        }
    }

    private void refuseIfNotEmpty(String db) throws SQLException {
        try (Connection c = connections.open(server.withDatabase(db), "fastcopy-generate")) {
            long objects = Databases.contentCount(c);
            if (objects > 0) {
                throw new FastcopyException(FastcopyException.USAGE, "database " + db + " on " + server.name()
                        + " is not empty (" + objects + " relations and large objects); pass --drop-if-exists to replace it");
            }
        }
    }
}
