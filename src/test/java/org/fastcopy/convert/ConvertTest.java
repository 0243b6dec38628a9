package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.generate.YearSpan;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Conversions of generated v3 databases on the real test cluster, checked against {@link FlatOracle}. */
@ExtendWith(ClusterExtension.class)
class ConvertTest {
    private static final List<String> TABLES = List.of("submit", "mpi_install", "test_build", "test_run");

    @TempDir
    Path work;

    @Test
    void shouldConvertEveryRowExactlyOnceWithItsJoinedFieldsAndCountDangling(TestClusters clusters) throws Exception {
        LocalCluster flux1 = clusters.flux1();
        String v3 = clusters.mttV3();
        String flat = clusters.newDatabaseName("flat");

        ConvertReport report = job(flux1, v3, flat, 2, ConvertListener.NONE).run();
        report.lines().forEach(System.out::println);

        assertExact(clusters, v3, flat);
        try (Connection c = clusters.connect(flux1, v3)) {
            for (String kind : List.of(Dangling.TEST_RUN_BUILD, Dangling.TEST_BUILD_INSTALL, Dangling.TEST_RUN_INSTALL,
                    Dangling.TEST_RUN_SUBMIT)) {
                assertEquals(FlatOracle.dangling(c, kind), report.dangling().getOrDefault(kind, 0L), kind);
            }
        }
        assertTrue(report.dangling().getOrDefault(Dangling.TEST_RUN_BUILD, 0L) > 0, "the fixture has dangling builds");
        assertTrue(report.verifyMismatches().isEmpty(), "verify: " + report.verifyMismatches());

        // Auto ranges are balanced: the largest at most 1.5x the mean.
        List<ConvertReport.PartLine> ranges = report.parts().stream().filter(p -> p.key().startsWith("test_run:")).toList();
        assertTrue(ranges.size() >= 4, "more ranges than workers: " + ranges.size());
        double mean = ranges.stream().mapToLong(ConvertReport.PartLine::rows).average().orElseThrow();
        long max = ranges.stream().mapToLong(ConvertReport.PartLine::rows).max().orElseThrow();
        assertTrue(max <= 1.5 * mean, "largest range " + max + " > 1.5 x mean " + mean);

        // The same conversion again: nothing to do, nothing duplicated.
        ConvertReport again = job(flux1, v3, flat, 2, ConvertListener.NONE).run();
        assertTrue(again.note().contains("nothing to do"), again.note());
        assertExact(clusters, v3, flat);

        // The figure the brief asks for: jobs 1 against jobs 2 on the same data.
        ConvertReport one = job(flux1, v3, clusters.newDatabaseName("flat1"), 1, ConvertListener.NONE).run();
        System.out.printf("MEASURE test_run rows/s: jobs 1 %.0f (%d rows, %.2fs), jobs 2 %.0f (%d rows, %.2fs)%n",
                one.testRunRowsPerSecond(), one.testRunRows(), one.testRunSeconds(), report.testRunRowsPerSecond(),
                report.testRunRows(), report.testRunSeconds());
    }

