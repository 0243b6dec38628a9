package org.fastcopy.convert;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The old-to-new id maps the conversion needs in memory: v3 submit, mpi_install and test_build ids
 * to flat ids, and a flat test_build's flat mpi_install (test_run takes both from its build). The
 * sentinels map 0 to 0. Loaded from the flat database itself, so a resumed or incremental run sees
 * exactly what earlier runs committed.
 */
final class IdMaps {
    static final long MISSING = -1;

    final LongLongMap submit;
    final LongLongMap install;
    final LongLongMap build;
    final LongLongMap buildInstall;

    /** Empty maps sized for the given row counts; {@link #load} fills them from the flat database. */
    IdMaps(int submits, int installs, int builds) {
        submit = new LongLongMap(submits);
        install = new LongLongMap(installs);
        build = new LongLongMap(builds);
        buildInstall = new LongLongMap(builds);
    }

    /** Reads every committed mapping from the flat database (one streamed query per table). */
    static IdMaps load(Connection flat) throws SQLException {
        IdMaps m = new IdMaps(count(flat, "submit"), count(flat, "mpi_install"), count(flat, "test_build"));
        fill(flat, "SELECT old_submit_id, submit_id FROM submit", m.submit, null);
        fill(flat, "SELECT old_mpi_install_id, mpi_install_id FROM mpi_install", m.install, null);
        fill(flat, "SELECT old_test_build_id, test_build_id, mpi_install_id FROM test_build", m.build, m.buildInstall);
        return m;
    }

    /** Forgets a v3 id whose flat row was deleted: {@code get} gives {@link #MISSING} again. */
    static void forget(LongLongMap map, long v3Id) {
        if (map.get(v3Id, MISSING) != MISSING) {
            map.put(v3Id, MISSING);
        }
    }

    long memoryBytes() {
        return submit.memoryBytes() + install.memoryBytes() + build.memoryBytes() + buildInstall.memoryBytes();
    }

    long entries() {
        return (long) submit.size() + install.size() + build.size() + buildInstall.size();
    }

    private static int count(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return (int) Math.min(Integer.MAX_VALUE / 4, rs.getLong(1));
        }
    }

    private static void fill(Connection c, String sql, LongLongMap map, LongLongMap second) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false); // a fetch size only streams inside a transaction
        try (Statement st = c.createStatement()) {
            st.setFetchSize(10_000);
            try (ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    map.put(rs.getLong(1), rs.getLong(2));
                    if (second != null) {
                        second.put(rs.getLong(2), rs.getLong(3));
                    }
                }
            }
        } finally {
            c.commit();
            c.setAutoCommit(auto);
        }
    }
}
