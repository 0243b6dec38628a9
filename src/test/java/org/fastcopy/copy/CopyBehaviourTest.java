package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.schema.SchemaComparison;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;

/** Copies of hand-made databases that stress one behaviour each: chunks, names, resume. */
@ExtendWith(ClusterExtension.class)
class CopyBehaviourTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "copy-behaviour-work");

    CopyBehaviourTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @Test
    void aTableSplitIntoChunksComesBackExact() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "chunks");
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            exec(c, "CREATE TABLE results (id bigint PRIMARY KEY, at timestamp, body text)");
            exec(c, "INSERT INTO results SELECT g, timestamp '2012-01-01' + g * interval '1 minute', repeat(md5(g::text), 8)"
                    + " FROM generate_series(1, 40000) g");
            // Holes and updated rows, so the blocks are not a neat sequence of ids.
            exec(c, "DELETE FROM results WHERE id % 7 = 0");
            exec(c, "UPDATE results SET body = 'updated' WHERE id % 11 = 0");
            exec(c, "ANALYZE results");
        }
        CopySpec spec = CopyFixture.with(CopyFixture.spec(clusters, src.database(), work), 3, 512 * 1024, true, false, false);
        CopyReport report = new CopyJob(spec, clusters.flux1().connections()).run().get(0);

        assertThat(report.plan().chunkedTables()).isEqualTo(1);
        assertThat(report.plan().units().size()).isGreaterThan(4);
        assertThat(report.verify().ok()).isTrue();
        try (Connection dst = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(scalar(dst, "SELECT count(*) FROM results")).isEqualTo(40000 - 40000 / 7);
            assertThat(scalar(dst, "SELECT count(*) FROM results WHERE body = 'updated'")).isEqualTo(
                    scalar(dst, "SELECT count(*) FROM generate_series(1, 40000) g WHERE g % 11 = 0 AND g % 7 <> 0"));
        }
    }

    @Test
    void everyTableEndsWithItsStatisticsAndNothingLeftForAutovacuum() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "stats");
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            exec(c, "CREATE TABLE small (id int PRIMARY KEY, name text)");
            exec(c, "INSERT INTO small SELECT g, 'n' || g FROM generate_series(1, 10) g");
            // past the insert threshold (1000 + 0.2 * rows): autovacuum would vacuum it
            exec(c, "CREATE TABLE busy (id int PRIMARY KEY, name text)");
            exec(c, "INSERT INTO busy SELECT g, 'n' || g FROM generate_series(1, 5000) g");
            exec(c, "CREATE TABLE named (id int, name text)");
            exec(c, "CREATE INDEX named_lower ON named (lower(name))");
            exec(c, "INSERT INTO named SELECT g, 'N' || (g % 7) FROM generate_series(1, 300) g");
            exec(c, "CREATE TABLE results (id int, at date)");
            exec(c, "CREATE TABLE results_2012 (CHECK (at < date '2013-01-01')) INHERITS (results)");
            exec(c, "INSERT INTO results_2012 SELECT g, date '2012-01-01' + g % 300 FROM generate_series(1, 400) g");
            exec(c, "CREATE TABLE measures (id int, at date) PARTITION BY RANGE (at)");
            exec(c, "CREATE TABLE measures_2012 PARTITION OF measures FOR VALUES FROM ('2012-01-01') TO ('2013-01-01')");
            exec(c, "INSERT INTO measures SELECT g, date '2012-01-01' + g % 300 FROM generate_series(1, 400) g");
        }
        new CopyJob(CopyFixture.spec(clusters, src.database(), work), clusters.flux1().connections()).run();

        try (Connection dst = clusters.connect(clusters.flux2(), src.database())) {
            for (String t : List.of("small", "busy", "named", "results", "results_2012", "measures_2012")) {
                assertThat(scalar(dst, "SELECT count(*) FROM pg_stat_user_tables WHERE relname = '" + t + "'"
                        + " AND last_analyze IS NOT NULL AND n_mod_since_analyze = 0")).as(t + " analysed, unchanged since").isEqualTo(1);
            }
            assertThat(scalar(dst, "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'busy'")).isEqualTo(1);
            assertThat(scalar(dst, "SELECT n_ins_since_vacuum FROM pg_stat_user_tables WHERE relname = 'busy'")).isZero();
            assertThat(scalar(dst, "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'small'"))
                    .as("a table under the insert threshold is only analysed").isZero();
            // statistics that exist only when ANALYZE runs after the index, the children, the partitions
            assertThat(scalar(dst, "SELECT count(*) FROM pg_stats WHERE tablename = 'named_lower'")).isEqualTo(1);
            assertThat(scalar(dst, "SELECT count(*) FROM pg_stats WHERE tablename = 'results' AND inherited")).isEqualTo(2);
            assertThat(scalar(dst, "SELECT count(*) FROM pg_stats WHERE tablename = 'measures' AND inherited")).isEqualTo(2);
        }
    }

    @Test
    void aUnitWhoseCommitLandedAlthoughItsConnectionBrokeIsCountedNotCopiedAgain() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "commit_lost");
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            for (int i = 1; i <= 3; i++) {
                exec(c, "CREATE TABLE t" + i + " (id int PRIMARY KEY, v text)");
                exec(c, "INSERT INTO t" + i + " SELECT g, md5(g::text) FROM generate_series(1, " + (1000 * i) + ") g");
            }
        }
        // The first unit's COMMIT reaches the server, then the connection "breaks" (SQLState
        // 08006) before the worker hears of it: the retry must find the unit's ledger mark. (The
        // hook runs after the progress bar counted the unit; the report's rows are the workers'.)
        AtomicInteger commits = new AtomicInteger();
        CopyJob.Listener connectionLostAfterFirstCommit = new CopyJob.Listener() {
            @Override
            public void unitCommitted(String database, PlannedUnit unit) {
                if (commits.incrementAndGet() == 1) {
                    throw new IllegalStateException(new java.sql.SQLException("connection lost after COMMIT", "08006"));
                }
            }
        };
        CopySpec spec = CopyFixture.with(CopyFixture.spec(clusters, src.database(), work), 1, 1L << 30, true, false, true);
        CopyReport report = new CopyJob(spec, clusters.flux1().connections(), connectionLostAfterFirstCommit).run().get(0);

        assertThat(report.retries()).isEqualTo(1);
        assertThat(report.rows()).isEqualTo(6000);
        assertThat(report.verify().ok()).as("%s", report.verify().mismatches()).isTrue();
        try (Connection dst = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(scalar(dst, "SELECT count(*) FROM _fastcopy.unit")).isEqualTo(3);
            assertThat(scalar(dst, "SELECT count(*) FROM t3")).isEqualTo(3000);
        }
    }

    @Test
    void theTargetDatabaseIsCreatedLikePgDumpCreateWouldWithItsCommentAndSettings() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "dbprops");
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            exec(c, "COMMENT ON DATABASE " + src.database() + " IS 'MTT Database (v3)'");
            exec(c, "ALTER DATABASE " + src.database() + " SET work_mem = '77MB'");
            exec(c, "CREATE TABLE t (id int)");
        }
        new CopyJob(CopyFixture.spec(clusters, src.database(), work), clusters.flux1().connections()).run();
        try (Connection dst = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(CopyFixture.text(dst, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"))
                    .isEqualTo("MTT Database (v3)");
            assertThat(CopyFixture.text(dst, "SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting s JOIN pg_database d"
                    + " ON d.oid = s.setdatabase WHERE d.datname = current_database() AND s.setrole = 0")).contains("work_mem=77MB");
            assertThat(CopyFixture.text(dst, "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()"))
                    .isEqualTo("UTF8");
        }
    }

    @Test
    void tablesWithAwkwardNamesCopyAsTablesAndHarmNothing() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "names");
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            exec(c, "CREATE SCHEMA \"Odd Schema\"");
            exec(c, "CREATE TABLE \"Odd Schema\".\"Mixed Case\" (\"Id\" int PRIMARY KEY, \"a column\" text)");
            exec(c, "CREATE TABLE public.\"with space\" (id int PRIMARY KEY, \"Mixed\" int REFERENCES \"Odd Schema\".\"Mixed Case\")");
            exec(c, "CREATE TABLE public.\"quo\"\"te\" (\"it's\" text)");
            exec(c, "CREATE TABLE public.\"ünï 東京\" (\"ç\" text)");
            exec(c, "CREATE TABLE public.\"x; DROP TABLE victim; --\" (v text)");
            exec(c, "CREATE TABLE public.victim (v text)");
            exec(c, "INSERT INTO \"Odd Schema\".\"Mixed Case\" SELECT g, 'ä\tb\\c' || g FROM generate_series(1, 100) g");
            exec(c, "INSERT INTO public.\"with space\" SELECT g, g FROM generate_series(1, 100) g");
            exec(c, "INSERT INTO public.\"quo\"\"te\" VALUES ('O''Reilly'), (NULL)");
            exec(c, "INSERT INTO public.\"ünï 東京\" VALUES ('東京'), ('Müller')");
            exec(c, "INSERT INTO public.\"x; DROP TABLE victim; --\" VALUES ('harmless')");
            exec(c, "INSERT INTO public.victim VALUES ('still here')");
        }
        CopySpec spec = CopyFixture.spec(clusters, src.database(), work);
        CopyReport report = new CopyJob(spec, clusters.flux1().connections()).run().get(0);

        assertThat(report.verify().ok()).isTrue();
        assertThat(report.verify().tablesCompared()).isEqualTo(6);
        assertThat(SchemaComparison.compare(clusters.flux1().connections(), src, clusters.flux2().endpoint(src.database()),
                work.resolve("names-compare"))).isEmpty();
        try (Connection dst = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(scalar(dst, "SELECT count(*) FROM public.victim")).isEqualTo(1);
            assertThat(scalar(dst, "SELECT count(*) FROM public.\"x; DROP TABLE victim; --\"")).isEqualTo(1);
            assertThat(scalar(dst, "SELECT count(*) FROM \"Odd Schema\".\"Mixed Case\" WHERE \"a column\" = 'ä' || chr(9) || 'b\\c' || \"Id\""))
                    .isEqualTo(100);
        }
    }

    @Test
    void aRunThatDiesMidCopyResumesWithoutRecopyingFinishedUnits() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "resume");
        int tables = 24;
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            exec(c, "CREATE TABLE dim (id int PRIMARY KEY, name text)");
            exec(c, "INSERT INTO dim SELECT g, 'd' || g FROM generate_series(0, 50) g");
            for (int i = 1; i < tables; i++) {
                exec(c, "CREATE TABLE t" + i + " (id int PRIMARY KEY, dim_id int REFERENCES dim, v text)");
                exec(c, "CREATE INDEX ON t" + i + " (v)");
                exec(c, "INSERT INTO t" + i + " SELECT g, g % 50, md5(g::text) FROM generate_series(1, " + (200 * i) + ") g");
            }
            exec(c, "CREATE SEQUENCE counter START 100");
            exec(c, "SELECT setval('counter', 4242)");
        }
        CopySpec first = CopyFixture.with(CopyFixture.spec(clusters, src.database(), work), 2, 1L << 30, true, false, false);
        Set<String> committedBeforeTheCrash = ConcurrentHashMap.newKeySet();
        AtomicInteger seen = new AtomicInteger();
        // After the third of the largest tables, before the small ones, which load several to a
        // transaction: the resumed run does those.
        CopyJob.Listener crashAfterThree = new CopyJob.Listener() {
            @Override
            public void unitCommitted(String database, PlannedUnit unit) {
                committedBeforeTheCrash.add(unit.key());
                if (seen.incrementAndGet() == 3) {
                    throw new FastcopyException(FastcopyException.FAILED, "simulated crash after 3 units");
                }
            }
        };
        assertThatThrownBy(() -> new CopyJob(first, clusters.flux1().connections(), crashAfterThree).run())
                .hasMessageContaining("simulated crash");
        try (Connection dst = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(scalar(dst, "SELECT count(*) FROM _fastcopy.unit")).isEqualTo(committedBeforeTheCrash.size())
                    .isGreaterThanOrEqualTo(3).isLessThan(tables / 2);
        }

        // Without --resume the half-done target is refused, and named.
        assertThatThrownBy(() -> new CopyJob(CopyFixture.with(first, 2, 1L << 30, false, false, false),
                clusters.flux1().connections()).run())
                .hasMessageContaining("unfinished fastcopy run").hasMessageContaining("--resume");

        Set<String> copiedOnResume = ConcurrentHashMap.newKeySet();
        CopyJob.Listener record = new CopyJob.Listener() {
            @Override
            public void unitCommitted(String database, PlannedUnit unit) {
                copiedOnResume.add(unit.key());
            }
        };
        CopySpec resume = CopyFixture.with(first, 2, 1L << 30, false, true, false);
        CopyReport report = new CopyJob(resume, clusters.flux1().connections(), record).run().get(0);

        assertThat(report.resumed()).isTrue();
        assertThat(copiedOnResume).doesNotContainAnyElementsOf(committedBeforeTheCrash);
        assertThat(copiedOnResume.size() + committedBeforeTheCrash.size()).isEqualTo(tables);
        assertThat(report.verify().ok()).isTrue();
        assertThat(SchemaComparison.compare(clusters.flux1().connections(), src, clusters.flux2().endpoint(src.database()),
                work.resolve("resume-compare"))).isEmpty();
        try (Connection dst = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(scalar(dst, "SELECT last_value FROM counter")).isEqualTo(4242);
        }
    }

    @Test
    void aResumedCopyEmptiesTablesFilledOnTheTargetMeanwhileAndTruncatesNoOtherSmallTable() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "filled");
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            // Largest first: "first" is the unit committed before the crash, the rest wait.
            exec(c, "CREATE TABLE first (id int PRIMARY KEY, v text)");
            exec(c, "INSERT INTO first SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 20000) g");
            exec(c, "CREATE TABLE big (id int PRIMARY KEY, v text)");
            exec(c, "INSERT INTO big SELECT g, repeat(md5(g::text), 2) FROM generate_series(1, 12000) g");
            exec(c, "CREATE TABLE small_filled (id int PRIMARY KEY, v text)");
            exec(c, "INSERT INTO small_filled SELECT g, 'source' FROM generate_series(1, 30) g");
            exec(c, "CREATE TABLE small_empty (id int PRIMARY KEY, v text)");
            exec(c, "INSERT INTO small_empty SELECT g, 'source' FROM generate_series(1, 20) g");
            assertThat(scalar(c, "SELECT pg_relation_size('big')")).isGreaterThan(1L << 20); // UnitLoader.FREEZE_FROM_BYTES
        }
        CopySpec first = CopyFixture.with(CopyFixture.spec(clusters, src.database(), work), 1, 1L << 30, true, false, false);
        CopyJob.Listener crashAfterOne = new CopyJob.Listener() {
            @Override
            public void unitCommitted(String database, PlannedUnit unit) {
                throw new FastcopyException(FastcopyException.FAILED, "simulated crash after " + unit.key());
            }
        };
        assertThatThrownBy(() -> new CopyJob(first, clusters.flux1().connections(), crashAfterOne).run())
                .hasMessageContaining("simulated crash");
        long smallEmptyFile;
        long smallFilledFile;
        try (Connection dst = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(scalar(dst, "SELECT count(*) FROM first")).isEqualTo(20000);
            // Rows written on the target by somebody else while the copy was stopped.
            exec(dst, "INSERT INTO small_filled SELECT g, 'target' FROM generate_series(1001, 1005) g");
            exec(dst, "INSERT INTO big SELECT g, 'target' FROM generate_series(50001, 50003) g");
            smallEmptyFile = scalar(dst, "SELECT relfilenode FROM pg_class WHERE oid = 'small_empty'::regclass");
            smallFilledFile = scalar(dst, "SELECT relfilenode FROM pg_class WHERE oid = 'small_filled'::regclass");
        }

        CopyReport report = new CopyJob(CopyFixture.with(first, 1, 1L << 30, false, true, false),
                clusters.flux1().connections()).run().get(0);

        assertThat(report.resumed()).isTrue();
        assertThat(report.verify().ok()).isTrue(); // checksums: each table holds the source's rows only
        try (Connection dst = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(scalar(dst, "SELECT count(*) FROM small_filled WHERE v = 'target'")).isZero();
            assertThat(scalar(dst, "SELECT count(*) FROM big WHERE v = 'target'")).isZero();
            assertThat(scalar(dst, "SELECT relfilenode FROM pg_class WHERE oid = 'small_empty'::regclass"))
                    .as("an empty small table is loaded without a TRUNCATE").isEqualTo(smallEmptyFile);
            assertThat(scalar(dst, "SELECT relfilenode FROM pg_class WHERE oid = 'small_filled'::regclass"))
                    .as("a filled small table is truncated").isNotEqualTo(smallFilledFile);
            // COPY FREEZE leaves every page all-visible; the ANALYZE after the load counts them.
            assertThat(scalar(dst, "SELECT relallvisible FROM pg_class WHERE oid = 'big'::regclass"))
                    .as("a large table is truncated and frozen").isEqualTo(scalar(dst, "SELECT relpages FROM pg_class WHERE oid = 'big'::regclass"))
                    .isPositive();
        }
    }

    @Test
    void smallTablesShareTransactionsAndEachEndsExactAnalysedAndMarked() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "smallmany");
        int tables = 40;
        try (Connection c = clusters.connect(clusters.flux1(), src.database())) {
            exec(c, "CREATE TABLE large (id int PRIMARY KEY, v text)");
            exec(c, "INSERT INTO large SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 8000) g");
            for (int i = 1; i <= tables; i++) {
                exec(c, "CREATE TABLE s" + i + " (id int PRIMARY KEY, v text)");
                exec(c, "INSERT INTO s" + i + " SELECT g, md5(g::text) FROM generate_series(1, " + i + ") g");
            }
        }
        CopySpec spec = CopyFixture.with(CopyFixture.spec(clusters, src.database(), work), 2, 1L << 30, true, false, true);
        CopyReport report = new CopyJob(spec, clusters.flux1().connections()).run().get(0);

        assertThat(report.verify().ok()).isTrue();
        try (Connection dst = clusters.connect(clusters.flux2(), src.database())) {
            assertThat(scalar(dst, "SELECT count(*) FROM _fastcopy.unit")).isEqualTo(tables + 1);
            // Each unit's mark commits with its rows, so the marks' transactions are the loads'.
            assertThat(scalar(dst, "SELECT count(DISTINCT xmin::text) FROM _fastcopy.unit WHERE key NOT LIKE '%large%'"))
                    .as("transactions for %d small tables", tables).isLessThan(tables / 4);
            assertThat(scalar(dst, "SELECT count(*) FROM pg_stat_user_tables WHERE relname ~ '^s[0-9]+$'"
                    + " AND last_analyze IS NOT NULL AND n_mod_since_analyze = 0")).isEqualTo(tables);
            assertThat(scalar(dst, "SELECT sum(id) FROM s40")).isEqualTo(40 * 41 / 2);
        }
    }
}
