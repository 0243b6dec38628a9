package org.fastcopy.follow;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fastcopy.cli.Main;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.FollowMetrics;
import org.fastcopy.testing.CliProcess;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A copy made while a writer changes the source, followed, then cut over: the target ends equal
 * to the source, row for row and sequence for sequence, and the slot is gone.
 */
class FollowTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @Test
    void writesDuringTheCopyAndWhileFollowingAreAllOnTheTargetAfterCutover() throws Exception {
        String db = lc.createDatabase(lc.source(), "follow").database();
        try (Connection c = lc.connect(lc.source(), db)) {
            FollowFixture.create(c);
        }
        CopySpec copy = new CopySpec(lc.source().endpoint(db), lc.target().endpoint(null), java.util.List.of(db), 2, 2,
                64 << 10, false, false, VerifyMode.COUNTS, false, Path.of("target", "follow-test-work"), 64, 64 << 10, false);
        FollowSpec spec = new FollowSpec(copy, null, false, false, Duration.ofSeconds(1));
        Connection writerConnection = lc.connect(lc.source(), db);
        FollowFixture.Writer writer = new FollowFixture.Writer(writerConnection, 42);
        CountDownLatch following = new CountDownLatch(1);
        CopyJob.Listener duringCopy = new CopyJob.Listener() {
            @Override
            public void snapshotExported(String database, String snapshotId) {
                // After the slot's snapshot, before any row is read: these are the stream's, not the copy's.
                try (Connection c = lc.connect(lc.source(), db)) {
                    Random random = new Random(7);
                    for (int i = 0; i < 20; i++) {
                        FollowFixture.writeTransaction(c, random, 1 + random.nextInt(30));
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
                writer.start();
            }
        };
        FollowJob.Listener onFollow = new FollowJob.Listener() {
            @Override
            public void following(Lsn from) {
                following.countDown();
            }
        };
        StringWriter report = new StringWriter();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CompletableFuture<FollowJob.Result> run = CompletableFuture.supplyAsync(() -> new FollowJob(spec,
                Connections.fromSystem(), duringCopy, onFollow, CopyMetrics.Factory.NONE,
                FollowMetrics.micrometer(registry, db), () -> false,
                new PrintWriter(report, true)).run());
        try {
            assertThat(following.await(120, TimeUnit.SECONDS)).as("following began").isTrue();
            try (Connection a = lc.connect(lc.source(), db); Connection b = lc.connect(lc.source(), db);
                 Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
                // pgcopydb #1044: the first to begin commits last
                a.setAutoCommit(false);
                b.setAutoCommit(false);
                sa.execute("INSERT INTO items (v, n) VALUES ('began first', 1)");
                sb.execute("INSERT INTO items (v, n) VALUES ('began second', 2)");
                b.commit();
                a.commit();
                a.setAutoCommit(true);
                // one transaction of many rows, a TRUNCATE and rows after it, changes of parent and child rows sharing ids
                sa.execute("INSERT INTO items (v, n) SELECT 'bulk', g FROM generate_series(1, 5000) g");
                sa.execute("TRUNCATE scratch");
                sa.execute("INSERT INTO scratch SELECT g, 'after' FROM generate_series(1, 50) g");
                sa.execute("UPDATE ONLY measure SET v = -v WHERE id <= 10");
                sa.execute("DELETE FROM ONLY measure_2025 WHERE id BETWEEN 11 AND 20");
                sa.execute("INSERT INTO measure VALUES (5000, DATE '2025-09-09', 5)");
            }
            writer.stop();
            assertThat(writer.transactions.get()).as("writer transactions").isPositive();

            assertThat(Main.run("cutover", "--dst", CliProcess.conninfo(lc.target()), "--db", db, "--timeout", "120"))
                    .as("fastcopy cutover's exit code").isZero();
            FollowJob.Result result = run.get(120, TimeUnit.SECONDS);

            assertThat(result.cutoverLsn()).isNotNull();
            assertThat(result.transactions()).isGreaterThan(20);
            try (Connection s = lc.connect(lc.source(), db); Connection t = lc.connect(lc.target(), db)) {
                Map<String, String> expected = FollowFixture.contents(s);
                assertThat(FollowFixture.contents(t)).isEqualTo(expected);
                try (Statement st = t.createStatement()) {
                    assertThat(st.executeQuery("SELECT 1 FROM pg_publication UNION ALL SELECT 1 FROM pg_namespace"
                            + " WHERE nspname = '_fastcopy'").next()).as("publication or ledger on the target").isFalse();
                }
            }
            assertThat(FollowFixture.slotExists(lc, db, spec.slotName())).as("slot or publication left").isFalse();
            assertThat(registry.scrape()).contains("fastcopy_follow_lag_bytes{db=\"" + db + "\"}",
                    "fastcopy_follow_lag_seconds{db=\"" + db + "\"}",
                    "fastcopy_follow_applied_transactions_total{db=\"" + db + "\"} " + result.transactions() + ".0");
            // The dashboard's follow panels chart only meters this run serves.
            String scraped = registry.scrape();
            assertThat(org.fastcopy.metrics.GrafanaDashboardTest.chartedMetrics("fastcopy_follow_"))
                    .isNotEmpty().allSatisfy(m -> assertThat(scraped).contains(m));
            assertThat(report.toString()).contains("cutover of " + db + " done at source LSN " + result.cutoverLsn())
                    .contains("no replication slot remains");
        } finally {
            run.cancel(true);
            writerConnection.close();
        }
    }
}
