package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.Databases;
import org.fastcopy.pg.ServerError;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.fastcopy.util.Sql.ident;

/**
 * Stops writes to a followed database on the old server for the cutover, so that nothing commits
 * there between the cutover point and the repoint: such a transaction would be on neither server
 * the service uses afterwards. New sessions start read-only
 * ({@code ALTER DATABASE ... SET default_transaction_read_only = on}) and the sessions already
 * connected (the service's) are ended and waited for, since a session keeps the default it
 * started with. A write from then on fails at its client (who sees the error and can submit again)
 * instead of being lost. The followers' sessions ({@link #OURS}) and WAL senders are left alone:
 * the followers stream on through the freeze.
 *
 * <p>Limit: a session may still {@code SET default_transaction_read_only = off}; the MTT service
 * does not.
 */
final class WriteFreeze {
    /** How long ended sessions may take to go (a commit in flight finishes first). */
    private static final long GONE_MILLIS = 30_000;

    /**
     * The sessions of this process that must outlive the freeze: the followers' (whose cutover
     * comes next) and the migration's own. Named exactly: another fastcopy session is a writer too.
     */
    private static final String[] OURS = {"fastcopy-follow", "fastcopy-follow-control", Servers.APP};

    private WriteFreeze() {
    }

    /** Makes {@code db} read-only for new sessions and ends the others; returns how many were ended. */
    static int freeze(Servers servers, Endpoint server, String db) {
        try (Connection m = servers.open(server, Databases.MAINTENANCE_DB); Statement st = m.createStatement()) {
            st.execute("ALTER DATABASE " + ident(db) + " SET default_transaction_read_only = on");
            List<Integer> ended = new ArrayList<>();
            try (PreparedStatement ps = m.prepareStatement("""
                    SELECT pid FROM pg_catalog.pg_stat_activity
                     WHERE datname = ? AND pid <> pg_catalog.pg_backend_pid() AND backend_type = 'client backend'
                       AND coalesce(application_name, '') <> ALL (?)""")) {
                ps.setString(1, db);
                ps.setArray(2, m.createArrayOf("text", OURS));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ended.add(rs.getInt(1));
                    }
                }
            }
            // Chosen first, ended second: a filter holding pg_terminate_backend could be evaluated
            // before the others and end this very session.
            try (PreparedStatement ps = m.prepareStatement("SELECT pg_catalog.pg_terminate_backend(?)")) {
                for (int pid : ended) {
                    ps.setInt(1, pid);
                    ps.execute();
                }
            }
            awaitGone(m, server, db, ended);
            return ended.size();
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not stop writes to " + db + " on " + server
                    + " for the cutover: " + ServerError.describe(e) + " (ending the service's sessions needs a "
                    + "superuser, their role, or pg_signal_backend)", e);
        }
    }

    /** Undoes {@link #freeze} (a cutover that failed before the repoint: the service stays here). */
    static void thaw(Servers servers, Endpoint server, String db) {
        try (Connection m = servers.open(server, Databases.MAINTENANCE_DB); Statement st = m.createStatement()) {
            st.execute("ALTER DATABASE " + ident(db) + " RESET default_transaction_read_only");
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not make " + db + " on " + server
                    + " writable again: " + ServerError.describe(e) + "; run ALTER DATABASE " + ident(db)
                    + " RESET default_transaction_read_only", e);
        }
    }

    /** pg_terminate_backend only signals: a commit in flight still lands, so wait until they are gone. */
    private static void awaitGone(Connection m, Endpoint server, String db, List<Integer> pids) throws SQLException {
        if (pids.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + GONE_MILLIS * 1_000_000;
        Array ids = m.createArrayOf("int4", pids.toArray());
        try (PreparedStatement ps = m.prepareStatement("SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE pid = ANY (?)")) {
            ps.setArray(1, ids);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new FastcopyException(FastcopyException.FAILED, "sessions " + pids + " of " + db + " on "
                            + server + " did not end within " + GONE_MILLIS / 1000 + " s of pg_terminate_backend");
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FastcopyException(FastcopyException.INTERRUPTED, "interrupted while sessions of " + db + " ended");
                }
            }
        }
    }
}
