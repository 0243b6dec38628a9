package org.fastcopy.testing;

import org.fastcopy.cluster.LocalCluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Waits for events the servers can show (a ledger row, a backend in some state, a table created)
 * rather than for time: the tests act on what a fault would meet, whatever the machine's speed.
 */
public final class ServerProbe {
    private static final long POLL_MILLIS = 10;

    private final TestClusters clusters;

    public ServerProbe(TestClusters clusters) {
        this.clusters = clusters;
    }

    /**
     * Polls until {@code condition} holds; fails naming {@code what} when {@code deadline} passes
     * or when {@code alive} turns false first (the watched run ended before the event).
     */
    public void await(String what, Duration deadline, BooleanSupplier alive, Check condition) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.holds()) {
            if (!alive.getAsBoolean()) {
                throw new AssertionError("the run ended before " + what);
            }
            if (System.nanoTime() > end) {
                throw new AssertionError(what + " did not happen within " + deadline);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** A condition read from the servers. */
    @FunctionalInterface
    public interface Check {
        boolean holds() throws Exception;
    }

    /** One number from {@code db} on {@code cluster}; 0 when the database does not exist (yet). */
    public long count(LocalCluster cluster, String db, String sql) throws SQLException {
        if (!databaseExists(cluster, db)) {
            return 0;
        }
        try (Connection c = clusters.connect(cluster, db); ResultSet rs = c.createStatement().executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (RuntimeException | SQLException e) {
            // dropped (and maybe recreated) by the run between the check and the query
            if (!databaseExists(cluster, db)) {
                return 0;
            }
            throw e;
        }
    }

    public boolean databaseExists(LocalCluster cluster, String db) throws SQLException {
        try (Connection c = clusters.connect(cluster, "postgres");
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Copy units the target's ledger marks done; 0 before the ledger exists. */
    public long unitsDone(String db) throws SQLException {
        return ledgerCount(db, "_fastcopy.unit");
    }

    /** Post-data items the target's ledger marks done; 0 before the ledger exists. */
    public long stepsDone(String db) throws SQLException {
        return ledgerCount(db, "_fastcopy.step");
    }

    /** Unit key -> done_at of the target's ledger. */
    public Map<String, String> unitMarks(String db) throws SQLException {
        return marks(db, "SELECT key, done_at::text FROM _fastcopy.unit");
    }

    /** Post-data step key -> done_at of the target's ledger. */
    public Map<String, String> stepMarks(String db) throws SQLException {
        return marks(db, "SELECT key, done_at::text FROM _fastcopy.step");
    }

    private Map<String, String> marks(String db, String sql) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = clusters.connect(clusters.flux2(), db); ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    private long ledgerCount(String db, String table) throws SQLException {
        if (!databaseExists(clusters.flux2(), db)) {
            return 0;
        }
        try (Connection c = clusters.connect(clusters.flux2(), db); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return 0;
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Backends of fastcopy (application_name fastcopy*, pg_dump, pg_restore; the tests' own
     * sessions are fastcopy-test) on {@code cluster}, as "application_name state: query".
     */
    public List<String> runBackends(LocalCluster cluster) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = clusters.connect(cluster, "postgres"); ResultSet rs = c.createStatement().executeQuery(
                "SELECT application_name || ' ' || coalesce(state, '') || ': ' || left(query, 80) FROM pg_stat_activity"
                        + " WHERE (application_name LIKE 'fastcopy%' OR application_name IN ('pg_dump', 'pg_restore'))"
                        + " AND application_name <> 'fastcopy-test' AND pid <> pg_backend_pid()")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Waits until neither server has a backend of a fastcopy run (a killed run's sockets close late). */
    public void awaitNoRunBackends(Duration deadline) throws Exception {
        await("the run's backends exit", deadline, () -> true,
                () -> runBackends(clusters.flux1()).isEmpty() && runBackends(clusters.flux2()).isEmpty());
    }
}
