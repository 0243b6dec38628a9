package org.fastcopy.copy;

import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.copy.CopyFixture.column;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;
import static org.fastcopy.copy.CopyFixture.text;

/**
 * Data that trips up hand-written copy scripts: COPY text escapes spelt out as data, characters
 * beyond the BMP, NUL bytes in bytea (text cannot hold NUL in PostgreSQL), a value of 20 MB, and
 * the relation kinds that are not plain logged tables. One database holds them all, copied once.
 */
@ExtendWith(ClusterExtension.class)
class CopyBadInputDataTest {
    /** About 20 MB: far above a ring slot (64 kB), so one row spans hundreds of slots. */
    private static final int HUGE_CHARS = 20 * 1024 * 1024;

    private final TestClusters clusters;
    private final Path work = Path.of("target", "copy-bad-input-data-work");

    CopyBadInputDataTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @Test
    void oddValuesHugeValuesAndEveryRelationKindCopyAsTheyAre() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "odd");
        String db = src.database();
        try (Connection c = clusters.connect(clusters.flux1(), db);
             Connection session = clusters.connect(clusters.flux1(), db)) {
            exec(c, "CREATE TABLE odd (id int PRIMARY KEY, t text, b bytea)");
            exec(c, "INSERT INTO odd VALUES"
                    + " (1, E'back\\\\slash \\\\N \\\\t', '\\x00'),"     // backslashes and the literal text \N
                    + " (2, E'tab\\there\\nnewline\\rreturn', '\\x000102ff00'),"
                    + " (3, 'quotes '' \" and ,;|', '\\x'),"
                    + " (4, '\\N', NULL),"                                 // standard string: backslash N, not NULL
                    + " (5, NULL, '\\x5c4e'),"                             // bytea holding the bytes \N
                    + " (6, '', '\\x00000000'),"
                    + " (7, 'beyond the BMP: 😀 𝄞 𠜎', '\\xf09f9880')");
            exec(c, "CREATE TABLE huge (id int PRIMARY KEY, t text, b bytea)");
            exec(c, "INSERT INTO huge SELECT 1, repeat('0123456789abcdef', " + HUGE_CHARS / 16 + "),"
                    + " decode(repeat('00ff', " + HUGE_CHARS / 2 + "), 'hex')");
            exec(c, "CREATE TABLE empty_one (id int PRIMARY KEY, v text)");
            exec(c, "CREATE TABLE no_key (v text, n int)");
            exec(c, "INSERT INTO no_key SELECT 'same', 1 FROM generate_series(1, 5)"); // duplicates, no way to tell them apart
            exec(c, "INSERT INTO no_key VALUES (NULL, NULL), (NULL, NULL)");
            exec(c, "CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY, v text)");
            exec(c, "INSERT INTO scratch SELECT g, 'u' || g FROM generate_series(1, 100) g");
            exec(c, "CREATE VIEW odd_view AS SELECT id, upper(t) AS t FROM odd WHERE id < 5");
            exec(c, "CREATE MATERIALIZED VIEW odd_counts AS SELECT count(*) AS n, sum(id) AS s FROM odd");
            exec(c, "CREATE MATERIALIZED VIEW never_filled AS SELECT id FROM odd WITH NO DATA");
            exec(c, "CREATE TABLE parted (id int, at date, v text) PARTITION BY RANGE (at)");
            exec(c, "CREATE TABLE parted_2014 PARTITION OF parted FOR VALUES FROM ('2014-01-01') TO ('2015-01-01')");
            exec(c, "CREATE TABLE parted_2015 PARTITION OF parted FOR VALUES FROM ('2015-01-01') TO ('2016-01-01')");
            exec(c, "INSERT INTO parted SELECT g, date '2014-01-01' + g, 'p' || g FROM generate_series(0, 700) g");
            // Another session's temporary table lives while the copy runs: not the database's, not copied.
            exec(session, "CREATE TEMPORARY TABLE mine_only (id int)");
            exec(session, "INSERT INTO mine_only VALUES (1)");

            CopyReport report = new CopyJob(CopyFixture.spec(clusters, db, work), clusters.flux1().connections()).run().get(0);

            assertThat(report.verify().ok()).as(report.verify().mismatches().toString()).isTrue();
            // odd, huge, empty_one, no_key, scratch and the two partitions; the partitioned parent holds no rows of its own
            assertThat(report.verify().tablesCompared()).isEqualTo(7);
        }
        try (Connection src1 = clusters.connect(clusters.flux1(), db);
             Connection dst = clusters.connect(clusters.flux2(), db)) {
            String rowsAsText = "SELECT string_agg(id || ':' || coalesce(t, '<null>') || ':' || coalesce(encode(b, 'hex'), '<null>'),"
                    + " '|' ORDER BY id) FROM odd";
            assertThat(text(dst, rowsAsText)).isEqualTo(text(src1, rowsAsText)).contains("4:\\N:<null>").contains("5:<null>:5c4e");
            assertThat(text(dst, "SELECT t FROM odd WHERE id = 2")).isEqualTo("tab\there\nnewline\rreturn");
            assertThat(text(dst, "SELECT t FROM odd WHERE id = 7")).isEqualTo("beyond the BMP: 😀 𝄞 𠜎");
            assertThat(text(dst, "SELECT encode(b, 'hex') FROM odd WHERE id = 2")).isEqualTo("000102ff00");

            String hugeDigest = "SELECT length(t) || ' ' || md5(t) || ' ' || length(b) || ' ' || md5(b) FROM huge";
            assertThat(text(dst, hugeDigest)).isEqualTo(text(src1, hugeDigest)).startsWith(HUGE_CHARS + " ");

            assertThat(scalar(dst, "SELECT count(*) FROM empty_one")).isZero();
            assertThat(scalar(dst, "SELECT count(*) FROM no_key")).isEqualTo(7);
            assertThat(scalar(dst, "SELECT count(*) FROM no_key WHERE v IS NULL")).isEqualTo(2);
            assertThat(text(dst, "SELECT relpersistence::text FROM pg_class WHERE relname = 'scratch'")).isEqualTo("u");
            assertThat(scalar(dst, "SELECT count(*) FROM scratch")).isEqualTo(100);
            assertThat(scalar(dst, "SELECT count(*) FROM pg_class WHERE relname = 'mine_only'")).isZero();

            assertThat(text(dst, "SELECT pg_get_viewdef('odd_view'::regclass)")).isEqualTo(text(src1, "SELECT pg_get_viewdef('odd_view'::regclass)"));
            assertThat(column(dst, "SELECT t FROM odd_view ORDER BY id")).isEqualTo(column(src1, "SELECT t FROM odd_view ORDER BY id"));
            assertThat(text(dst, "SELECT relispopulated::text FROM pg_class WHERE relname = 'odd_counts'")).isEqualTo("true");
            assertThat(text(dst, "SELECT n || ',' || s FROM odd_counts")).isEqualTo("7,28");
            assertThat(text(dst, "SELECT relispopulated::text FROM pg_class WHERE relname = 'never_filled'")).isEqualTo("false");

            assertThat(text(dst, "SELECT relkind::text FROM pg_class WHERE relname = 'parted'")).isEqualTo("p");
            assertThat(column(dst, "SELECT count(*)::text FROM parted GROUP BY tableoid ORDER BY 1")).isEqualTo(List.of("336", "365"));
        }
    }
}
