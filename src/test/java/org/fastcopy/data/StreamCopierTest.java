package org.fastcopy.data;

import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.qualified;

/** What a unit copies: every row, byte for byte, and nothing else. Real servers on both sides. */
@ExtendWith(ClusterExtension.class)
class StreamCopierTest {
    private static final String AWKWARD_TABLE = "Odd \"Name\" ü; DROP TABLE x";
    private static final String AWKWARD_COLUMN = "the Value";
    private static final String TYPES_DDL = "(id int PRIMARY KEY, i int, b bigint, t text, raw bytea, ts timestamp,"
            + " tz timestamptz, iv interval, bits bit(6), ints int[], dbls double precision[], n numeric,"
            + " j jsonb, u uuid, d date, ok boolean)";
    private static final List<String> TYPES_COLUMNS = List.of("id", "i", "b", "t", "raw", "ts", "tz", "iv", "bits",
            "ints", "dbls", "n", "j", "u", "d", "ok");

    private static TestClusters clusters;
    private static String sourceDb;
    private static String targetDb;

    @BeforeAll
    static void createTables(TestClusters c) throws SQLException {
        clusters = c;
        sourceDb = c.createDatabase(c.flux1(), "data_src").database();
        targetDb = c.createDatabase(c.flux2(), "data_dst").database();
        String awkward = "(id int PRIMARY KEY, " + ident(AWKWARD_COLUMN) + " text)";
        String[] ddl = {
                "CREATE TABLE types " + TYPES_DDL,
                "CREATE TABLE " + ident(AWKWARD_TABLE) + awkward,
                "CREATE TABLE chunked (id int PRIMARY KEY, pad text)",
                "CREATE TABLE wide (id int PRIMARY KEY, body text, blob bytea)",
                "CREATE TABLE empty (id int PRIMARY KEY, v text)",
                "CREATE TABLE parent (id int, who text)",
                "CREATE TABLE no_columns ()",
                "CREATE TABLE progress (id int, v text)",
        };
        Pg.run(c, c.flux1(), sourceDb, ddl);
        Pg.run(c, c.flux2(), targetDb, ddl);
        Pg.run(c, c.flux1(), sourceDb,
                "INSERT INTO types SELECT g, g * 7 - 3000, g::bigint * 1000000007, 'row ' || g || ' ü€ 🙂',"
                        + " decode(md5(g::text), 'hex'),"
                        + " timestamp '2012-03-01' + g * interval '37 min 13.123456 s',"
                        + " timestamptz '2012-03-01 00:00+00' + g * interval '1 hour 0.000001 s',"
                        + " make_interval(0, g % 13, 0, g % 31, g % 24, g % 60, (g % 1000) / 1000.0),"
                        + " (g % 64)::bit(6), ARRAY[g, -g, NULL], ARRAY[g / 3.0::float8, 1e-300 * g, -0.0],"
                        + " (g / 7.0)::numeric, jsonb_build_object('g', g, 'k', ARRAY[1, 2]), md5(g::text)::uuid,"
                        + " date '2000-01-01' + g, g % 2 = 0 FROM generate_series(1, 5000) g",
                "INSERT INTO types (id) VALUES (0)",
                "INSERT INTO types (id, t, dbls, n, j) VALUES (-1, E'tab\\there\\nnew line\\\\back slash\\r"
                        + " \"dq\" ''sq'' \\\\N ünï 中文', ARRAY['Infinity', '-Infinity', 'NaN',"
                        + " 1.7976931348623157e308, 5e-324]::float8[], 'NaN', '{\"a\\tb\": \"\\u00fc\"}')",
                "INSERT INTO types (id, t) VALUES (-2, '\\N'), (-3, ''), (-4, E'\\\\.')",
                "INSERT INTO " + ident(AWKWARD_TABLE) + " SELECT g, 'v' || g FROM generate_series(1, 100) g",
                "INSERT INTO chunked SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 20000) g",
                "INSERT INTO wide SELECT g, repeat(md5(g::text), 32768), NULL FROM generate_series(1, 3) g",
                "INSERT INTO wide VALUES (4, NULL, (SELECT string_agg(decode(md5(g::text), 'hex'), '')"
                        + " FROM generate_series(1, 200000) g))",
                "INSERT INTO parent SELECT g, 'parent' FROM generate_series(1, 3) g",
                "CREATE TABLE child (extra int) INHERITS (parent)",
                "INSERT INTO child SELECT g, 'child', g FROM generate_series(10, 14) g",
                "INSERT INTO no_columns DEFAULT VALUES",
                "INSERT INTO no_columns DEFAULT VALUES",
                "INSERT INTO progress SELECT g, repeat('x', 100) FROM generate_series(1, 2000) g",
                "VACUUM ANALYZE");
    }

