package org.fastcopy.copy;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.testing.TestClusters;
import org.fastcopy.verify.VerifyMode;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Small helpers for copy tests: a spec from flux1 to flux2 and one-value queries. */
final class CopyFixture {
    private CopyFixture() {
    }

    static CopySpec spec(TestClusters clusters, String db, Path workDir) {
        LocalCluster src = clusters.flux1();
        LocalCluster dst = clusters.flux2();
        return new CopySpec(src.endpoint(db), dst.endpoint(db), List.of(db), 2, 2, 1L << 30, true, false,
                VerifyMode.CHECKSUMS, false, workDir, 64, 64 * 1024, false);
    }

    static CopySpec with(CopySpec s, int jobs, long split, boolean drop, boolean resume, boolean keepLedger) {
        return new CopySpec(s.source(), s.target(), s.databases(), jobs, s.indexJobs(), split, drop, resume, s.verify(),
                s.dryRun(), s.workDir(), s.ringSlots(), s.bufferBytes(), keepLedger);
    }

    static CopySpec dryRun(CopySpec s) {
        return new CopySpec(s.source(), s.target(), s.databases(), s.jobs(), s.indexJobs(), s.splitLargerThan(),
                false, false, s.verify(), true, s.workDir(), s.ringSlots(), s.bufferBytes(), false);
    }

    static long scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String text(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static List<String> column(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
