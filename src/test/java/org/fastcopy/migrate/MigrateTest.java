package org.fastcopy.migrate;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.convert.ConvertListener;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.generate.YearSpan;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.report.HtmlReport;
import org.fastcopy.report.RunRecorder;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.fastcopy.util.Sql.ident;

/**
 * The whole runbook on three real clusters: production (started here, in the shared clusters'
 * slot directory), flux1 and flux2 (the shared test clusters). Before each test flux1 holds the
 * "previous" state the runbook starts from: an older v3 and the flat converted from it.
 */
@ExtendWith(ClusterExtension.class)
class MigrateTest {
    private static final String V3 = "migrate_mttv3";
    private static final String FLAT = "migrate_mttflat";
    private static final String OLD_V3 = "migrate_mttv3_previous";
    private static final String OLD_FLAT = "migrate_mttflat_previous";
    private static final String ORIGINAL_CONF_TAIL = "# end of the service conf\n";

    private static LocalCluster production;

    @TempDir
    Path dir;

    private TestClusters clusters;
    private Path conf;
    private String originalConf;

    @BeforeAll
    static void startProductionAndThePreviousState(TestClusters clusters) {
        Path slot = clusters.flux1().dataDir().getParent().getParent();
        production = LocalCluster.start("production", slot);
        GenerateSpec current = GenerateSpec.defaults(V3).withScale(0.01).withSeed(7).withYears(new YearSpan(2015, 2015))
                .withDangling(0.01).withDropIfExists(true);
        new MttV3Generator(production.connections(), production.endpoint("postgres")).generate(current);
        keepTwoMonths(production, V3);
        LocalCluster flux1 = clusters.flux1();
        GenerateSpec previous = GenerateSpec.defaults(OLD_V3).withScale(0.005).withSeed(3)
                .withYears(new YearSpan(2015, 2015)).withDangling(0.01).withDropIfExists(true);
        new MttV3Generator(flux1.connections(), flux1.endpoint("postgres")).generate(previous);
        keepTwoMonths(flux1, OLD_V3);
        exec(flux1, "postgres", "DROP DATABASE IF EXISTS " + ident(OLD_FLAT));
        FlatConversion.convert(flux1.endpoint(null), OLD_V3, OLD_FLAT, 2, Path.of("target", "migrate-test-work"),
                flux1.connections(), ConvertListener.NONE);
    }

    @AfterAll
    static void stopProduction(TestClusters clusters) {
        try {
            for (String db : List.of(V3, FLAT, OLD_V3, OLD_FLAT)) {
                exec(clusters.flux1(), "postgres", "DROP DATABASE IF EXISTS " + ident(db));
                exec(clusters.flux2(), "postgres", "DROP DATABASE IF EXISTS " + ident(db));
            }
        } finally {
            production.stop();
        }
    }

    @BeforeEach
    void previousState(TestClusters clusters) throws IOException {
        this.clusters = clusters;
        for (String db : List.of(V3, FLAT)) {
            exec(clusters.flux1(), "postgres", "DROP DATABASE IF EXISTS " + ident(db));
            exec(clusters.flux2(), "postgres", "DROP DATABASE IF EXISTS " + ident(db));
        }
        exec(clusters.flux1(), "postgres", "CREATE DATABASE " + ident(V3) + " TEMPLATE " + ident(OLD_V3));
        exec(clusters.flux1(), "postgres", "CREATE DATABASE " + ident(FLAT) + " TEMPLATE " + ident(OLD_FLAT));
        conf = dir.resolve("mtt.conf");
        originalConf = "# MTT service\n[mttflat]\ntype: postgres\ndbname: " + FLAT + "\nusername: mtt\npassword: PASSWORD\n"
                + "server: 127.0.0.1\nport: " + clusters.flux1().port() + "\n\n[other]\nport: 1\n" + ORIGINAL_CONF_TAIL;
        Files.writeString(conf, originalConf);
    }