    @AfterEach
    void noWriterThreadOutlivesACopy() {
        assertThat(Pg.liveWriterThreads()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(CopyFormat.class)
    void copiesEveryTypeExactly(CopyFormat format) throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "types", TYPES_COLUMNS);
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyResult result = new StreamCopier(1).copy(unit, src, dst, format, false);

            assertThat(result.rows()).isEqualTo(5005).isEqualTo(result.sourceRows());
            assertThat(result.bytes()).isPositive();
            assertThat(result.format()).isEqualTo(format);
            assertThat(Pg.fingerprint(dst, "types", "id")).isEqualTo(Pg.fingerprint(src, "types", "id"));
            assertThat(Pg.value(dst, "SELECT t FROM types WHERE id = -2")).isEqualTo("\\N");
            assertThat(Pg.value(dst, "SELECT t IS NULL FROM types WHERE id = 0")).isEqualTo("t");
            dst.rollback();
        }
    }

    @Test
    void copiesATableWhoseNamesNeedQuoting() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", AWKWARD_TABLE, List.of("id", AWKWARD_COLUMN));
        String table = qualified("public", AWKWARD_TABLE);
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyResult result = new StreamCopier(1).copy(unit, src, dst, CopyFormat.BINARY, false);

            assertThat(result.rows()).isEqualTo(100);
            assertThat(Pg.fingerprint(dst, table, "id")).isEqualTo(Pg.fingerprint(src, table, "id"));
            assertThat(Pg.number(dst, "SELECT count(*) FROM pg_class WHERE relname = 'x'")).isZero();
            dst.rollback();
        }
    }

    @Test
    void fourCtidChunksTogetherCopyTheWholeTable() throws SQLException {
        CopyUnit table = CopyUnit.table("public", "chunked", List.of("id", "pad"));
        StreamCopier copier = new StreamCopier(1);
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            long blocks = Pg.number(src, "SELECT pg_relation_size('chunked') / current_setting('block_size')::int");
            assertThat(blocks).as("enough blocks to cut").isGreaterThan(40);
            long[] cuts = {0, blocks / 4, blocks / 2, blocks * 3 / 4};
            long total = 0;
            for (int i = 0; i < 4; i++) {
                // The last chunk is open-ended: blocks added after the estimate still get copied.
                BlockRange range = i == 3 ? BlockRange.toEnd(cuts[i]) : BlockRange.of(cuts[i], cuts[i + 1]);
                CopyUnit chunk = table.chunk(range, i + 1, 4);
                CopyResult result = copier.copy(chunk, src, dst, CopyFormat.BINARY, false);
                assertThat(result.rows()).as(chunk.label()).isPositive();
                total += result.rows();
            }

            assertThat(total).isEqualTo(20000);
            assertThat(Pg.fingerprint(dst, "chunked", "id")).isEqualTo(Pg.fingerprint(src, "chunked", "id"));
            dst.rollback();
        }
    }

    @ParameterizedTest
    @EnumSource(CopyFormat.class)
    void rowsMuchLargerThanABufferAreSplitAcrossSlots(CopyFormat format) throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "wide", List.of("id", "body", "blob"));
        // 2 slots of 1 KiB against rows of 1 MB (text) and 3.2 MB (bytea).
        StreamCopier tiny = new StreamCopier(1, new CopySettings(2, 1024, 64), CopyProgress.NONE);
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            for (StreamCopier copier : List.of(new StreamCopier(2), tiny)) {
                CopyResult result = copier.copy(unit, src, dst, format, false);

                assertThat(result.rows()).isEqualTo(4);
                assertThat(result.bytes()).isGreaterThan(6_000_000);
                assertThat(Pg.fingerprint(dst, "wide", "id")).isEqualTo(Pg.fingerprint(src, "wide", "id"));
                dst.rollback();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(CopyFormat.class)
    void anEmptyTableCopiesZeroRows(CopyFormat format) throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "empty", List.of("id", "v"));
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyResult result = new StreamCopier(1).copy(unit, src, dst, format, false);

            assertThat(result.rows()).isZero();
            assertThat(result.sourceRows()).isZero();
            assertThat(Pg.number(dst, "SELECT count(*) FROM empty")).isZero();
            dst.rollback();
        }
    }

    @Test
    void aParentUnitCopiesOnlyTheParentsOwnRowsNotItsInheritanceChildren() throws SQLException {
        CopyUnit whole = CopyUnit.table("public", "parent", List.of("id", "who"));
        CopyUnit chunk = whole.chunk(BlockRange.of(0, 1000), 1, 1);
        StreamCopier copier = new StreamCopier(1);
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            assertThat(Pg.number(src, "SELECT count(*) FROM parent")).as("parent with children").isEqualTo(8);
            for (CopyUnit unit : List.of(whole, chunk)) {
                CopyResult result = copier.copy(unit, src, dst, CopyFormat.TEXT, false);

                assertThat(result.rows()).as(unit.label()).isEqualTo(3);
                assertThat(Pg.fingerprint(dst, "parent", "id")).isEqualTo(Pg.fingerprint(src, "ONLY parent", "id"));
                dst.rollback();
            }
        }
    }

    @Test
    void aTableWithoutColumnsKeepsItsRowCount() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "no_columns", List.of());
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyResult result = new StreamCopier(1).copy(unit, src, dst, CopyFormat.BINARY, false);

            assertThat(result.rows()).isEqualTo(2);
            assertThat(Pg.number(dst, "SELECT count(*) FROM no_columns")).isEqualTo(2);
            dst.rollback();
        }
    }

    @Test
    void freezeLoadsATableCreatedInTheSameTransaction() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "chunked", List.of("id", "pad")).withTarget("public", "frozen");
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            Pg.exec(dst, "CREATE TABLE frozen (id int, pad text)");
            CopyResult result = new StreamCopier(1).copy(unit, src, dst, CopyFormat.BINARY, true);

            assertThat(result.rows()).isEqualTo(20000);
            assertThat(unit.label()).isEqualTo("public.chunked -> public.frozen");
            assertThat(Pg.fingerprint(dst, "frozen", "id")).isEqualTo(Pg.fingerprint(src, "chunked", "id"));
            dst.rollback();
        }
    }

    @Test
    void progressIsReportedEveryFewBuffersAndOnceAtTheEnd() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "progress", List.of("id", "v"));
        List<long[]> calls = new ArrayList<>();
        CopyProgress record = (u, rows, bytes) -> calls.add(new long[] {rows, bytes});
        StreamCopier copier = new StreamCopier(1, new CopySettings(4, 4096, 8), record);
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyResult result = copier.copy(unit, src, dst, CopyFormat.TEXT, false);

            long fullBuffers = result.bytes() / 4096;
            assertThat(calls).hasSize((int) (fullBuffers / 8) + 1);
            assertThat(calls).isSortedAccordingTo((a, b) -> Long.compare(a[1], b[1]));
            assertThat(calls.get(calls.size() - 1)).containsExactly(2000, result.bytes());
            dst.rollback();
        }
    }

    @Test
    void binaryOnlyBetweenSameMajorVersionAndEncoding() throws SQLException {
        assertThat(CopyFormat.choose(150004, "UTF8", 150010, "utf8")).isEqualTo(CopyFormat.BINARY);
        assertThat(CopyFormat.choose(150004, "UTF8", 160002, "UTF8")).isEqualTo(CopyFormat.TEXT);
        assertThat(CopyFormat.choose(90624, "UTF8", 90610, "UTF8")).isEqualTo(CopyFormat.BINARY);
        assertThat(CopyFormat.choose(90624, "UTF8", 90520, "UTF8")).as("9.6 vs 9.5").isEqualTo(CopyFormat.TEXT);
        assertThat(CopyFormat.choose(150004, "UTF8", 150004, "LATIN1")).isEqualTo(CopyFormat.TEXT);
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            assertThat(CopyFormat.choose(src, dst)).as("two PostgreSQL 15, UTF8").isEqualTo(CopyFormat.BINARY);
            dst.rollback();
        }
    }

    @Test
    void sqlQuotesEveryIdentifierAndSpellsOutTheChunk() {
        CopyUnit unit = CopyUnit.table("My Schema", AWKWARD_TABLE, List.of("id", AWKWARD_COLUMN));

        assertThat(CopySql.copyOut(unit, CopyFormat.BINARY)).isEqualTo(
                "COPY \"My Schema\".\"Odd \"\"Name\"\" ü; DROP TABLE x\" (\"id\", \"the Value\")"
                        + " TO STDOUT WITH (FORMAT binary)");
        assertThat(CopySql.copyOut(unit.chunk(BlockRange.of(10, 20), 2, 8), CopyFormat.TEXT)).isEqualTo(
                "COPY (SELECT \"id\", \"the Value\" FROM ONLY \"My Schema\".\"Odd \"\"Name\"\" ü; DROP TABLE x\""
                        + " WHERE ctid >= '(10,0)'::tid AND ctid < '(20,0)'::tid) TO STDOUT WITH (FORMAT text)");
        assertThat(CopySql.copyOut(unit.chunk(BlockRange.toEnd(20), 8, 8), CopyFormat.TEXT))
                .contains("WHERE ctid >= '(20,0)'::tid)");
        assertThat(CopySql.copyIn(unit.withTarget("t", "u"), CopyFormat.BINARY, true)).isEqualTo(
                "COPY \"t\".\"u\" (\"id\", \"the Value\") FROM STDIN WITH (FORMAT binary, FREEZE true)");
        assertThat(unit.chunk(BlockRange.of(10, 20), 2, 8).label())
                .isEqualTo("My Schema.Odd \"Name\" ü; DROP TABLE x [chunk 2/8]");
        assertThatThrownBy(() -> BlockRange.of(5, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CopySettings(48, 65536, 1)).hasMessageContaining("power of two");
    }
}