    @Test
    void shouldLeaveNoRowsOfAFailedRangeAndEndExactWhenRerun(TestClusters clusters) throws Exception {
        LocalCluster flux1 = clusters.flux1();
        String v3 = clusters.mttV3();
        String flat = clusters.newDatabaseName("flatfail");
        ConvertListener failAfterTwo = new ConvertListener() {
            @Override
            public void rangeCommitted(String rangeKey, long rows, int committed) {
                if (committed == 2) {
                    throw new IllegalStateException("injected failure after " + rangeKey);
                }
            }
        };
        assertThrows(FastcopyException.class, () -> job(flux1, v3, flat, 1, failAfterTwo).run());
        try (Connection c = clusters.connect(flux1, flat); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM test_run WHERE test_run_id <> 0), "
                     + "(SELECT coalesce(sum(rows), 0) FROM _convert.part WHERE part_key LIKE 'test_run:%' "
                     + "AND finished IS NOT NULL), (SELECT count(*) FROM _convert.part WHERE part_key LIKE 'test_run:%' "
                     + "AND finished IS NOT NULL)")) {
            rs.next();
            assertEquals(rs.getLong(2), rs.getLong(1), "flat holds exactly the rows of the marked ranges");
            assertEquals(2, rs.getLong(3));
        }
        ConvertReport resumed = job(flux1, v3, flat, 2, ConvertListener.NONE).run();
        assertTrue(resumed.note().startsWith("resumed"), resumed.note());
        assertExact(clusters, v3, flat);
    }

    /**
     * Production has about ten years of weekly children per result table. A query on an inheritance
     * parent locks every child and every child's index until its transaction ends; four workers doing
     * that at once exhausted the default lock table ("out of shared memory") before v3 was read child
     * by child in short transactions.
     */
    @Test
    void convertsTenYearsOfWeeklyChildrenWithFourWorkersAtTheDefaultLockTable(TestClusters clusters) throws Exception {
        LocalCluster flux1 = clusters.flux1();
        try (Connection c = clusters.connect(flux1, "postgres")) {
            assertEquals(64, scalar(c, "SELECT current_setting('max_locks_per_transaction')::int"),
                    "the test cluster keeps the server default");
        }
        String v3 = clusters.newDatabaseName("mttv3_tenyears");
        new MttV3Generator(flux1.connections(), flux1.endpoint("postgres")).generate(GenerateSpec.defaults(v3)
                .withScale(0.0005).withSeed(5).withYears(new YearSpan(2006, 2015)).withDangling(0.01)
                .withDropIfExists(true));
        try (Connection c = clusters.connect(flux1, v3)) {
            assertTrue(scalar(c, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'test_run'::regclass") >= 500,
                    "ten years of weekly test_run children");
        }
        String flat = clusters.newDatabaseName("flattenyears");

        ConvertReport report = job(flux1, v3, flat, 4, ConvertListener.NONE).run();

        assertTrue(report.verifyMismatches().isEmpty(), "verify: " + report.verifyMismatches());
        assertExact(clusters, v3, flat);
    }

    @Test
    void shouldAddExactlyTheNewRowsIncrementally(TestClusters clusters) throws Exception {
        LocalCluster flux1 = clusters.flux1();
        String v3 = clusters.newDatabaseName("mttv3_incr");
        new MttV3Generator(flux1.connections(), flux1.endpoint("postgres")).generate(GenerateSpec.defaults(v3)
                .withScale(0.001).withSeed(11).withYears(new YearSpan(2014, 2015)).withDangling(0.01)
                .withDropIfExists(true));
        String flat = clusters.newDatabaseName("flatincr");
        job(flux1, v3, flat, 2, ConvertListener.NONE).run();
        Map<Long, String> before = actual(clusters, flat, "test_run");

        try (Connection c = clusters.connect(flux1, v3); Statement st = c.createStatement()) {
            // The new rows copy their other columns from existing ones, read once into temporary
            // tables: an INSERT into a parent is rewritten into one INSERT per weekly rule, and a
            // SELECT from the parent in it would be planned over every child once per rule.
            st.execute("CREATE TEMP TABLE install_tpl AS SELECT * FROM mpi_install WHERE mpi_install_id <> 0 "
                    + "ORDER BY mpi_install_id LIMIT 1");
            st.execute("CREATE TEMP TABLE build_tpl AS SELECT * FROM test_build WHERE test_build_id <> 0 "
                    + "ORDER BY test_build_id LIMIT 1");
            st.execute("CREATE TEMP TABLE run_tpl AS SELECT * FROM test_run WHERE test_run_id <> 0 "
                    + "ORDER BY test_run_id LIMIT 1");
            long oldBuild = scalar(c, "SELECT min(test_build_id) FROM test_build WHERE test_build_id <> 0");
            long submit = next(st, "submit", "submit_id");
            st.execute("INSERT INTO submit (submit_id, hostname, local_username, http_username, mtt_client_version) "
                    + "VALUES (" + submit + ", 'new-host', 'u', 'h', 'v9')");
            long install = next(st, "mpi_install", "mpi_install_id");
            st.execute("INSERT INTO mpi_install (mpi_install_id, submit_id, compute_cluster_id, mpi_install_compiler_id, "
                    + "mpi_get_id, mpi_install_configure_id, description_id, start_timestamp, test_result, "
                    + "submit_timestamp, environment_id, result_message_id) SELECT " + install + ", " + submit
                    + ", compute_cluster_id, mpi_install_compiler_id, mpi_get_id, mpi_install_configure_id, description_id, "
                    + "TIMESTAMP '2016-01-05 10:00', 1, TIMESTAMP '2016-01-05 11:00', environment_id, result_message_id "
                    + "FROM install_tpl");
            long build = next(st, "test_build", "test_build_id");
            st.execute("INSERT INTO test_build (test_build_id, submit_id, compute_cluster_id, mpi_install_compiler_id, "
                    + "mpi_get_id, mpi_install_configure_id, mpi_install_id, test_suite_id, test_build_compiler_id, "
                    + "description_id, start_timestamp, test_result, submit_timestamp, environment_id, result_message_id) "
                    + "SELECT " + build + ", " + submit + ", compute_cluster_id, mpi_install_compiler_id, mpi_get_id, "
                    + "mpi_install_configure_id, " + install + ", test_suite_id, test_build_compiler_id, description_id, "
                    + "TIMESTAMP '2016-01-05 12:00', 1, TIMESTAMP '2016-01-05 12:30', environment_id, result_message_id "
                    + "FROM build_tpl");
            // Three new runs: two on the new build, one on an old build.
            for (String buildRef : List.of(String.valueOf(build), String.valueOf(build),
                    String.valueOf(oldBuild))) {
                long run = next(st, "test_run", "test_run_id");
                st.execute("INSERT INTO test_run (test_run_id, submit_id, compute_cluster_id, mpi_install_compiler_id, "
                        + "mpi_get_id, mpi_install_configure_id, mpi_install_id, test_suite_id, test_build_compiler_id, "
                        + "test_build_id, test_name_id, test_run_command_id, np, full_command, description_id, "
                        + "start_timestamp, test_result, submit_timestamp, environment_id, result_message_id, result_stdout) "
                        + "SELECT " + run + ", " + submit + ", compute_cluster_id, mpi_install_compiler_id, mpi_get_id, "
                        + "mpi_install_configure_id, mpi_install_id, test_suite_id, test_build_compiler_id, " + buildRef
                        + ", test_name_id, test_run_command_id, 4, 'mpirun -np 4 ./new', description_id, "
                        + "TIMESTAMP '2016-01-06 00:00' + interval '1 minute' * " + run % 1000 + ", 1, "
                        + "TIMESTAMP '2016-01-06 01:00', environment_id, result_message_id, E'new\\tout\\n\\u00e9' "
                        + "FROM run_tpl");
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
        ConvertReport incr = job(flux1, v3, flat, 2, ConvertListener.NONE, true).run();
        incr.lines().forEach(System.out::println);
        assertEquals("incremental", incr.kind());
        assertEquals(3, incr.testRunRows());
        assertEquals(1, incr.rows("base:submit"));
        assertEquals(1, incr.rows("base:mpi_install"));
        assertEquals(1, incr.rows("base:test_build"));
        Map<Long, String> after = actual(clusters, flat, "test_run");
        assertEquals(before.size() + 3, after.size());
        assertExact(clusters, v3, flat);

        ConvertReport nothing = job(flux1, v3, flat, 2, ConvertListener.NONE, true).run();
        assertEquals(0, nothing.testRunRows());
        assertExact(clusters, v3, flat);
    }

    @Test
    void verifyPassesOnACorrectConversionNamesACorruptedFlatFieldAndListsDanglingReferences(TestClusters clusters)
            throws Exception {
        LocalCluster flux1 = clusters.flux1();
        String v3 = clusters.mttV3();
        String flat = clusters.newDatabaseName("flatverify");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Endpoint ep = flux1.endpoint("postgres");
        ConvertReport converted = new ConvertJob(new ConvertSpec(ep, ep, v3, flat, null, 2, 4, false, false,
                VerifyOptions.sampled(20, 3), work), flux1.connections(), ConvertListener.NONE, registry).run();
        assertTrue(converted.verify().ok(), "sampled verify: " + converted.verify().problems());
        assertTrue((long) converted.verify().json().get("rows_compared") > 0);
        assertEquals(converted.testRunRows(), (long) registry.get(ConvertMeters.ROWS).tag("table", "test_run").counter().count());
        assertEquals(converted.mapBytes(), (long) registry.get(ConvertMeters.IDMAP_BYTES).gauge().value());
        try (Connection c = clusters.connect(flux1, flat)) {
            assertEquals(6, scalar(c, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"),
                    "the foreign keys, added after the load");
        }

        // --verify-only --full compares every row of every table.
        ConvertReport full = verifyOnly(flux1, v3, flat).run();
        full.lines().forEach(System.out::println);
        assertTrue(full.verify().ok(), "full verify: " + full.verify().problems());
        long v3Rows = 0;
        try (Connection c = clusters.connect(flux1, v3)) {
            for (String t : TABLES) {
                v3Rows += FlatOracle.expected(c, t).size();
            }
            // Dangling references listed per kind, with the independent count and real example ids.
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> listed = (List<Map<String, Object>>) full.verify().json().get("dangling");
            for (String kind : List.of(Dangling.TEST_RUN_BUILD, Dangling.TEST_BUILD_INSTALL, Dangling.TEST_RUN_SUBMIT)) {
                long expected = FlatOracle.dangling(c, kind);
                Map<String, Object> entry = listed.stream().filter(m -> kind.equals(m.get("reference"))).findFirst()
                        .orElse(Map.of("count", 0L, "example_v3_ids", List.of()));
                assertEquals(expected, entry.get("count"), kind);
                @SuppressWarnings("unchecked")
                List<Long> examples = (List<Long>) entry.get("example_v3_ids");
                assertEquals(Math.min(5, expected), examples.size(), kind);
                if (kind.equals(Dangling.TEST_RUN_BUILD)) {
                    assertTrue(expected > 0, "the fixture has dangling builds");
                    assertEquals(examples.size(), scalar(c, "SELECT count(*) FROM test_run x WHERE x.test_run_id IN ("
                            + join(examples) + ") AND NOT EXISTS (SELECT 1 FROM test_build b WHERE b.test_build_id = "
                            + "x.test_build_id)"), "the examples are dangling test_runs");
                }
            }
            assertTrue(full.lines().stream().anyMatch(l -> l.contains(Dangling.TEST_RUN_BUILD) && l.contains("e.g. v3 ids")),
                    "printed: " + full.lines());
        }
        assertEquals(v3Rows, full.verify().json().get("rows_compared"));

        // One flat field edited, one flat row deleted: verify names both by table, v3 id and field.
        long edited;
        long deleted;
        try (Connection c = clusters.connect(flux1, flat); Statement st = c.createStatement()) {
            edited = scalar(c, "SELECT old_test_run_id FROM test_run WHERE test_run_id <> 0 ORDER BY test_run_id OFFSET 7 LIMIT 1");
            deleted = scalar(c, "SELECT old_test_run_id FROM test_run WHERE test_run_id <> 0 ORDER BY test_run_id OFFSET 9 LIMIT 1");
            st.execute("UPDATE test_run SET test_name = test_name || '-edited' WHERE old_test_run_id = " + edited);
            st.execute("DELETE FROM test_run WHERE old_test_run_id = " + deleted);
        }
        ConvertReport bad = verifyOnly(flux1, v3, flat).run();
        List<String> problems = bad.verifyMismatches();
        assertEquals(3, problems.size(), "one count, one field, one missing row: " + problems);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("test_run:") && p.contains(" rows in v3, ")),
                "a range's counts differ: " + problems);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("test_run v3 test_run_id " + edited + " ")
                && p.contains("test_name: v3 '") && p.contains("-edited'")), "the edited field: " + problems);
        assertTrue(problems.stream().anyMatch(p -> p.equals("test_run v3 test_run_id " + deleted + ": missing in flat")),
                "the deleted row: " + problems);
    }

    @Test
    void shouldRejectMalformedOrUnorderedCutPointsNamingTheValue() {
        FastcopyException bad = assertThrows(FastcopyException.class, () -> ConvertSpec.parseRanges("2012-01-01,2012-13-01"));
        assertEquals(FastcopyException.USAGE, bad.exitCode());
        assertTrue(bad.getMessage().contains("2012-13-01"), bad.getMessage());
        FastcopyException unordered = assertThrows(FastcopyException.class,
                () -> ConvertSpec.parseRanges("2013-01-01,2012-01-01"));
        assertTrue(unordered.getMessage().contains("'2012-01-01'"), unordered.getMessage());
        assertEquals(2, ConvertSpec.parseRanges("2012-01-01,2013-01-01T12:00").size());
        assertEquals(null, ConvertSpec.parseRanges("auto"));
    }

    private void assertExact(TestClusters clusters, String v3, String flat) throws Exception {
        try (Connection a = clusters.connect(clusters.flux1(), v3); Connection b = clusters.connect(clusters.flux1(), flat)) {
            for (String t : TABLES) {
                Map<Long, String> expected = FlatOracle.expected(a, t);
                Map<Long, String> actual = FlatOracle.actual(b, t);
                assertEquals(expected.size(), actual.size(), t + ": row count");
                for (Map.Entry<Long, String> e : expected.entrySet()) {
                    assertEquals(e.getValue(), actual.get(e.getKey()), t + " v3 id " + e.getKey());
                }
            }
        }
    }

    private Map<Long, String> actual(TestClusters clusters, String flat, String table) throws Exception {
        try (Connection c = clusters.connect(clusters.flux1(), flat)) {
            return FlatOracle.actual(c, table);
        }
    }

    private ConvertJob verifyOnly(LocalCluster cluster, String v3, String flat) {
        Endpoint ep = cluster.endpoint("postgres");
        return new ConvertJob(new ConvertSpec(ep, ep, v3, flat, null, 1, 4, false, false,
                new VerifyOptions(true, true, true, 0, 1), work), cluster.connections(), ConvertListener.NONE);
    }

    private static long scalar(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String join(List<Long> ids) {
        return ids.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }

    private static long next(Statement st, String table, String column) throws Exception {
        try (ResultSet rs = st.executeQuery("SELECT nextval(pg_get_serial_sequence('" + table + "', '" + column + "'))")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private ConvertJob job(LocalCluster cluster, String v3, String flat, int jobs, ConvertListener listener) {
        return job(cluster, v3, flat, jobs, listener, false);
    }

    private ConvertJob job(LocalCluster cluster, String v3, String flat, int jobs, ConvertListener listener,
                           boolean incremental) {
        Endpoint ep = cluster.endpoint("postgres");
        return new ConvertJob(new ConvertSpec(ep, ep, v3, flat, null, jobs, 4, false, incremental, VerifyOptions.sampled(50, 7), work),
                cluster.connections(), listener);
    }
}
