package org.fastcopy.follow;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.FollowMetrics;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.testing.PgVersions;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.util.Sql.ident;

/**
 * Following across server versions: every source from PostgreSQL 10 (pgoutput's first) to 14 into
 * the installed 15, and the installed 15 into 16 and 17, the fixture and a writer, exact after
 * cutover. The suite runs the oldest source only (10 into 15, the pair with the most differences);
 * {@code -Dfastcopy.versions=all} runs every pair.
 *
 * <p>What differs: a PostgreSQL 10 source streams no TRUNCATE (pgoutput sends it from 11 on). The
 * run says so in one line, and the test pins the documented consequence: the target keeps the
 * truncated rows, everything else is exact.
 */
class FollowVersionsTest {
    private static final String INSTALLED = "installed";
    private final LogicalClusters lc = LogicalClusters.get();

    /** {source version, target version}: "installed" is the Debian 15 server of the pair. */
    static List<String[]> pairs() {
        if (!PgVersions.all()) {
            return List.<String[]>of(new String[] {PgVersions.PG10, INSTALLED});
        }
        List<String[]> out = new ArrayList<>();
        for (String v : PgVersions.OLDER) {
            if (!v.equals(PgVersions.PG96)) { // no pgoutput before 10: refused by the prerequisites
                out.add(new String[] {v, INSTALLED});
            }
        }
        for (String v : PgVersions.NEWER) {
            out.add(new String[] {INSTALLED, v});
        }
        return out;
    }

    @ParameterizedTest(name = "{0} into {1}")
    @MethodSource("pairs")
    void aSourceIsFollowedIntoTheTargetExactly(String sourceVersion, String targetVersion) throws Exception {
        LocalCluster source = sourceVersion.equals(INSTALLED) ? lc.source() : lc.startSource(sourceVersion);
        LocalCluster target = null;
        try {
            target = targetVersion.equals(INSTALLED) ? lc.target() : lc.startTarget(targetVersion);
            follow(source, target, sourceVersion);
        } finally {
            if (source != lc.source()) {
                source.stop();
            }
            if (target != null && target != lc.target()) {
                target.stop();
            }
        }
    }

    private void follow(LocalCluster source, LocalCluster target, String sourceVersion) throws Exception {
        boolean truncateStreamed = !sourceVersion.equals(PgVersions.PG10);
        String db = lc.newName("follow_" + sourceVersion);
        try (Connection c = lc.connect(source, "postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + ident(db) + " TEMPLATE template0 ENCODING 'UTF8'");
        }
        try (Connection c = lc.connect(source, db)) {
            FollowFixture.create(c);
        }
        CopySpec copy = new CopySpec(source.endpoint(db), target.endpoint(null), List.of(db), 2, 2, 1L << 30,
                false, false, VerifyMode.COUNTS, false, Path.of("target", "follow-versions-work"), 64, 64 << 10, false);
        FollowJob.Listener writes = new FollowJob.Listener() {
            @Override
            public void following(Lsn from) {
                try (Connection c = lc.connect(source, db)) {
                    Random random = new Random(12);
                    for (int i = 0; i < 30; i++) {
                        FollowFixture.writeTransaction(c, random, 1 + random.nextInt(30));
                    }
                    try (Statement st = c.createStatement()) {
                        st.execute("TRUNCATE scratch");
                        // keys the truncated rows did not use: where the TRUNCATE is not streamed they stay beside them
                        st.execute("INSERT INTO scratch SELECT g, 'after' FROM generate_series(1001, 1020) g");
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        StringWriter report = new StringWriter();
        new FollowJob(new FollowSpec(copy, null, false, false, Duration.ofSeconds(1)), Connections.fromSystem(),
                CopyJob.Listener.NONE, writes, CopyMetrics.Factory.NONE, FollowMetrics.NONE, () -> true,
                new PrintWriter(report, true)).run();

        try (Connection s = lc.connect(source, db); Connection t = lc.connect(target, db)) {
            Map<String, String> expected = FollowFixture.contents(s);
            Map<String, String> actual = FollowFixture.contents(t);
            if (!truncateStreamed) {
                assertThat(report.toString()).contains("runs PostgreSQL 10: a TRUNCATE there is not streamed");
                assertThat(count(t, "SELECT count(*) FROM scratch WHERE v = 'before'")).as("truncated rows kept").isEqualTo(500);
                assertThat(count(t, "SELECT count(*) FROM scratch WHERE v = 'after'")).as("rows after it").isEqualTo(20);
                expected.remove("scratch");
                actual.remove("scratch");
            } else {
                assertThat(report.toString()).doesNotContain("TRUNCATE there is not streamed");
            }
            assertThat(actual).isEqualTo(expected);
        }
        assertThat(report.toString()).contains("no replication slot remains");
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
