package org.fastcopy.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.util.Sql.ident;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The generator against a real server. Two years instead of the default ten keep the class fast
 * (the cost of the children's keys and rules grows with the square of their number); the number
 * of children does not change what is being checked.
 */
@ExtendWith(ClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MttV3GeneratorTest {
    private static final YearSpan YEARS = new YearSpan(2012, 2013);
    private static final int WEEKS = WeeklyCalendar.weeks(YEARS).size();
    private static final double DANGLING = 0.02;

    private TestClusters clusters;
    private LocalCluster cluster;
    private GenerateSpec spec;
    private GenerateReport report;
    private Connection db;
    private final List<String> databases = new ArrayList<>();

    @BeforeAll
    void generate(TestClusters clusters) {
        this.clusters = clusters;
        this.cluster = clusters.flux1();
        spec = new GenerateSpec(newDatabase("gen"), 0.004, 7, YEARS, DANGLING, 2, false);
        report = generator().generate(spec);
        db = clusters.connect(cluster, spec.database());
    }

    @AfterAll
    void dropDatabases() throws SQLException {
        if (db != null) {
            db.close();
        }
        try (Connection admin = clusters.connect(cluster, "postgres"); Statement st = admin.createStatement()) {
            for (String name : databases) {
                st.execute("DROP DATABASE IF EXISTS " + ident(name) + " WITH (FORCE)");
            }
        }
    }

    @Test
    void everyResultTableHasOneInheritingChildPerWeek() throws SQLException {
        Map<String, Long> children = longs("SELECT inhparent::regclass::text, count(*) FROM pg_inherits"
                + " GROUP BY 1 ORDER BY 1");

        assertThat(children).containsOnly(Map.entry("mpi_install", (long) WEEKS), Map.entry("test_build", (long) WEEKS),
                Map.entry("test_run", (long) WEEKS), Map.entry("results_fields", 3L));
        assertThat(report.partitions()).isEqualTo(3 * WEEKS);
    }

    @Test
    void eachChildChecksItsWeek() throws SQLException {
        String check = string("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                + " WHERE conrelid = 'test_run_y2012_m02_wk5'::regclass AND contype = 'c'");

        assertThat(check).contains("'2012-02-29 00:00:00'", "'2012-03-01 00:00:00'");
        assertThat(number("SELECT count(*) FROM pg_constraint c JOIN pg_inherits i ON i.inhrelid = c.conrelid"
                + " WHERE c.contype = 'c' AND c.conname LIKE '%start_timestamp_check'")).isEqualTo(3L * WEEKS);
    }

    @Test
    void anInsertIntoTheParentLandsInTheWeeksChild() throws SQLException {
        assertThat(number("SELECT count(*) FROM pg_rules WHERE tablename = 'test_run'")).isEqualTo(WEEKS);
        db.setAutoCommit(false);
        try (Statement st = db.createStatement()) {
            st.execute("INSERT INTO test_run (submit_id, compute_cluster_id, mpi_install_compiler_id, mpi_get_id,"
                    + " mpi_install_configure_id, mpi_install_id, test_suite_id, test_build_compiler_id, test_build_id,"
                    + " test_name_id, test_run_command_id, np, full_command, start_timestamp, test_result,"
                    + " submit_timestamp) VALUES (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 'rule probe',"
                    + " '2012-03-10 12:00', 1, '2012-03-10 12:05')");

            assertThat(string("SELECT tableoid::regclass::text FROM test_run WHERE full_command = 'rule probe'"))
                    .isEqualTo("test_run_y2012_m03_wk2");
        } finally {
            db.rollback();
            db.setAutoCommit(true);
        }
    }

    @Test
    void childrenHaveTheirOwnPrimaryKeysForeignKeysAndIndexes() throws SQLException {
        String child = "test_run_y2012_m03_wk2";

        assertThat(strings("SELECT conname FROM pg_constraint WHERE conrelid = '" + child + "'::regclass"
                + " AND contype = 'p'")).containsExactly(child + "_pkey");
        assertThat(strings("SELECT confrelid::regclass::text FROM pg_constraint WHERE conrelid = '" + child
                + "'::regclass AND contype = 'f'")).containsExactlyInAnyOrder("submit", "compute_cluster",
                "compiler", "compiler", "mpi_get", "mpi_install_configure_args", "description", "environment",
                "result_message", "test_suites", "test_names", "performance", "test_run_command");
        assertThat(strings("SELECT indexname FROM pg_indexes WHERE tablename = '" + child + "'"))
                .containsExactlyInAnyOrder(child + "_pkey", child + "_start_timestamp_idx",
                        child + "_test_result_idx", child + "_test_suite_id_idx", child + "_test_name_id_idx",
                        child + "_performance_id_idx", child + "_test_run_command_id_idx");
        assertThat(number("SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'test_build_y%'"))
                .isEqualTo(4L * WEEKS);
    }

    @Test
    void dimensionTablesHaveTheirPrimaryAndUniqueKeys() throws SQLException {
        assertThat(strings("SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'u'"
                + " AND connamespace = 'public'::regnamespace"))
                .containsExactlyInAnyOrder("compute_cluster", "compiler", "mpi_get", "mpi_install_configure_args",
                        "test_suites", "test_names");
        for (DimensionTable t : MttV3Tables.DIMENSIONS) {
            assertThat(number("SELECT count(*) FROM pg_constraint WHERE conrelid = " + regclass(t.name())
                    + " AND contype = 'p'")).as("primary key of %s", t.name()).isEqualTo(1);
        }
        assertThat(strings("SELECT indexname FROM pg_indexes WHERE tablename = 'submit'"))
                .contains("submit_http_username_idx");
    }

    @Test
    void everyDimensionTableAndParentHoldsTheSentinelZero() throws SQLException {
        for (DimensionTable t : MttV3Tables.DIMENSIONS) {
            assertThat(number("SELECT count(*) FROM " + ident(t.name()) + " WHERE " + ident(t.idColumn()) + " = 0"))
                    .as("sentinel of %s", t.name()).isEqualTo(1);
        }
        for (ResultTable t : ResultTable.values()) {
            assertThat(strings("SELECT " + ident(t.idColumn()) + "::text FROM ONLY " + ident(t.table())))
                    .as("rows of the parent %s", t.table()).containsExactly("0");
        }
    }

    @Test
    void sequencesArePastEveryId() throws SQLException {
        assertThat(number("SELECT last_value FROM client_serial")).isGreaterThanOrEqualTo(
                number("SELECT max(client_serial) FROM test_run"));
        assertThat(number("SELECT last_value FROM test_run_network_id")).isGreaterThanOrEqualTo(
                number("SELECT max(test_run_network_id) FROM test_run_networks"));
        assertThat(number("SELECT last_value FROM test_run_test_run_id_seq")).isGreaterThan(
                number("SELECT max(test_run_id) FROM test_run"));
    }

    @Test
    void testRunDominatesRowsAndBytes() throws SQLException {
        assertThat(report.rows("test_run")).isEqualTo(number("SELECT count(*) FROM test_run WHERE test_run_id <> 0"))
                .isEqualTo(ResultPlan.testRuns(spec.scale()))
                .isGreaterThan(report.rows("test_build"))
                .isGreaterThan(report.rows("mpi_install"));
        assertThat(report.tableBytes().keySet().iterator().next()).isEqualTo("test_run");
        assertThat(report.databaseBytes()).isEqualTo(number("SELECT pg_database_size(current_database())"));
    }

    @Test
    void laterYearsHaveMoreResults() throws SQLException {
        Map<String, Long> perYear = longs("SELECT extract(year FROM start_timestamp)::int::text, count(*)"
                + " FROM test_run WHERE test_run_id <> 0 GROUP BY 1 ORDER BY 1");

        assertThat(perYear.keySet()).containsExactly("2012", "2013");
        assertThat(perYear.get("2013")).isGreaterThan(perYear.get("2012") * 11 / 10);
    }

    @Test
    void aConfiguredFractionOfResultReferencesDangles() throws SQLException {
        long runs = report.rows("test_run");
        long runsToMissingBuilds = number("SELECT count(*) FROM test_run r WHERE r.test_run_id <> 0"
                + " AND NOT EXISTS (SELECT 1 FROM test_build b WHERE b.test_build_id = r.test_build_id)");
        long buildsToMissingInstalls = number("SELECT count(*) FROM test_build b WHERE b.test_build_id <> 0"
                + " AND NOT EXISTS (SELECT 1 FROM mpi_install m WHERE m.mpi_install_id = b.mpi_install_id)");

        assertThat((double) runsToMissingBuilds / runs).isBetween(DANGLING / 2, DANGLING * 1.5);
        assertThat(report.danglingReferences()).containsEntry(DanglingCounts.RUN_TO_BUILD, runsToMissingBuilds)
                .containsEntry(DanglingCounts.BUILD_TO_INSTALL, buildsToMissingInstalls);
    }

    @Test
    void resultsLookLikeProduction() throws SQLException {
        long runs = report.rows("test_run");

        assertThat(number("SELECT count(*) FROM test_run WHERE test_result = 1"))
                .isBetween(runs * 3 / 4, runs * 19 / 20);
        assertThat(number("SELECT count(DISTINCT test_result) FROM test_run WHERE test_run_id <> 0")).isEqualTo(4);
        assertThat(number("SELECT count(*) FROM test_run WHERE submit_timestamp < start_timestamp")).isZero();
        assertThat(number("SELECT max(length(result_stdout)) FROM test_run"))
                .isGreaterThan(20 * number("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY length(result_stdout))"
                        + " FROM test_run"));
        assertThat(number("SELECT count(*) FROM compute_cluster WHERE platform_name LIKE '%東京%'"
                + " OR platform_name LIKE '%ü%'")).isPositive();
        assertThat(number("SELECT count(*) FROM latency_bandwidth WHERE cardinality(message_size) > 16")).isPositive();
        assertThat(number("SELECT count(*) FROM test_run WHERE performance_id IS NOT NULL")).isPositive();
    }

    @Test
    void theSameSeedGivesTheSameDataWhateverTheParallelism() throws SQLException {
        GenerateSpec again = new GenerateSpec(newDatabase("gen_again"), spec.scale(), spec.seed(),
                spec.years(), spec.dangling(), 1, false);
        generator().generate(again);

        try (Connection other = clusters.connect(cluster, again.database())) {
            assertThat(fingerprints(other)).isEqualTo(fingerprints(db));
        }
    }

    @Test
    void aNonEmptyDatabaseIsRefusedUnlessDropIfExistsAndTwiceTheScaleGivesTwiceTheRows() throws SQLException {
        String name = newDatabase("gen_taken");
        try (Connection admin = clusters.connect(cluster, "postgres"); Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + ident(name) + " TEMPLATE template0");
        }
        try (Connection taken = clusters.connect(cluster, name); Statement st = taken.createStatement()) {
            st.execute("CREATE TABLE precious (x int)");
        }
        GenerateSpec doubled = new GenerateSpec(name, 2 * spec.scale(), spec.seed(), spec.years(), spec.dangling(),
                2, false);

        assertThatThrownBy(() -> generator().generate(doubled))
                .isInstanceOf(FastcopyException.class)
                .hasMessageContaining(name).hasMessageContaining("--drop-if-exists")
                .satisfies(e -> assertThat(((FastcopyException) e).exitCode()).isEqualTo(FastcopyException.USAGE));

        GenerateReport replaced = generator().generate(doubled.withDropIfExists(true));
        assertThat(replaced.rows("test_run")).isEqualTo(2 * report.rows("test_run"));
        assertThat((double) replaced.rows("test_build") / report.rows("test_build")).isBetween(1.9, 2.1);
    }

    private String newDatabase(String prefix) {
        String name = clusters.newDatabaseName(prefix);
        databases.add(name);
        return name;
    }

    private MttV3Generator generator() {
        return new MttV3Generator(cluster.connections(), cluster.endpoint("postgres"));
    }

    /** Per table: row count and an md5 over every row in id order, with the child it lives in. */
    private static Map<String, String> fingerprints(Connection c) throws SQLException {
        Map<String, String> prints = new LinkedHashMap<>();
        List<String[]> tables = new ArrayList<>();
        MttV3Tables.DIMENSIONS.forEach(t -> tables.add(new String[] {t.name(), t.idColumn()}));
        for (ResultTable t : ResultTable.values()) {
            tables.add(new String[] {t.table(), t.idColumn()});
        }
        try (Statement st = c.createStatement()) {
            for (String[] t : tables) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) || ' ' || md5(string_agg(md5(t::text)"
                        + " || t.tableoid::regclass::text, ',' ORDER BY t." + ident(t[1]) + ")) FROM "
                        + ident(t[0]) + " t")) {
                    rs.next();
                    prints.put(t[0], rs.getString(1));
                }
            }
        }
        return prints;
    }

    private static String regclass(String table) {
        return "'" + ident(table).replace("'", "''") + "'::regclass";
    }

    private long number(String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String string(String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private List<String> strings(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private Map<String, Long> longs(String sql) throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }
}
