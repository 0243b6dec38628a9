package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The schema phases against real servers, on an MTT-shaped database. */
@ExtendWith(ClusterExtension.class)
class SchemaPhasesTest {
    /** How long a wait for something the servers will show may take before it counts as a hang. */
    private static final Duration HANG = Duration.ofSeconds(60);
    @TempDir
    Path workdir;

    private Endpoint source(TestClusters clusters, MttShapedSchema shape) throws SQLException {
        Endpoint ep = clusters.createDatabase(clusters.flux1(), "schema_src");
        try (Connection c = clusters.connect(clusters.flux1(), ep.database())) {
            shape.create(c);
        }
        return ep;
    }

    private SchemaCopyHarness harness(TestClusters clusters, MttShapedSchema shape) throws SQLException {
        Endpoint src = source(clusters, shape);
        Endpoint dst = clusters.createDatabase(clusters.flux2(), "schema_dst");
        return new SchemaCopyHarness(clusters.flux1(), src, clusters.flux2(), dst, workdir);
    }

    @Test
    void copiesTheWholeSchemaSoThatBothDumpsMatch(TestClusters clusters) throws Exception {
        MttShapedSchema shape = new MttShapedSchema(List.of("test_run"), 50);
        try (SchemaCopyHarness h = harness(clusters, shape)) {
            h.loadPreData(2);
            try (PostDataScheduler post = h.postDataScheduler()) {
                post.start(h.postData.entries(), 2);
                h.sourceTables().forEach(t -> post.tableLoaded(t.schema(), t.name()));
                DdlReport report = post.awaitCompletion();
                assertThat(report.byType().get("RULE").count()).isEqualTo(50);
                assertThat(report.byType().get("FK CONSTRAINT").count()).isEqualTo(101);
            }

            assertThat(SchemaComparison.compare(h.sourceCluster.connections(), h.source, h.target, workdir.resolve("compare")))
                    .isEmpty();
            // and the comparison does look: one rule fewer on the target is named
            try (Connection t = h.connectTarget(); Statement st = t.createStatement()) {
                st.execute("DROP RULE test_run_y2006_m03_wk2_insert ON test_run");
            }
            assertThat(SchemaComparison.compare(h.sourceCluster.connections(), h.source, h.target, workdir.resolve("compare")))
                    .contains("RULE \"test_run test_run_y2006_m03_wk2_insert\" in schema public exists on the source only");
        }
    }

    @Test
    void copiesThreeHundredThirtyChildrenWithinTheDefaultLockLimit(TestClusters clusters) throws Exception {
        MttShapedSchema shape = new MttShapedSchema(List.of("mpi_install", "test_build", "test_run"), 110);
        try (SchemaCopyHarness h = harness(clusters, shape); LockProbe locks = new LockProbe(h)) {
            assertThat(locks.maxLocksPerTransaction()).as("the test clusters keep the default").isEqualTo(64);

            DdlReport pre = h.loadPreData(2, locks);
            try (PostDataScheduler post = h.postDataScheduler(locks)) {
                post.start(h.postData.entries(), 2);
                h.sourceTables().forEach(t -> post.tableLoaded(t.schema(), t.name()));
                DdlReport report = post.awaitCompletion();
                assertThat(report.byType().get("RULE").count()).isEqualTo(330);
                assertThat(report.byType().get("FK CONSTRAINT").count()).isEqualTo(661);
            }

            assertThat(pre.byType().get("TABLE").count()).isEqualTo(337);
            assertThat(locks.highest()).as("most lock-table slots one fastcopy session held").isBetween(1, 64);
            locks.close(); // drops the probe table: the comparison is of the copied schema alone
            assertThat(SchemaComparison.compare(h.sourceCluster.connections(), h.source, h.target, workdir.resolve("compare")))
                    .isEmpty();
        }
    }

    @Test
    void anInsertIntoTheParentLandsInItsWeeksChildThroughTheRule(TestClusters clusters) throws Exception {
        MttShapedSchema shape = new MttShapedSchema(List.of("test_run"), 12);
        try (SchemaCopyHarness h = harness(clusters, shape)) {
            h.loadPreData(2);
            try (PostDataScheduler post = h.postDataScheduler(); Connection t = h.connectTarget();
                 Statement st = t.createStatement()) {
                post.start(h.postData.entries(), 2);
                st.execute("INSERT INTO submit (submit_id) VALUES (0); INSERT INTO compiler (compiler_id) VALUES (0)");
                h.sourceTables().forEach(tb -> post.tableLoaded(tb.schema(), tb.name()));
                post.awaitCompletion();

                st.execute("INSERT INTO test_run (start_timestamp, submit_id, compiler_id) VALUES ('2006-02-09 12:00', 0, 0)");
                try (ResultSet rs = st.executeQuery("SELECT tableoid::regclass::text FROM test_run")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("test_run_y2006_m02_wk2");
                    assertThat(rs.next()).isFalse();
                }
                // the child's own key holds: a row for an unknown submitter is refused
                assertThatThrownBy(() -> st.execute("INSERT INTO test_run (start_timestamp, submit_id) VALUES ('2006-02-09', 7)"))
                        .hasMessageContaining("test_run_y2006_m02_wk2_submit_fk");
            }
        }
    }

