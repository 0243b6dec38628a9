package org.fastcopy.data;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.testing.TestClusters;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Small JDBC helpers for this package's tests. */
final class Pg {
    private Pg() {
    }

    /** A source connection as the worker holds it: a REPEATABLE READ transaction. */
    static Connection source(TestClusters clusters, String db) throws SQLException {
        Connection c = clusters.connect(clusters.flux1(), db);
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        return c;
    }

    /** A target connection inside a transaction the test rolls back, so tables stay empty. */
    static Connection target(TestClusters clusters, String db) throws SQLException {
        Connection c = clusters.connect(clusters.flux2(), db);
        c.setAutoCommit(false);
        return c;
    }

    /** Runs statements in autocommit mode (setup). */
    static void run(TestClusters clusters, LocalCluster cluster, String db, String... sql) throws SQLException {
        try (Connection c = clusters.connect(cluster, db); Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static String value(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(1);
        }
    }

    static long number(Connection c, String sql) throws SQLException {
        return Long.parseLong(value(c, sql));
    }

    /** Count and digest of every row's text form, ordered: equal on both sides means equal data. */
    static String fingerprint(Connection c, String qualifiedTable, String orderBy) throws SQLException {
        return value(c, "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY " + orderBy
                + ")), '-') FROM " + qualifiedTable + " t");
    }

    /** Writer threads still alive, anywhere in the JVM. */
    static List<String> liveWriterThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith(StreamCopier.WRITER_THREAD_PREFIX)) {
                names.add(t.getName());
            }
        }
        return names;
    }

    /** Closes a connection whose server end was killed; PgJDBC reports the dead socket on close. */
    static void closeBroken(Connection c) {
        try {
            c.close();
        } catch (SQLException expected) {
            // the backend is gone; the socket is closed all the same
        }
    }

    /** The connection ends its failed transaction and runs a query: the COPY left it clean. */
    static void assertUsableAfterRollback(Connection c) throws SQLException {
        c.rollback();
        assertThat(value(c, "SELECT 41 + 1")).isEqualTo("42");
    }
}
