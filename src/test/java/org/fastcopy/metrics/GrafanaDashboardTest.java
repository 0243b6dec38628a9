package org.fastcopy.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.convert.ConvertJob;
import org.fastcopy.convert.ConvertListener;
import org.fastcopy.convert.ConvertSpec;
import org.fastcopy.convert.VerifyOptions;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.endpoint.EndpointResolver;
import org.fastcopy.migrate.MigrateJob;
import org.fastcopy.migrate.MigrateListener;
import org.fastcopy.migrate.Phase;
import org.fastcopy.migrate.PlanParser;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.fastcopy.util.Json;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * conf/grafana/fastcopy.json charts only meters that exist: a small real copy, a convert and a
 * migrate phase record into one registry served on a live --metrics-port endpoint, which is
 * scraped over HTTP; every metric any panel's PromQL (or the dashboard's variable) names must be
 * in that scrape, except the follow meters ({@link #PENDING}), which need a logical-replication
 * source: FollowTest checks those against its own live follow run's scrape
 * ({@link #chartedMetrics}).
 */
@ExtendWith(ClusterExtension.class)
public class GrafanaDashboardTest {
    static final Path DASHBOARD = Path.of("conf", "grafana", "fastcopy.json");
    /** Metric names as PromQL writes them: all of fastcopy's share the prefix. */
    private static final Pattern METRIC = Pattern.compile("\\bfastcopy_[a-z0-9_]+\\b");

    /** Meters of {@code fastcopy --follow}: served by FollowTest's run, checked there. */
    static final Set<String> PENDING = Set.of("fastcopy_follow_lag_bytes", "fastcopy_follow_lag_seconds",
            "fastcopy_follow_applied_transactions_total");

    private static String scrape;

    @BeforeAll
    static void liveRunsScrapedOverHttp(TestClusters clusters, @org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (PrometheusEndpoint endpoint = PrometheusEndpoint.start(registry, PrometheusEndpoint.DEFAULT_BIND, 0)) {
            copy(clusters, registry, dir);
            String flat = convert(clusters, registry, dir);
            migrateWatermark(clusters, registry, dir, flat);
            scrape = Scrape.metrics(endpoint.port());
        }
    }

    private static void copy(TestClusters clusters, PrometheusMeterRegistry registry, Path dir) throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "grafana");
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id int PRIMARY KEY, v text)");
            st.execute("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 500) g");
            st.execute("CREATE INDEX t_v ON t (v)");
        }
        String db = src.database();
        CopySpec spec = new CopySpec(clusters.flux1().endpoint(db), clusters.flux2().endpoint(db), List.of(db), 1, 1,
                1L << 30, true, false, VerifyMode.COUNTS, false, dir.resolve("copy"), 64, 64 * 1024, false);
        new CopyJob(spec, clusters.flux1().connections(), CopyJob.Listener.NONE, MicrometerCopyMetrics.factory(registry))
                .run();
    }

    /** The shared MTT v3 fixture converted into a new flat database on flux1; returns its name. */
    private static String convert(TestClusters clusters, PrometheusMeterRegistry registry, Path dir) {
        String flat = clusters.newDatabaseName("grafanaflat");
        Endpoint server = clusters.flux1().endpoint(null);
        ConvertSpec spec = new ConvertSpec(server, server, clusters.mttV3(), flat, ConvertSpec.parseRanges("auto"), 2,
                1, true, false, VerifyOptions.sampled(10, 1), dir.resolve("convert"));
        new ConvertJob(spec, clusters.flux1().connections(), ConvertListener.NONE, registry).run();
        return flat;
    }

    /** Phase 8 alone (it only reads the flat database): the migrate meters of a real run. */
    private static void migrateWatermark(TestClusters clusters, PrometheusMeterRegistry registry, Path dir, String flat)
            throws Exception {
        Files.writeString(dir.resolve("mtt.conf"), "[mttflat]\nserver: 127.0.0.1\nport: " + clusters.flux1().port() + "\n");
        Path plan = dir.resolve("migrate.conf");
        Files.writeString(plan, "[servers]\n"
                + "production = host=127.0.0.1 port=1 user=mtt\n" // never reached by phase 8
                + "flux1 = " + conninfo(clusters.flux1()) + "\n"
                + "flux2 = " + conninfo(clusters.flux2()) + "\n"
                + "[databases]\nv3 = " + clusters.mttV3() + "\nflat = " + flat + "\n"
                + "[service]\nconf = mtt.conf\nsection = mttflat\nhost-key = server\nport-key = port\n"
                + "[run]\nstate-dir = state\ncopy-jobs = 1\nconvert-jobs = 1\ndrop-flux2-copies = no\n");
        new MigrateJob(PlanParser.parse(plan, files -> new EndpointResolver(Map.of(), null, files, List.of(), "mtt")),
                clusters.flux1().connections(), MigrateListener.NONE, registry, CopyMetrics.Factory.NONE,
                new PrintWriter(new StringWriter(), true)).run(Phase.select("watermark", null), false);
    }

    private static String conninfo(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=postgres passfile=" + c.passfile().toAbsolutePath();
    }

    /** Sample names in the Prometheus text format: a line's first word up to its labels. */
    private static Set<String> served(String text) {
        Set<String> names = new TreeSet<>();
        text.lines().filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
        return names;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> dashboard() throws Exception {
        return (Map<String, Object>) Json.read(Files.readString(DASHBOARD));
    }

    /** Every PromQL expression of the dashboard, by where it stands: "panel title / refId", or the variable's name. */
    @SuppressWarnings("unchecked")
    /** Every metric the dashboard charts whose name starts with {@code prefix}. */
    public static Set<String> chartedMetrics(String prefix) throws Exception {
        Set<String> out = new TreeSet<>();
        expressions().values().forEach(e -> metrics(e).stream().filter(m -> m.startsWith(prefix)).forEach(out::add));
        return out;
    }

    private static Map<String, String> expressions() throws Exception {
        Map<String, String> exprs = new LinkedHashMap<>();
        Map<String, Object> d = dashboard();
        for (Object p : (List<Object>) d.get("panels")) {
            Map<String, Object> panel = (Map<String, Object>) p;
            for (Object t : (List<Object>) panel.getOrDefault("targets", List.of())) {
                Map<String, Object> target = (Map<String, Object>) t;
                exprs.put(panel.get("title") + " / " + target.get("refId"), (String) target.get("expr"));
            }
        }
        for (Object v : (List<Object>) ((Map<String, Object>) d.get("templating")).get("list")) {
            Map<String, Object> variable = (Map<String, Object>) v;
            if (variable.get("query") instanceof Map<?, ?> q) {
                exprs.put("$" + variable.get("name"), (String) q.get("query"));
            }
        }
        return exprs;
    }

    private static Set<String> metrics(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    @Test
    void everyPanelChartsAtLeastOneFastcopyMetric() throws Exception {
        Map<String, String> exprs = expressions();

        assertThat(exprs).hasSizeGreaterThan(20);
        assertThat(exprs).allSatisfy((where, expr) -> assertThat(metrics(expr)).as(where).isNotEmpty());
    }

    @Test
    void everyMetricThePanelsUseIsInALiveRunsScrape() throws Exception {
        Set<String> served = served(scrape);
        List<String> missing = new ArrayList<>();
        expressions().forEach((where, expr) -> metrics(expr).stream()
                .filter(m -> !served.contains(m) && !PENDING.contains(m))
                .forEach(m -> missing.add(where + ": " + m)));

        assertThat(missing).as("metrics charted but not served; served: %s", served).isEmpty();
    }

    @Test
    void theDashboardCoversCopyConvertAndMigrate() throws Exception {
        Set<String> used = new TreeSet<>();
        expressions().values().forEach(e -> used.addAll(metrics(e)));

        assertThat(used).contains("fastcopy_bytes_streamed_total", "fastcopy_rows_copied_total",
                "fastcopy_phase_duration_seconds_sum", "fastcopy_convert_rows_streamed_total",
                "fastcopy_convert_ranges_done_total", "fastcopy_migrate_phase", "fastcopy_migrate_phase_failures_total");
    }

    @Test
    void thePendingFollowMetersAreChartedAndNoneOfTheRunsHereServesThem() throws Exception {
        Set<String> used = new TreeSet<>();
        expressions().values().forEach(e -> used.addAll(metrics(e)));
        Set<String> served = served(scrape);

        // Names what is still missing; an entry no panel uses, or one a run here serves, is stale.
        assertThat(used).containsAll(PENDING);
        assertThat(served).doesNotContainAnyElementsOf(PENDING);
    }
}
