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
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.util.Sql.ident;

/** Following from an older source server: PostgreSQL 12 into the installed 15, the fixture and a writer, exact. */
class FollowVersionsTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @Test
    void aPostgres12SourceIsFollowedIntoTheTargetExactly() throws Exception {
        LocalCluster source = lc.startSource(PgVersions.PG12);
        try {
            String db = lc.newName("follow_pg12");
            try (Connection c = lc.connect(source, "postgres"); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + ident(db) + " TEMPLATE template0 ENCODING 'UTF8'");
            }
            try (Connection c = lc.connect(source, db)) {
                FollowFixture.create(c);
            }
            CopySpec copy = new CopySpec(source.endpoint(db), lc.target().endpoint(null), List.of(db), 2, 2, 1L << 30,
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
                            st.execute("INSERT INTO scratch SELECT g, 'after' FROM generate_series(1, 20) g");
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

            try (Connection s = lc.connect(source, db); Connection t = lc.connect(lc.target(), db)) {
                assertThat(FollowFixture.contents(t)).isEqualTo(FollowFixture.contents(s));
            }
            assertThat(report.toString()).contains("no replication slot remains");
        } finally {
            source.stop();
        }
    }
}