    /**
     * One scenario, since each run of phases 1-3 costs the most of this class's time: the plan runs,
     * fails inside phase 4 (a test hook throws after the first test_run range commits), a plain
     * rerun is refused, and --resume finishes it without redoing phases 1-3, with the service
     * conf on flux2 while flux1 converts and back on flux1 at the end.
     */
    @Test
    void shouldRunTheWholeRunbookAndResumeAFailedConversionWithoutRedoingTheFirstThreePhases() throws Exception {
        Path events = dir.resolve("events.txt");
        MigratePlan plan = plan(true, "echo \"$FASTCOPY_PHASE $FASTCOPY_EVENT\" >> " + events);
        String flux1Port = String.valueOf(clusters.flux1().port());
        String flux2Port = String.valueOf(clusters.flux2().port());

        AtomicBoolean failOnce = new AtomicBoolean(true);
        MigrateListener injectFailure = new MigrateListener() {
            @Override
            public ConvertListener convertListener() {
                return new ConvertListener() {
                    @Override
                    public void rangeCommitted(String rangeKey, long rows, int committed) {
                        if (failOnce.getAndSet(false)) {
                            throw new IllegalStateException("injected failure after " + rangeKey);
                        }
                    }
                };
            }
        };
        RunRecorder firstRun = new RunRecorder("migrate, first run");
        FastcopyException failed;
        try (RunRecorder.Scope recording = RunRecorder.install(firstRun)) {
            failed = catchThrowableOfType(
                    () -> job(plan, injectFailure, new StringWriter()).run(Phase.select(null, null), false),
                    FastcopyException.class);
        }
        assertThat(failed.getMessage()).startsWith("phase 4 convert failed:").contains("injected failure", "--resume");
        assertThat(failed.exitCode()).isEqualTo(FastcopyException.FAILED);
        Document failedReport = Jsoup.parse(HtmlReport.html(firstRun.finish(failed)));
        assertThat(failedReport.getElementById("outcome").text()).as("the HTML report of the failed run")
                .startsWith("FAILED in STEP 4 ranges (convert)").contains("injected failure");
        assertThat(failedReport.select("#steps-table tr.failed td:eq(1)").eachText())
                .containsExactly("phase 4 convert", "STEP 4 ranges");
        assertThat(failedReport.select("#steps-table tr.done td:eq(0)").eachText())
                .contains("migrate", "convert").anyMatch(scope -> scope.startsWith("copy "));

        PhaseLedger before = PhaseLedger.load(plan.stateDir());
        assertThat(before.entry(Phase.CONVERT).status).isEqualTo(PhaseLedger.Status.FAILED);
        assertThat(ServiceConf.read(conf, "mttflat").value("port")).as("the service stays on flux2").isEqualTo(flux2Port);
        Map<Phase, String> finishedBefore = new HashMap<>();
        for (Phase p : List.of(Phase.COPY_TO_FLUX2, Phase.REPOINT_TO_FLUX2, Phase.REFRESH_V3)) {
            assertThat(before.entry(p).status).isEqualTo(PhaseLedger.Status.DONE);
            finishedBefore.put(p, before.entry(p).started + " " + before.entry(p).finished);
        }
        long flux2V3 = oid(clusters.flux2(), V3);
        long flux2Flat = oid(clusters.flux2(), FLAT);
        long flux1V3 = oid(clusters.flux1(), V3);
        // Markers a redone phase would wipe: phase 1 drops flux2's copies, phase 3 drops flux1's v3.
        exec(clusters.flux2(), FLAT, "CREATE TABLE public.resume_marker AS SELECT 1 AS x");
        exec(clusters.flux1(), V3, "CREATE TABLE public.resume_marker AS SELECT 1 AS x");

        FastcopyException refused = catchThrowableOfType(
                () -> job(plan, MigrateListener.NONE, new StringWriter()).run(Phase.select(null, null), false),
                FastcopyException.class);
        assertThat(refused.exitCode()).isEqualTo(FastcopyException.USAGE);
        assertThat(refused.getMessage()).contains("unfinished run " + before.runId(), "--resume");

        // The resumed run, watched from inside: where the service points while flux1 converts, and
        // flux2's databases just before phase 7 drops them.
        AtomicReference<String> portAtPhase4Start = new AtomicReference<>();
        AtomicReference<String> portDuringConversion = new AtomicReference<>();
        AtomicReference<String> flux2BeforeDrop = new AtomicReference<>();
        AtomicReference<String> scrapeDuringPhase4 = new AtomicReference<>();
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MigrateListener watch = new MigrateListener() {
            @Override
            public void phaseStarted(Phase phase) {
                if (phase == Phase.CONVERT) {
                    portAtPhase4Start.set(ServiceConf.read(conf, "mttflat").value("port"));
                    scrapeDuringPhase4.set(prometheus.scrape());
                }
                if (phase == Phase.DROP_FLUX2_COPIES) {
                    try {
                        flux2BeforeDrop.set(oid(clusters.flux2(), V3) + " " + oid(clusters.flux2(), FLAT) + " "
                                + scalar(clusters.flux2(), FLAT, "SELECT count(*) FROM public.resume_marker"));
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }

            @Override
            public ConvertListener convertListener() {
                return new ConvertListener() {
                    @Override
                    public void rangeCommitted(String rangeKey, long rows, int committed) {
                        portDuringConversion.compareAndSet(null, ServiceConf.read(conf, "mttflat").value("port"));
                    }
                };
            }
        };
        StringWriter out = new StringWriter();
        RunRecorder resumedRun = new RunRecorder("migrate --resume");
        try (RunRecorder.Scope recording = RunRecorder.install(resumedRun)) {
            new MigrateJob(plan, clusters.flux1().connections(), watch, prometheus, CopyMetrics.Factory.NONE,
                    new PrintWriter(out, true)).run(Phase.select(null, null), true);
        }
        System.out.println(out);
        Document report = Jsoup.parse(HtmlReport.html(resumedRun.finish(null)));
        assertThat(report.getElementById("outcome").classNames()).as("the HTML report of the resumed run").contains("ok");
        assertThat(report.select("#steps-table td:eq(1)").eachText()).as("phases 1-3 not redone")
                .doesNotContain("phase 1 copy-to-flux2").contains("phase 4 convert", "STEP 4 ranges", "phase 8 watermark");
        assertThat(report.select("#workers-chart text.lane-name").eachText()).anyMatch(l -> l.startsWith("convert-worker-"));
        assertThat(report.select("#workers-chart rect.range title").eachText()).anyMatch(t -> t.startsWith("test_run "));
        assertThat(report.select("#verify-table td.good")).isNotEmpty();
        assertThat(report.select("#verify-table td.bad")).isEmpty();

        assertThat(scrapeDuringPhase4.get()).as("metrics while phase 4 runs")
                .contains("fastcopy_migrate_phase 4.0", "fastcopy_migrate_phases_done 3.0");
        assertThat(prometheus.scrape()).contains("fastcopy_migrate_phase 0.0", "fastcopy_migrate_phases_done 8.0",
                "fastcopy_migrate_phase_duration_seconds_count{phase=\"convert\"} 1");

        assertThat(portAtPhase4Start.get()).as("service port when phase 4 starts").isEqualTo(flux2Port);
        assertThat(portDuringConversion.get()).as("service port while a range commits").isEqualTo(flux2Port);
        assertThat(Files.readString(conf)).as("back at flux1, every other line kept").isEqualTo(originalConf);
        assertThat(Files.readString(conf)).contains("port: " + flux1Port);

        PhaseLedger after = PhaseLedger.load(plan.stateDir());
        assertThat(after.runId()).isEqualTo(before.runId());
        assertThat(after.complete()).isTrue();
        assertThat(after.entries()).allSatisfy(e -> assertThat(e.status).isEqualTo(PhaseLedger.Status.DONE));
        for (Phase p : finishedBefore.keySet()) {
            assertThat(after.entry(p).started + " " + after.entry(p).finished).as("phase %s untouched", p.label())
                    .isEqualTo(finishedBefore.get(p));
            assertThat(after.entry(p).attempts).isEqualTo(1);
        }
        assertThat(after.entry(Phase.CONVERT).attempts).isEqualTo(2);
        assertThat((String) after.entry(Phase.CONVERT).details.get("convert_note")).startsWith("resumed");
        assertThat(flux2BeforeDrop.get()).as("flux2's copies (oids, marker) when phase 7 starts")
                .isEqualTo(flux2V3 + " " + flux2Flat + " 1");
        assertThat(oid(clusters.flux1(), V3)).isEqualTo(flux1V3);
        assertThat(scalar(clusters.flux1(), V3, "SELECT count(*) FROM public.resume_marker")).isEqualTo(1);
        assertThat(oid(clusters.flux2(), V3)).as("phase 7 dropped flux2's copies").isEqualTo(-1);
        assertThat(oid(clusters.flux2(), FLAT)).isEqualTo(-1);

        Path backup = conf.resolveSibling("mtt.conf.before-flux2-" + after.runId());
        assertThat(Files.readString(backup)).as("backup of the original conf").isEqualTo(originalConf);
        assertThat(Files.readString(conf.resolveSibling("mtt.conf.before-flux1-" + after.runId())))
                .contains("port: " + flux2Port).endsWith(ORIGINAL_CONF_TAIL);

        assertFlatEqualsV3();
        Map<String, Long> production = counts(MigrateTest.production, V3);
        production.put("resume_marker", 1L);
        Map<String, Long> flux1 = counts(clusters.flux1(), V3);
        flux1.put("resume_marker", scalar(clusters.flux1(), V3, "SELECT count(*) FROM public.resume_marker"));
        assertThat(flux1).as("flux1's v3 refreshed from production").isEqualTo(production);

        String watermark = text(MigrateTest.production, V3, "SELECT max(start_timestamp)::text FROM mpi_install");
        assertThat(after.entry(Phase.WATERMARK).details).containsEntry("mpi_install_max_start_timestamp", watermark);
        assertThat(out.toString()).contains("watermark: max(start_timestamp) of " + FLAT + ".mpi_install on flux1 = " + watermark);

        StringBuilder expected = new StringBuilder();
        for (Phase p : Phase.values()) {
            expected.append(p.number).append(" start\n");
            if (p == Phase.CONVERT) {
                expected.append("4 fail\n4 start\n");
            }
            expected.append(p.number).append(" end\n");
        }
        assertThat(Files.readString(events)).isEqualTo(expected.toString());
        assertThat(plan.stateDir().resolve("report-" + after.runId() + ".md")).content()
                .contains("| 4 convert | 5-6 | done |").contains("| 1 copy-to-flux2 | 1a-1c | done |");
        assertThat(plan.stateDir().resolve("report-" + after.runId() + ".json")).content().contains("\"complete\": true");
    }

    @Test
    void aDryRunPrintsEachPhaseWithMeasuredSizesAndChangesNothing() throws Exception {
        MigratePlan plan = plan(true, null);
        long flux1Flat = oid(clusters.flux1(), FLAT);
        StringWriter out = new StringWriter();

        job(plan, MigrateListener.NONE, out).dryRun(Phase.select("1,3,4", null));
        System.out.println(out);

        String text = out.toString();
        assertThat(text).contains("phase 1 copy-to-flux2 (runbook 1a-1c)", "phase 3 refresh-v3 (runbook 3-4)",
                        "phase 4 convert (runbook 5-6)", "read rate", "COPY of ", "pg_database_size")
                .doesNotContain("phase 2 ").containsPattern("copy " + V3 + " \\(\\d+\\.\\d MB\\) and " + FLAT
                        + " \\(\\d+\\.\\d MB\\) flux1 -> flux2")
                .containsPattern("phase 3 [^\\n]*; about \\d+")
                .containsPattern("phase 4 [^\\n]*; about \\d+")
                .contains("rows/s, the last full conversion recorded in flux1's " + FLAT);
        assertThat(plan.stateDir().resolve(PhaseLedger.FILE)).doesNotExist();

        Files.writeString(plan.file(), Files.readString(plan.file()) + "follow = yes\n");
        StringWriter following = new StringWriter();
        job(PlanParser.parse(plan.file(), PlanParserTest::resolver), MigrateListener.NONE, following)
                .dryRun(Phase.select("1,2", null));
        assertThat(following.toString()).as("the dry run of a following plan")
                .contains("follow = yes: each copy in the snapshot of a new replication slot on flux1 (fastcopy_" + V3)
                .contains("read-only for new sessions", "cut each follower over", "drop the slot and publication), then compare");
        assertThat(Files.readString(conf)).isEqualTo(originalConf);
        assertThat(oid(clusters.flux2(), V3)).isEqualTo(-1);
        assertThat(oid(clusters.flux1(), FLAT)).isEqualTo(flux1Flat);
    }

    // ---- fixtures --------------------------------------------------------------------------

    private MigratePlan plan(boolean dropFlux2Copies, String notify) throws IOException {
        Path file = dir.resolve("migrate.conf");
        Files.writeString(file, "[servers]\n"
                + "production = " + conninfo(production) + "\n"
                + "flux1 = " + conninfo(clusters.flux1()) + "\n"
                + "flux2 = " + conninfo(clusters.flux2()) + "\n"
                + "[databases]\nv3 = " + V3 + "\nflat = " + FLAT + "\n"
                + "[service]\nconf = mtt.conf\nsection = mttflat\nhost-key = server\nport-key = port\n"
                + "[run]\nstate-dir = state\ncopy-jobs = 2\nconvert-jobs = 2\n"
                + "drop-flux2-copies = " + (dropFlux2Copies ? "yes" : "no") + "\n"
                + (notify == null ? "" : "notify = " + notify + "\n"));
        return PlanParser.parse(file, PlanParserTest::resolver);
    }

    /**
     * Drops the weekly children after February 2015 (their rules go with them): the copies' time
     * is almost all per-table DDL, so ten weeks keep the test quick while every part of the v3
     * shape (children, CHECKs, rules, keys, dangling references) is still there.
     */
    static void keepTwoMonths(LocalCluster c, String db) {
        List<String> children = new java.util.ArrayList<>();
        try (Connection conn = c.connections().open(c.endpoint(db), "fastcopy-test"); Statement st = conn.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    + "WHERE c.relname ~ '_y2015_m(0[3-9]|1[0-2])_wk'")) {
                while (rs.next()) {
                    children.add(rs.getString(1));
                }
            }
            for (String child : children) {
                st.execute("DROP TABLE " + ident(child) + " CASCADE");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not trim " + db + ": " + e.getMessage(), e);
        }
        if (children.isEmpty()) {
            throw new IllegalStateException("no weekly children to trim in " + db);
        }
    }

    private static String conninfo(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=" + LocalCluster.SUPERUSER + " passfile=" + c.passfile();
    }

    private MigrateJob job(MigratePlan plan, MigrateListener listener, StringWriter out) {
        // One Connections serves all three clusters: each endpoint carries its own password file.
        return new MigrateJob(plan, clusters.flux1().connections(), listener, new SimpleMeterRegistry(),
                CopyMetrics.Factory.NONE, new PrintWriter(out, true));
    }

    /** Row counts per table and a field check of every converted test_run and mpi_install row. */
    private void assertFlatEqualsV3() throws SQLException {
        LocalCluster flux1 = clusters.flux1();
        for (String t : List.of("submit", "mpi_install", "test_build", "test_run")) {
            assertThat(scalar(flux1, FLAT, "SELECT count(*) FROM " + t + " WHERE " + t + "_id <> 0")).as(t)
                    .isEqualTo(scalar(flux1, V3, "SELECT count(*) FROM " + t + " WHERE " + t + "_id <> 0"))
                    .isPositive();
        }
        assertThat(rows(flux1, FLAT, "SELECT old_test_run_id, ROW(test_name, np, full_command, start_timestamp, "
                + "md5(result_stdout), result_message)::text FROM test_run WHERE test_run_id <> 0"))
                .isEqualTo(rows(flux1, V3, "SELECT r.test_run_id, ROW(n.test_name, r.np, r.full_command, r.start_timestamp, "
                        + "md5(r.result_stdout), m.result_message)::text FROM test_run r "
                        + "LEFT JOIN test_names n ON n.test_name_id = r.test_name_id "
                        + "LEFT JOIN result_message m ON m.result_message_id = r.result_message_id WHERE r.test_run_id <> 0"));
        assertThat(rows(flux1, FLAT, "SELECT old_mpi_install_id, ROW(compiler_name, mpi_name, os_name)::text "
                + "FROM mpi_install WHERE mpi_install_id <> 0"))
                .isEqualTo(rows(flux1, V3, "SELECT i.mpi_install_id, ROW(c.compiler_name, g.mpi_name, cc.os_name)::text "
                        + "FROM mpi_install i LEFT JOIN compiler c ON c.compiler_id = i.mpi_install_compiler_id "
                        + "LEFT JOIN mpi_get g USING (mpi_get_id) LEFT JOIN compute_cluster cc USING (compute_cluster_id) "
                        + "WHERE i.mpi_install_id <> 0"));
    }

    private static Map<String, Long> counts(LocalCluster c, String db) throws SQLException {
        Map<String, Long> m = new HashMap<>();
        for (String t : List.of("submit", "mpi_install", "test_build", "test_run", "test_names", "description")) {
            m.put(t, scalar(c, db, "SELECT count(*) FROM " + t));
        }
        return m;
    }

    private static Map<Long, String> rows(LocalCluster c, String db, String sql) throws SQLException {
        Map<Long, String> m = new HashMap<>();
        try (Connection conn = c.connections().open(c.endpoint(db), "fastcopy-test"); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                m.put(rs.getLong(1), rs.getString(2));
            }
        }
        return m;
    }

    private static long oid(LocalCluster c, String db) throws SQLException {
        return scalar(c, "postgres", "SELECT coalesce((SELECT oid::bigint FROM pg_database WHERE datname = '" + db + "'), -1)");
    }

    private static long scalar(LocalCluster c, String db, String sql) throws SQLException {
        return Long.parseLong(text(c, db, sql));
    }

    private static String text(LocalCluster c, String db, String sql) throws SQLException {
        try (Connection conn = c.connections().open(c.endpoint(db), "fastcopy-test"); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void exec(LocalCluster c, String db, String sql) {
        try (Connection conn = c.connections().open(c.endpoint(db), "fastcopy-test"); Statement st = conn.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
