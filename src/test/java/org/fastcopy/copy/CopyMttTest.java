package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.schema.SchemaComparison;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.copy.CopyFixture.column;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;
import static org.fastcopy.copy.CopyFixture.text;

/**
 * The copy of a generated MTT v3 database from flux1 to flux2, checked against the source:
 * schema, rows, rules, sequences, and the snapshot's boundary.
 */
@ExtendWith(ClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CopyMttTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "copy-test-work");
    private String db;
    private CopyReport report;
    private String insertedDuringCopy;

    CopyMttTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @BeforeAll
    void copyTheGeneratedDatabase() {
        db = clusters.mttV3();
        // Rows written on the source after the snapshot was exported must not reach the target.
        CopyJob.Listener writeDuringCopy = new CopyJob.Listener() {
            @Override
            public void snapshotExported(String database, String snapshotId) {
                try (Connection c = clusters.connect(clusters.flux1(), database)) {
                    insertedDuringCopy = text(c, "INSERT INTO submit (hostname, local_username, http_username, mtt_client_version)"
                            + " VALUES ('written-during-copy', 'u', 'h', 'v') RETURNING submit_id");
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        report = new CopyJob(CopyFixture.spec(clusters, db, work), clusters.flux1().connections(), writeDuringCopy).run().get(0);
    }

    @Test
    void copyReportsEveryTableAndAllRowsEqual() {
        assertThat(report.verify().ok()).isTrue();
        assertThat(report.verify().tablesCompared()).isEqualTo(report.plan().tables().size());
        assertThat(report.plan().tables().size()).isGreaterThan(300);
        assertThat(report.rows()).isGreaterThan(1000);
    }

    @Test
    void targetSchemaEqualsSourceSchema() {
        var difference = SchemaComparison.compare(clusters.flux1().connections(), clusters.flux1().endpoint(db),
                clusters.flux2().endpoint(db), work.resolve("compare"));
        assertThat(difference).isEmpty();
    }

    @Test
    void copyKeepsInheritanceChildrenChecksAndRules() throws Exception {
        try (Connection src = clusters.connect(clusters.flux1(), db); Connection dst = clusters.connect(clusters.flux2(), db)) {
            String children = "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'test_run'";
            String rules = "SELECT count(*) FROM pg_rules WHERE tablename = 'test_run'";
            String checks = "SELECT count(*) FROM pg_constraint WHERE contype = 'c'";
            assertThat(scalar(dst, children)).isEqualTo(scalar(src, children)).isGreaterThan(50);
            assertThat(scalar(dst, rules)).isEqualTo(scalar(src, rules)).isGreaterThan(50);
            assertThat(scalar(dst, checks)).isEqualTo(scalar(src, checks));
        }
    }

    @Test
    void anInsertIntoTheParentOnTheTargetLandsInItsWeeklyChildThroughTheRule() throws Exception {
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            dst.setAutoCommit(false);
            String columns = column(dst, "SELECT string_agg(quote_ident(attname), ',' ORDER BY attnum) FROM pg_attribute "
                    + "WHERE attrelid = 'test_run'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'test_run_id'").get(0);
            // Copy an existing row back in through the parent, with a start time in March 2015, week 2.
            exec(dst, "INSERT INTO test_run (" + columns + ") SELECT " + columns.replace("start_timestamp",
                    "timestamp '2015-03-10 12:00'") + " FROM test_run LIMIT 1");
            assertThat(scalar(dst, "SELECT count(*) FROM ONLY test_run_y2015_m03_wk2 WHERE start_timestamp = '2015-03-10 12:00'"))
                    .isEqualTo(1);
            assertThat(scalar(dst, "SELECT count(*) FROM ONLY test_run WHERE start_timestamp = '2015-03-10 12:00'")).isZero();
            dst.rollback();
        }
    }

    @Test
    void sequencesHaveTheSourcesValues() throws Exception {
        String sql = "SELECT string_agg(schemaname || '.' || sequencename || '=' || coalesce(last_value::text, 'null'), ',' "
                + "ORDER BY schemaname, sequencename) FROM pg_sequences";
        try (Connection src = clusters.connect(clusters.flux1(), db); Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(text(dst, sql)).isEqualTo(text(src, sql)).contains("client_serial");
        }
    }

    @Test
    void rowsWrittenOnTheSourceDuringTheCopyAreAbsentOnTheTarget() throws Exception {
        assertThat(insertedDuringCopy).isNotNull();
        try (Connection src = clusters.connect(clusters.flux1(), db); Connection dst = clusters.connect(clusters.flux2(), db)) {
            String q = "SELECT count(*) FROM submit WHERE submit_id = " + Long.parseLong(insertedDuringCopy);
            assertThat(scalar(src, q)).isEqualTo(1);
            assertThat(scalar(dst, q)).isZero();
        } finally {
            try (Connection src = clusters.connect(clusters.flux1(), db)) {
                exec(src, "DELETE FROM submit WHERE hostname = 'written-during-copy'");
            }
        }
    }

    @Test
    void theLedgerIsGoneAfterAFinishedRun() throws Exception {
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(scalar(dst, "SELECT count(*) FROM pg_namespace WHERE nspname = '_fastcopy'")).isZero();
        }
    }

    @Test
    void aNonEmptyTargetIsRefusedWithoutDropIfExists() throws Exception {
        CopySpec again = CopyFixture.with(CopyFixture.spec(clusters, db, work), 2, 1L << 30, false, false, false);
        assertThatThrownBy(() -> new CopyJob(again, clusters.flux1().connections()).run())
                .isInstanceOf(FastcopyException.class)
                .hasMessageContaining("already exists and is not empty")
                .hasMessageContaining("--drop-if-exists")
                .satisfies(e -> assertThat(((FastcopyException) e).exitCode()).isEqualTo(FastcopyException.USAGE));
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(scalar(dst, "SELECT count(*) FROM submit")).isGreaterThan(0);
        }
    }

    @Test
    void dryRunPrintsThePlanLargestFirstAndCreatesNothing() throws Exception {
        String small = clusters.createDatabase(clusters.flux1(), "dry").database();
        try (Connection c = clusters.connect(clusters.flux1(), small)) {
            exec(c, "CREATE TABLE big AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 20000) g");
            exec(c, "CREATE TABLE little (id int)");
        }
        CopySpec spec = CopyFixture.dryRun(CopyFixture.spec(clusters, small, work));
        CopyReport plan = new CopyJob(spec, clusters.flux1().connections()).run().get(0);
        assertThat(plan.planLines().get(0)).contains("2 tables, 2 units");
        assertThat(plan.plan().units().get(0).unit().sourceTable()).isEqualTo("big");
        try (Connection dst = clusters.connect(clusters.flux2(), "postgres")) {
            assertThat(scalar(dst, "SELECT count(*) FROM pg_database WHERE datname = '" + small + "'")).isZero();
        }
    }
}