    @Test
    void aForeignKeyWaitsForTheDataAndThePrimaryKeyOfTheTableItReferences(TestClusters clusters) throws Exception {
        MttShapedSchema shape = new MttShapedSchema(List.of("test_run"), 20);
        try (SchemaCopyHarness h = harness(clusters, shape)) {
            h.loadPreData(2);
            long submitLoaded;
            DdlReport report;
            try (PostDataScheduler post = h.postDataScheduler()) {
                post.start(h.postData.entries(), 3);
                // every other table first; the dimension everybody references comes last
                for (TableName t : h.sourceTables()) {
                    if (!t.name().equals("submit")) {
                        post.tableLoaded(t.schema(), t.name());
                    }
                }
                // a rule committed first: the rules wait for no data (no sleep guessing how long one takes)
                awaitCommittedRule(h);
                submitLoaded = System.nanoTime();
                post.tableLoaded("public", "submit");
                report = post.awaitCompletion();
            }

            Map<String, DdlReport.Executed> byName = new HashMap<>();
            report.log().forEach(ex -> ex.entries().forEach(e -> byName.put(e.type() + " " + e.name(), ex)));
            DdlReport.Executed submitPk = byName.get("CONSTRAINT submit submit_pkey");
            assertThat(submitPk.startNanos()).isGreaterThanOrEqualTo(submitLoaded);
            List<DdlReport.Executed> fksToSubmit = report.log().stream()
                    .filter(ex -> ex.entries().get(0).type().equals("FK CONSTRAINT")
                            && h.tables.referenced(ex.entries().get(0)).orElseThrow().name().equals("submit"))
                    .toList();
            assertThat(fksToSubmit.stream().mapToInt(ex -> ex.entries().size()).sum()).isEqualTo(21);
            // several to a transaction, all of them to submit
            assertThat(fksToSubmit.size()).isLessThan(21);
            assertThat(fksToSubmit).allSatisfy(ex -> assertThat(ex.entries()).allSatisfy(e ->
                    assertThat(h.tables.referenced(e).orElseThrow().name()).isEqualTo("submit")));
            assertThat(fksToSubmit).allSatisfy(fk -> assertThat(fk.startNanos()).isGreaterThanOrEqualTo(submitPk.endNanos()));
            // they serialise on submit's lock anyway, so they never hold two connections at once
            for (int i = 1; i < fksToSubmit.size(); i++) {
                assertThat(fksToSubmit.get(i).startNanos()).isGreaterThanOrEqualTo(fksToSubmit.get(i - 1).endNanos());
            }
            // while the rules did not wait for any data
            DdlReport.Executed firstRule = report.log().stream().filter(ex -> ex.entries().get(0).type().equals("RULE"))
                    .findFirst().orElseThrow();
            assertThat(firstRule.startNanos()).isLessThan(submitLoaded);
        }
    }

