package org.fastcopy.follow;

import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.FollowMetrics;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * --follow-insert-only: a table without key or replica identity is followed for its INSERTs, and
 * the source keeps accepting its UPDATEs and DELETEs (in a publication that published them, they
 * would fail on the source with "cannot update table ... because it does not have a replica identity").
 */
class FollowInsertOnlyTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @Test
    void keylessTablesAreFollowedForInsertsAndTheSourceStillUpdatesThem() throws Exception {
        String db = lc.createDatabase(lc.source(), "follow_insert").database();
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE keyed (id int PRIMARY KEY, v text)");
            st.execute("CREATE TABLE journal (at int, line text)");
            st.execute("INSERT INTO journal SELECT g, 'copied' FROM generate_series(1, 100) g");
        }
        CopySpec copy = new CopySpec(lc.source().endpoint(db), lc.target().endpoint(null), List.of(db), 2, 2,
                1L << 30, false, false, VerifyMode.COUNTS, false, Path.of("target", "follow-insert-work"), 64, 64 << 10, false);
        FollowJob.Listener writes = new FollowJob.Listener() {
            @Override
            public void following(Lsn from) {
                try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
                    st.execute("INSERT INTO journal SELECT g, 'followed' FROM generate_series(1, 40) g");
                    st.execute("INSERT INTO keyed VALUES (1, 'one'), (2, 'two')");
                    st.execute("UPDATE keyed SET v = 'uno' WHERE id = 1");
                    st.execute("UPDATE journal SET line = 'changed on the source' WHERE at = 1");
                    st.execute("DELETE FROM journal WHERE at = 2");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        StringWriter report = new StringWriter();
        FollowJob.Result result = new FollowJob(new FollowSpec(copy, null, true, false, Duration.ofSeconds(1)),
                Connections.fromSystem(), CopyJob.Listener.NONE, writes, CopyMetrics.Factory.NONE, FollowMetrics.NONE,
                () -> true, new PrintWriter(report, true)).run();

        assertThat(result.cutoverLsn()).isNotNull();
        try (Connection t = lc.connect(lc.target(), db); Statement st = t.createStatement()) {
            assertThat(rows(st, "SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM keyed")).isEqualTo("1=uno,2=two");
            assertThat(rows(st, "SELECT count(*) FILTER (WHERE line = 'followed') || '/' || count(*) FROM journal"))
                    .as("inserts followed; the source's UPDATE and DELETE of the keyless table are not").isEqualTo("40/140");
        }
        assertThat(report.toString()).contains("no replication slot remains");
    }

    private static String rows(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
