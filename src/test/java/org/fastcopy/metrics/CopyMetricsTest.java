package org.fastcopy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopyReport;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.metrics.MetricNames.*;

/** A real copy of a small database, watched through its meters and through a Prometheus scrape. */
@ExtendWith(ClusterExtension.class)
class CopyMetricsTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "copy-metrics-work");

    CopyMetricsTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    /** hosts (200 rows) and results (5,000 rows, larger, so copied first) with keys, an index and a foreign key. */
    private String sourceDatabase(String prefix) throws SQLException {
        Endpoint src = clusters.createDatabase(clusters.flux1(), prefix);
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE hosts (id int PRIMARY KEY, name text)");
            st.execute("INSERT INTO hosts SELECT g, 'host-' || g FROM generate_series(1, 200) g");
            st.execute("CREATE TABLE results (id bigint PRIMARY KEY, host int REFERENCES hosts, body text)");
            st.execute("INSERT INTO results SELECT g, 1 + g % 200, repeat(md5(g::text), 4) FROM generate_series(1, 5000) g");
            st.execute("CREATE INDEX results_host ON results (host)");
            st.execute("ANALYZE");
        }
        return src.database();
    }

    private CopySpec spec(String db, int jobs) {
        LocalCluster src = clusters.flux1();
        LocalCluster dst = clusters.flux2();
        return new CopySpec(src.endpoint(db), dst.endpoint(db), List.of(db), jobs, 2, 1L << 30, true, false,
                VerifyMode.CHECKSUMS, false, work, 64, 64 * 1024, false);
    }

    private static double sum(MeterRegistry registry, String name, String db) {
        return registry.find(name).tag(TAG_DB, db).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void shouldCountWhatTheReportCountsAndTimeEveryPhase() throws Exception {
        String db = sourceDatabase("metrics");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        CopyReport report = new CopyJob(spec(db, 2), clusters.flux1().connections(), CopyJob.Listener.NONE,
                MicrometerCopyMetrics.factory(registry)).run().get(0);

        assertThat(report.rows()).isEqualTo(5200);
        assertThat(sum(registry, ROWS_COPIED, db)).isEqualTo(report.rows());
        assertThat(sum(registry, BYTES_COPIED, db)).isEqualTo(report.bytes()).isPositive();
        assertThat(sum(registry, BYTES_STREAMED, db)).as("no retries: streamed is what committed").isEqualTo(report.bytes());
        assertThat(registry.get(ROWS_COPIED).tags(TAG_DB, db, TAG_TABLE, "public.results").counter().count()).isEqualTo(5000);

        int units = report.plan().units().size();
        assertThat(sum(registry, UNITS_DONE, db)).isEqualTo(units);
        assertThat(sum(registry, UNITS_RETRIED, db)).isZero();
        assertThat(registry.get(UNITS_PLANNED).tag(TAG_DB, db).gauge().value()).isEqualTo(units);
        assertThat(registry.get(UNITS_IN_FLIGHT).tag(TAG_DB, db).gauge().value()).isZero();
        assertThat(registry.get(RING_FULL).tag(TAG_DB, db).timer().count()).isEqualTo(units);
        assertThat(registry.get(VERIFY_MISMATCHES).tag(TAG_DB, db).gauge().value()).isZero();

        Map<String, Long> phases = registry.find(PHASE_DURATION).tag(TAG_DB, db).timers().stream()
                .collect(Collectors.toMap(t -> t.getId().getTag(TAG_PHASE), Timer::count));
        assertThat(phases).containsKeys("snapshot", "plan", "schema dump", "target database", "pre-data", "data",
                "post-data", "sequences", "analyze", "verify", "finish").doesNotContainKey("data and post-data");
        assertThat(phases.values()).containsOnly(1L);

        assertThat(registry.get(SCHEMA_ITEMS).tags(TAG_DB, db, TAG_SECTION, "pre-data", TAG_TYPE, "TABLE").counter().count())
                .isEqualTo(2);
        assertThat(registry.get(SCHEMA_ITEMS).tags(TAG_DB, db, TAG_SECTION, "post-data", TAG_TYPE, "CONSTRAINT").counter()
                .count()).isEqualTo(2);
        assertThat(registry.get(SCHEMA_ITEMS).tags(TAG_DB, db, TAG_SECTION, "post-data", TAG_TYPE, "FK CONSTRAINT").counter()
                .count()).isEqualTo(1);
        assertThat(registry.get(SCHEMA_ITEMS).tags(TAG_DB, db, TAG_SECTION, "post-data", TAG_TYPE, "INDEX").counter()
                .count()).isEqualTo(1);
    }

    @Test
    void shouldServeTheCopysMetersWhileItRunsAndAfterwardsUntilTheEndpointCloses() throws Exception {
        String db = sourceDatabase("scrape");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicReference<String> during = new AtomicReference<>();
        int port;
        CopyReport report;
        try (PrometheusEndpoint endpoint = PrometheusEndpoint.start(registry, PrometheusEndpoint.DEFAULT_BIND, 0)) {
            port = endpoint.port();
            // One worker, so the first commit is the largest table and nothing else commits until
            // this scrape, taken on the worker's own thread, returns.
            CopyJob.Listener scrapeOnFirstCommit = new CopyJob.Listener() {
                @Override
                public void unitCommitted(String database, PlannedUnit unit) {
                    if (during.get() == null) {
                        try {
                            during.set(Scrape.metrics(port));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        }
                    }
                }
            };
            report = new CopyJob(spec(db, 1), clusters.flux1().connections(), scrapeOnFirstCommit,
                    MicrometerCopyMetrics.factory(registry)).run().get(0);

            String after = Scrape.metrics(port);
            assertThat(Scrape.sum(after, "fastcopy_rows_copied_total", "db", db)).isEqualTo(report.rows());
            assertThat(Scrape.sum(after, "fastcopy_bytes_copied_total", "db", db)).isEqualTo(report.bytes());
            assertThat(Scrape.sum(after, "fastcopy_units_done_total", "db", db)).isEqualTo(2);
            assertThat(Scrape.sum(after, "fastcopy_units_planned", "db", db)).isEqualTo(2);
            assertThat(Scrape.sum(after, "fastcopy_verify_mismatches", "db", db)).isZero();
            assertThat(Scrape.sum(after, "fastcopy_phase_duration_seconds_count", "db", db, "phase", "verify")).isEqualTo(1);
            assertThat(Scrape.sum(after, "fastcopy_schema_items_total", "db", db, "section", "post-data", "type", "INDEX"))
                    .isEqualTo(1);
        }
        Scrape.assertRefused(port);

        String first = during.get();
        assertThat(first).as("scraped during the copy").isNotNull();
        assertThat(Scrape.sum(first, "fastcopy_rows_copied_total", "db", db, "table", "public.results")).isEqualTo(5000);
        assertThat(Scrape.sum(first, "fastcopy_rows_copied_total", "db", db)).isEqualTo(5000);
        assertThat(Scrape.sum(first, "fastcopy_units_done_total", "db", db)).isEqualTo(1);
        assertThat(Scrape.sum(first, "fastcopy_units_in_flight", "db", db)).isZero();
        assertThat(Scrape.sum(first, "fastcopy_bytes_streamed_total", "db", db)).isPositive();
        assertThat(Scrape.sum(first, "fastcopy_phase_duration_seconds_count", "db", db, "phase", "pre-data")).isEqualTo(1);
        assertThat(Scrape.sum(first, "fastcopy_phase_duration_seconds_count", "db", db, "phase", "verify")).isNaN();
    }
}
