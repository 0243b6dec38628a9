package org.fastcopy.schema;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Watches the target's lock table while the schema phases run and remembers the most slots any
 * one fastcopy session held at once (fast-path locks live outside the shared table and do not
 * count). Sampling can miss a peak, never invent one.
 */
final class LockSampler implements AutoCloseable {
    private static final String SAMPLE = """
            SELECT coalesce(max(n), 0) FROM (
                SELECT l.pid, count(*) AS n
                  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE a.application_name LIKE 'fastcopy-%-data' AND a.datname = current_database() AND NOT l.fastpath
                 GROUP BY l.pid) s
            """;

    private final Connection connection;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger highest = new AtomicInteger();
    private final Thread thread;

    LockSampler(SchemaCopyHarness h) {
        connection = h.connectTarget();
        thread = new Thread(this::sample, "lock-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    int maxLocksPerTransaction() throws SQLException {
        synchronized (connection) {
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SHOW max_locks_per_transaction")) {
                rs.next();
                return Integer.parseInt(rs.getString(1));
            }
        }
    }

    int highest() {
        return highest.get();
    }

    private void sample() {
        while (running.get()) {
            synchronized (connection) {
                try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(SAMPLE)) {
                    rs.next();
                    highest.accumulateAndGet(rs.getInt(1), Math::max);
                } catch (SQLException e) {
                    return;
                }
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public void close() throws SQLException {
        running.set(false);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connection.close();
    }
}
