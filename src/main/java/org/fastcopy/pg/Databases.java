package org.fastcopy.pg;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static org.fastcopy.util.Sql.ident;

/**
 * Creating, dropping and inspecting whole databases, the one place each of these is written.
 * Statements on a database as an object run on a connection to another database of the same
 * server, by convention {@link #MAINTENANCE_DB}, in autocommit (CREATE and DROP DATABASE cannot
 * run in a transaction block).
 *
 * <p><b>Empty</b> means: no relation of any kind (table, view, sequence, index, ...) in a user
 * schema (see {@link UserRelations}), and no large object (those live outside pg_class). Schemas,
 * functions, types and extensions' catalogue rows do not count, so a database as
 * {@code createdb} leaves it, with only an empty schema public, is empty, and so is one where a
 * DBA pre-created empty schemas or installed an extension without tables. This is the copy
 * command's definition (runbook step 1b: "createdb, then copy into it"); generate used the same
 * relation count without the large objects, convert does not ask (it resumes into what it finds),
 * migrate asks for sizes only.
 *
 * <p><b>Other sessions</b> on a database being dropped are a decision each caller makes through
 * {@link OtherSessions}, never a default: a session on a copy target may be a user's.
 */
public final class Databases {
    /** The database every server has and nobody works in. */
    public static final String MAINTENANCE_DB = "postgres";
    /** server_version_num from which DROP DATABASE takes WITH (FORCE). */
    static final int FORCE_SINCE = 130000;

    /** What DROP DATABASE does when other sessions are connected to the database. */
    public enum OtherSessions {
        /** Fail with the server's "is being accessed by other users" (SQLSTATE 55006). */
        REFUSE,
        /**
         * End them: WITH (FORCE) from PostgreSQL 13, pg_terminate_backend before the DROP on older
         * servers (there a session connecting between the two still makes the DROP fail).
         */
        END
    }

    private Databases() {
    }

    public static boolean exists(Connection maintenance, String db) throws SQLException {
        return Scalar.bool(maintenance, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = ?)", db);
    }

    /** The database's oid, or -1 when it does not exist: a dropped and re-created one gets a new oid. */
    public static long oid(Connection maintenance, String db) throws SQLException {
        return Scalar.longValue(maintenance,
                "SELECT coalesce((SELECT oid::bigint FROM pg_catalog.pg_database WHERE datname = ?), -1)", db);
    }

    /** pg_database_size in bytes, or -1 when the database does not exist. */
    public static long size(Connection maintenance, String db) throws SQLException {
        return Scalar.longValue(maintenance, "SELECT coalesce((SELECT pg_catalog.pg_database_size(oid)"
                + " FROM pg_catalog.pg_database WHERE datname = ?), -1)", db);
    }

    /**
     * CREATE DATABASE in UTF8 from template0, so nothing a DBA added to template1 comes along. A
     * database copied from a source is created with the source's own CREATE DATABASE instead.
     */
    public static void create(Connection maintenance, String db) throws SQLException {
        execute(maintenance, "CREATE DATABASE " + ident(db) + " TEMPLATE template0 ENCODING 'UTF8'");
    }

    /** DROP DATABASE IF EXISTS, with other sessions treated as {@code others} says. */
    public static void drop(Connection maintenance, String db, OtherSessions others) throws SQLException {
        String sql = "DROP DATABASE IF EXISTS " + ident(db);
        if (others == OtherSessions.END) {
            if (ServerFeatures.atLeast(maintenance, FORCE_SINCE)) {
                sql += " WITH (FORCE)";
            } else {
                Scalar.longValue(maintenance, "SELECT count(pg_catalog.pg_terminate_backend(pid))"
                        + " FROM pg_catalog.pg_stat_activity WHERE datname = ? AND pid <> pg_catalog.pg_backend_pid()", db);
            }
        }
        execute(maintenance, sql);
    }

    /** Whether the connected database is empty as the class comment defines it. */
    public static boolean isEmpty(Connection database) throws SQLException {
        return contentCount(database) == 0;
    }

    /** User relations plus large objects of the connected database: what makes it not empty. */
    public static long contentCount(Connection database) throws SQLException {
        return UserRelations.count(database)
                + Scalar.longValue(database, "SELECT count(*) FROM pg_catalog.pg_largeobject_metadata");
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