    @Test
    void keysAddedButNotYetValidatedAreValidatedByTheResumedRunAndOnlyTheSourcesUnvalidatedKeyStaysSo(TestClusters clusters)
            throws Exception {
        MttShapedSchema shape = new MttShapedSchema(List.of("test_run"), 4);
        Endpoint src = source(clusters, shape);
        String unvalidated;
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT conrelid::regclass::text, conname FROM pg_constraint"
                    + " WHERE contype = 'f' AND conname LIKE '%compiler_fk' ORDER BY conname LIMIT 1")) {
                rs.next();
                unvalidated = rs.getString(2);
                st.execute("ALTER TABLE " + rs.getString(1) + " DROP CONSTRAINT " + unvalidated + ";"
                        + "ALTER TABLE " + rs.getString(1) + " ADD CONSTRAINT " + unvalidated
                        + " FOREIGN KEY (compiler_id) REFERENCES compiler NOT VALID");
            }
        }
        Endpoint dst = clusters.createDatabase(clusters.flux2(), "schema_dst");
        try (SchemaCopyHarness h = new SchemaCopyHarness(clusters.flux1(), src, clusters.flux2(), dst, workdir)) {
            h.loadPreData(1);
            List<TocEntry> items = PostDataScheduler.items(h.postData.entries(), h.tables);
            long keys = h.postData.entries().stream().filter(e -> e.type().equals("FK CONSTRAINT")).count();
            // the first run dies after the keys are added, before any is validated
            List<TocEntry> firstRun = items.stream().filter(e -> !e.type().equals("FK VALIDATE")).toList();
            runPostData(h, firstRun);
            assertThat(unvalidatedKeys(h)).hasSize((int) keys);

            // the resumed run drops what the ledger marks done, as the copy does, and validates the rest
            java.util.Set<String> done = firstRun.stream().map(StepMarks::key).collect(java.util.stream.Collectors.toSet());
            List<TocEntry> rest = PostDataScheduler.items(h.postData.entries(), h.tables).stream()
                    .filter(e -> !done.contains(StepMarks.key(e))).toList();
            assertThat(rest).hasSize((int) keys - 1).allSatisfy(e -> assertThat(e.type()).isEqualTo("FK VALIDATE"));
            DdlReport report = runPostData(h, rest);

            assertThat(report.byType().get("FK VALIDATE").count()).isEqualTo((int) keys - 1);
            assertThat(unvalidatedKeys(h)).containsExactly(unvalidated);
            assertThat(SchemaComparison.compare(h.sourceCluster.connections(), h.source, h.target, workdir.resolve("compare")))
                    .isEmpty();
        }
    }

    @Test
    void aRowWithoutItsReferencedRowFailsTheKeysValidationNamingTheKey(TestClusters clusters) throws Exception {
        MttShapedSchema shape = new MttShapedSchema(List.of("test_run"), 2);
        try (SchemaCopyHarness h = harness(clusters, shape)) {
            h.loadPreData(1);
            String child;
            try (Connection t = h.connectTarget(); Statement st = t.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT relname FROM pg_class WHERE relname LIKE 'test\\_run\\_y%' AND relkind = 'r'"
                        + " ORDER BY 1 LIMIT 1")) {
                    rs.next();
                    child = rs.getString(1);
                }
                st.execute("INSERT INTO compiler (compiler_id) VALUES (0)");
                // the week's CHECK would want a timestamp of that week; the key is what this is about
                st.execute("DO $$DECLARE c text; BEGIN FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = '" + child
                        + "'::regclass AND contype = 'c' LOOP EXECUTE format('ALTER TABLE " + child
                        + " DROP CONSTRAINT %I', c); END LOOP; END$$");
                st.execute("INSERT INTO " + child + " (test_run_id, submit_id, compiler_id) VALUES (1, 99, 0)");
            }
            FastcopyException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> catchThrowableOfType(FastcopyException.class, () -> runPostData(h, h.postData.entries())));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).doesNotContain("\n")
                    .startsWith("post-data: FK VALIDATE \"" + child + " " + child + "_submit_fk\" in schema public failed: ")
                    .contains("violates foreign key constraint", "(SQLSTATE 23503)");
        }
    }

    private static DdlReport runPostData(SchemaCopyHarness h, List<TocEntry> items) throws SQLException {
        try (PostDataScheduler post = h.postDataScheduler()) {
            post.start(items, 2);
            h.sourceTables().forEach(t -> post.tableLoaded(t.schema(), t.name()));
            return post.awaitCompletion();
        }
    }

    private static List<String> unvalidatedKeys(SchemaCopyHarness h) throws SQLException {
        List<String> out = new java.util.ArrayList<>();
        try (Connection t = h.connectTarget(); Statement st = t.createStatement();
             ResultSet rs = st.executeQuery("SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void aFailingItemStopsPostDataWithOneLineNamingItAndKeepsTheSqlState(TestClusters clusters) throws Exception {
        MttShapedSchema shape = new MttShapedSchema(List.of("test_run"), 10);
        try (SchemaCopyHarness h = harness(clusters, shape)) {
            h.loadPreData(2);
            try (Connection t = h.connectTarget(); Statement st = t.createStatement()) {
                // rows the source's UNIQUE (compiler_name, compiler_version) refuses
                st.execute("INSERT INTO compiler (compiler_id, compiler_name) VALUES (1, 'gcc'), (2, 'gcc')");
            }
            FastcopyException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                PostDataScheduler post = h.postDataScheduler();
                try (post) {
                    post.start(h.postData.entries(), 2);
                    h.sourceTables().forEach(tb -> post.tableLoaded(tb.schema(), tb.name()));
                    return catchThrowableOfType(FastcopyException.class, post::awaitCompletion);
                }
            });

            assertThat(e).isNotNull();
            assertThat(e.getMessage())
                    .doesNotContain("\n")
                    .startsWith("post-data: CONSTRAINT \"compiler compiler_compiler_name_compiler_version_key\" in schema public failed: ")
                    .contains("could not create unique index", "(SQLSTATE 23505)");
            assertThat(e.getCause()).isInstanceOf(SQLException.class);
            assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("23505");
            assertThat(targetSessions(h, "fastcopy-post-data")).isZero();
        }
    }

    @Test
    void tablesTheDataPhaseNeverReportedAreNamedInsteadOfWaitedFor(TestClusters clusters) throws Exception {
        MttShapedSchema shape = new MttShapedSchema(List.of("test_run"), 3);
        try (SchemaCopyHarness h = harness(clusters, shape)) {
            h.loadPreData(1);
            FastcopyException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                try (PostDataScheduler post = h.postDataScheduler()) {
                    post.start(h.postData.entries(), 2);
                    h.sourceTables().stream().filter(t -> !t.name().equals("compiler"))
                            .forEach(t -> post.tableLoaded(t.schema(), t.name()));
                    return catchThrowableOfType(FastcopyException.class, post::awaitCompletion);
                }
            });
            assertThat(e.getMessage()).isEqualTo("post-data: the data phase never reported 1 table(s) as loaded, so their"
                    + " indexes and keys cannot be built: \"public\".\"compiler\"");
        }
    }

    @Test
    void aKeyOnAPartitionedTableWaitsForEveryPartition(TestClusters clusters) throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "schema_src");
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            st.execute("""
                    CREATE TABLE measurements (id int, day date, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
                    CREATE TABLE measurements_2006 PARTITION OF measurements FOR VALUES FROM ('2006-01-01') TO ('2007-01-01');
                    CREATE TABLE measurements_2007 PARTITION OF measurements FOR VALUES FROM ('2007-01-01') TO ('2008-01-01');
                    CREATE TABLE readings (id int, day date, FOREIGN KEY (id, day) REFERENCES measurements);
                    """);
        }
        Endpoint dst = clusters.createDatabase(clusters.flux2(), "schema_dst");
        try (SchemaCopyHarness h = new SchemaCopyHarness(clusters.flux1(), src, clusters.flux2(), dst, workdir)) {
            h.loadPreData(1);
            FastcopyException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                try (PostDataScheduler post = h.postDataScheduler()) {
                    post.start(h.postData.entries(), 2);
                    h.sourceTables().stream().filter(t -> !t.name().equals("measurements_2007"))
                            .forEach(t -> post.tableLoaded(t.schema(), t.name()));
                    return catchThrowableOfType(FastcopyException.class, post::awaitCompletion);
                }
            });
            assertThat(e).hasMessageEndingWith("cannot be built: \"public\".\"measurements_2007\"");
        }
    }

    @Test
    void aMissingObjectInPreDataIsOneLineNamingTheItem(TestClusters clusters) throws Exception {
        MttShapedSchema shape = new MttShapedSchema(List.of("test_run"), 3);
        try (SchemaCopyHarness h = harness(clusters, shape)) {
            try (Connection t = h.connectTarget(); Statement st = t.createStatement()) {
                st.execute("CREATE TABLE results_fields (already int)");
            }
            assertThatThrownBy(() -> h.loadPreData(2))
                    .isInstanceOf(FastcopyException.class)
                    .hasMessage("pre-data: TABLE \"results_fields\" in schema public failed: relation \"results_fields\""
                            + " already exists (SQLSTATE 42P07)")
                    .hasCauseInstanceOf(SQLException.class);
        }
    }

    /** Polls the target until a rule is committed; the deadline only ends a real hang. */
    private static void awaitCommittedRule(SchemaCopyHarness h) throws Exception {
        try (Connection t = h.connectTarget(); Statement st = t.createStatement()) {
            long deadline = System.nanoTime() + HANG.toNanos();
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_rules WHERE schemaname = 'public'")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no rule committed on the target within " + HANG);
                }
                Thread.sleep(10);
            }
        }
    }

    /**
     * Sessions of {@code applicationName} on the target, once none is left or {@link #HANG} has
     * passed: a backend ends a little after its client closes the connection, later under load.
     */
    private static int targetSessions(SchemaCopyHarness h, String applicationName) throws Exception {
        String sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + applicationName
                + "' AND datname = current_database()";
        try (Connection t = h.connectTarget(); Statement st = t.createStatement()) {
            long deadline = System.nanoTime() + HANG.toNanos();
            while (true) {
                try (ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    if (rs.getInt(1) == 0 || System.nanoTime() > deadline) {
                        return rs.getInt(1);
                    }
                }
                Thread.sleep(10);
            }
        }
    }
}
