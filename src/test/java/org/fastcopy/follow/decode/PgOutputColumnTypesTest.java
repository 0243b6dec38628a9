package org.fastcopy.follow.decode;

import org.fastcopy.follow.decode.PgOutputMessage.Column;
import org.fastcopy.follow.decode.PgOutputMessage.Insert;
import org.fastcopy.follow.decode.PgOutputMessage.Relation;
import org.fastcopy.follow.decode.PgOutputMessage.Update;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.testing.LogicalSlotReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.util.Sql.ident;

/**
 * pgoutput version 1 sends each value as its type's text output: for a column of every common
 * built-in type, the decoded text must be exactly what the type's output function gives on an
 * ordinary connection with the same output settings (what COPY and psql show), edge values included (NaN, infinities, BC
 * dates, arrays with NULLs and quotes, NUL bytes in bytea, characters beyond the BMP), NULL must
 * arrive as NULL, and a TOASTed value that an UPDATE left alone must arrive as "unchanged".
 */
class PgOutputColumnTypesTest {
    private static final String PUBLICATION = "column_types";

    /** column name, type, and one SQL literal per row (row 3 is all NULL). */
    private record Col(String name, String type, String row1, String row2) {
    }

    private static final List<Col> COLUMNS = List.of(
            new Col("b", "boolean", "true", "false"),
            new Col("i2", "smallint", "-32768", "32767"),
            new Col("i4", "integer", "2147483647", "-2147483648"),
            new Col("i8", "bigint", "-9223372036854775808", "9223372036854775807"),
            new Col("num", "numeric", "'NaN'", "'-123456789012345678901234567890.000000000000000000001'"),
            new Col("num_inf", "numeric", "'Infinity'", "'-Infinity'"),
            new Col("num52", "numeric(5,2)", "3.14159", "-999.99"),
            new Col("f4", "real", "'NaN'", "1.1"),
            new Col("f8", "double precision", "'-Infinity'", "0.1"),
            new Col("f8_zero", "double precision", "'-0'", "1e308"),
            new Col("cash", "money", "12.34", "-0.01"),
            new Col("ch", "char(5)", "'ab'", "'abcde'"),
            new Col("vc", "varchar(20)", "'Grüße'", "''"),
            new Col("t", "text", "E'tab\\t newline\\n quote\" backslash\\\\ \\\\N'", "'beyond the BMP: 😀 𝄞 𠜎, combining: e\u0301'"),
            new Col("by", "bytea", "'\\x00ff5c4e00'", "''"),
            new Col("d", "date", "'0044-03-15 BC'", "'infinity'"),
            new Col("d_neg", "date", "'-infinity'", "'2026-12-05'"),
            new Col("ts", "timestamp", "'4713-01-01 00:00:00 BC'", "'294276-12-31 23:59:59.999999'"),
            new Col("ts_inf", "timestamp", "'infinity'", "'-infinity'"),
            new Col("tstz", "timestamptz", "'2026-12-05 07:00:00.123456+05:30'", "'1900-01-01 00:00:00+00'"),
            new Col("tm", "time", "'24:00:00'", "'00:00:00.000001'"),
            new Col("tmtz", "timetz", "'12:34:56.789+02'", "'23:59:59-15:59'"),
            new Col("iv", "interval", "'1 year 2 mons -3 days 04:05:06.789'", "'-178000000 years'"),
            new Col("u", "uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'"),
            new Col("j", "json", "'{\"a\" :  [1, 2.50, \"x\\u00e9\"], \"a\": null}'", "'\"just a string\"'"),
            new Col("jb", "jsonb", "'{\"b\": [1, 2.50, \"é\"], \"a\": {\"n\": null}}'", "'[]'"),
            new Col("x", "xml", "'<a b=\"c\">d &amp; e</a>'", "'text only'"),
            new Col("ip", "inet", "'192.168.0.1/24'", "'::ffff:1.2.3.4'"),
            new Col("net", "cidr", "'10.0.0.0/8'", "'2001:db8::/32'"),
            new Col("mac", "macaddr", "'08:00:2b:01:02:03'", "'ff-ff-ff-ff-ff-ff'"),
            new Col("mac8", "macaddr8", "'08:00:2b:01:02:03:04:05'", "'08002b010203'"),
            new Col("bits", "bit(4)", "B'1010'", "B'0000'"),
            new Col("vbits", "varbit", "B'101'", "B''"),
            new Col("ints", "integer[]", "'{1,NULL,3}'", "'{}'"),
            new Col("texts", "text[]", "ARRAY['a,b', 'c\"d', NULL, 'NULL', '', 'back\\slash', ' space ']", "'{{x,y},{z,w}}'"),
            new Col("bounds", "integer[]", "'[0:1]={7,8}'", "'{{1,2},{3,4}}'"),
            new Col("pt", "point", "'(1.5,-2)'", "'(0,0)'"),
            new Col("bx", "box", "'((0,0),(1,1))'", "'((-1,-1),(2,3))'"),
            new Col("pg", "polygon", "'((0,0),(1,0),(0,1))'", "'((1,1))'"),
            new Col("circ", "circle", "'<(0,0),1.5>'", "'<(1,1),0>'"),
            new Col("tsv", "tsvector", "'fat:2 cat:3A a:1'", "''"),
            new Col("tsq", "tsquery", "'fat & (rat | cat)'", "'!a'"),
            new Col("r", "int4range", "'[1,10)'", "'empty'"),
            new Col("tr", "tstzrange", "'[2026-01-01 00:00+00,infinity)'", "'(,)'"),
            new Col("mr", "int4multirange", "'{[1,3), [7,9)}'", "'{}'"),
            new Col("o", "oid", "4294967295", "0"),
            new Col("nm", "name", "'pg_catalog'", "'a name with spaces'"),
            new Col("chr", "\"char\"", "'x'", "''"),
            new Col("lsn", "pg_lsn", "'16/B374D848'", "'FFFFFFFF/FFFFFFFF'"),
            new Col("mood", "mood", "'happy'", "'sad'"),
            new Col("pair", "pair", "ROW(1, 'x y')", "ROW(NULL, '')"),
            new Col("pos", "posint", "1", "2147483647"),
            // the copy fidelity fixture's types without binary I/O (CopyFidelityTest)
            new Col("acl", "aclitem", "'postgres=arwdDxt/postgres'", "'=r/postgres'"),
            new Col("acls", "aclitem[]", "'{postgres=r*/postgres,=U/postgres}'", "'{}'"),
            new Col("grant", "grant_item", "'=X/postgres'", "'postgres=C*T/postgres'"),
            new Col("grants", "grant_pair[]", "ARRAY[ROW('me', 'postgres=a/postgres')::grant_pair, NULL]", "'{}'"),
            new Col("nums", "numeric[]", "'{1.50,NaN,-0.000}'", "'{{1},{2}}'"));

    private static LogicalClusters clusters;
    private static String db;
    private static Connection sql;
    private static LogicalSlotReader slot;

    @BeforeAll
    static void createTable() throws SQLException {
        clusters = LogicalClusters.get();
        db = clusters.createDatabase(clusters.source(), "pgoutput_types").database();
        // Output settings that would change the text, set where a DBA might set them: the
        // replication connection's pinned options must win (PgOutputDecoder.SESSION_OPTIONS).
        try (Connection c = clusters.connect(clusters.source(), db); Statement st = c.createStatement()) {
            st.execute("ALTER DATABASE " + ident(db) + " SET IntervalStyle = 'iso_8601'");
            st.execute("ALTER DATABASE " + ident(db) + " SET DateStyle = 'SQL, DMY'");
            st.execute("ALTER DATABASE " + ident(db) + " SET extra_float_digits = -3");
        }
        sql = clusters.connect(clusters.source(), db);
        // PgJDBC itself sets DateStyle ISO and extra_float_digits 3 on its connections, not IntervalStyle.
        exec("SET IntervalStyle = 'postgres'");
        exec("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
        exec("CREATE TYPE pair AS (a int, b text)");
        exec("CREATE DOMAIN posint AS integer CHECK (VALUE > 0)");
        exec("CREATE DOMAIN grant_item AS aclitem");
        exec("CREATE TYPE grant_pair AS (who text, what aclitem)");
        exec("CREATE TABLE every_type (id int PRIMARY KEY, " + COLUMNS.stream()
                .map(c -> ident(c.name()) + " " + c.type()).collect(Collectors.joining(", ")) + ")");
        exec("CREATE TABLE toasted (id int PRIMARY KEY, big text, small int)");
        // EXTERNAL: stored out of line without compression, so a modest value is TOASTed.
        exec("ALTER TABLE toasted ALTER COLUMN big SET STORAGE EXTERNAL");
        exec("CREATE PUBLICATION " + PUBLICATION + " FOR ALL TABLES");
        slot = LogicalSlotReader.open(clusters, db, clusters.newName("types_slot"), PUBLICATION, Map.of());
    }

    @AfterAll
    static void dropSlot() throws SQLException {
        try {
            slot.close();
        } finally {
            sql.close();
        }
    }

    @Test
    void everyValueArrivesAsTheTextThatSelectShowsAndNullAsNull() throws SQLException {
        exec("INSERT INTO every_type (id, " + COLUMNS.stream().map(c -> ident(c.name())).collect(Collectors.joining(", "))
                + ") VALUES (1, " + COLUMNS.stream().map(Col::row1).collect(Collectors.joining(", "))
                + "), (2, " + COLUMNS.stream().map(Col::row2).collect(Collectors.joining(", ")) + "), (3, "
                + COLUMNS.stream().map(c -> "NULL").collect(Collectors.joining(", ")) + ")");

        List<PgOutputMessage> txn = slot.nextTransaction();

        // A column of a type that is not built in is preceded by a Type message. For a domain the
        // server sends the domain's oid with its base type's name (logicalrep_write_typ).
        assertThat(txn.stream().filter(PgOutputMessage.Type.class::isInstance).map(PgOutputMessage.Type.class::cast)
                .map(t -> t.oid() + " " + t.namespace() + "." + t.name()))
                .containsExactlyInAnyOrderElementsOf(column("SELECT oid::text || ' ' || CASE WHEN typbasetype = 0"
                        + " THEN 'public.' || typname ELSE '.' || (SELECT b.typname FROM pg_type b WHERE b.oid = t.typbasetype) END"
                        + " FROM pg_type t WHERE typname IN ('mood', 'pair', 'posint', 'grant_item', '_grant_pair')")); // pg_catalog is sent as ""
        Relation rel = txn.stream().filter(Relation.class::isInstance).map(Relation.class::cast).findFirst().orElseThrow();
        assertThat(rel.columns()).extracting(Column::name).containsExactlyElementsOf(names());
        assertThat(rel.columns()).extracting(c -> c.typeOid() + " " + c.typmod())
                .containsExactlyElementsOf(column("SELECT atttypid::oid::text || ' ' || atttypmod FROM pg_attribute"
                        + " WHERE attrelid = 'every_type'::regclass AND attnum > 0 ORDER BY attnum"));
        List<Insert> inserts = txn.stream().filter(Insert.class::isInstance).map(Insert.class::cast).toList();
        assertThat(inserts).hasSize(3);
        for (int row = 0; row < 3; row++) {
            TupleData tuple = inserts.get(row).newTuple();
            List<String> expected = row("SELECT " + names().stream().map(PgOutputColumnTypesTest::output)
                    .collect(Collectors.joining(", ")) + " FROM every_type WHERE id = " + (row + 1));
            for (int col = 0; col < expected.size(); col++) {
                assertThat(tuple.get(col)).as("row %d column %s", row + 1, names().get(col))
                        .isEqualTo(expected.get(col) == null ? TupleData.Null.INSTANCE : new TupleData.Text(expected.get(col)));
            }
        }
        TupleData first = inserts.get(0).newTuple();
        assertThat(first.text(names().indexOf("b"))).as("boolean's output form, not its cast to text").isEqualTo("t");
        assertThat(first.text(names().indexOf("ch"))).as("char(5) keeps its padding").isEqualTo("ab   ");
        assertThat(first.text(names().indexOf("iv"))).as("the pinned IntervalStyle, not the database's")
                .isEqualTo("1 year 2 mons -3 days +04:05:06.789");
        assertThat(first.text(names().indexOf("d"))).as("the pinned DateStyle").isEqualTo("0044-03-15 BC");
        assertThat(inserts.get(1).newTuple().text(names().indexOf("f8"))).as("every digit").isEqualTo("0.1");
    }

    @Test
    void aToastedValueThatAnUpdateLeftAloneArrivesAsUnchanged() throws SQLException {
        exec("INSERT INTO toasted VALUES (1, repeat('0123456789', 1000), 1)");
        exec("UPDATE toasted SET small = 2 WHERE id = 1");
        exec("UPDATE toasted SET big = 'short now', small = 3 WHERE id = 1");

        TupleData inserted = only(slot.nextTransaction(), Insert.class).newTuple();
        TupleData untouched = only(slot.nextTransaction(), Update.class).newTuple();
        TupleData changed = only(slot.nextTransaction(), Update.class).newTuple();

        assertThat(inserted.text(1)).hasSize(10_000).startsWith("0123456789");
        assertThat(untouched.values()).containsExactly(
                new TupleData.Text("1"), TupleData.UnchangedToast.INSTANCE, new TupleData.Text("2"));
        assertThatThrownBy(() -> untouched.text(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("unchanged TOASTed value");
        assertThat(changed.values()).containsExactly(
                new TupleData.Text("1"), new TupleData.Text("short now"), new TupleData.Text("3"));
    }

    private static <T extends PgOutputMessage> T only(List<PgOutputMessage> txn, Class<T> type) {
        List<T> found = txn.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as("%s messages in %s", type.getSimpleName(), txn).hasSize(1);
        return found.get(0);
    }

    /**
     * The column's text through its type's output function, as COPY and psql show it: format's
     * %s calls the output function. Not {@code col::text}: the casts to text of boolean ('true',
     * not 't'), char(n) (trailing blanks cut) and inet/cidr (the mask always shown) differ from
     * the output function that pgoutput uses.
     */
    private static String output(String column) {
        return "CASE WHEN num_nulls(" + ident(column) + ") = 1 THEN NULL ELSE format('%s', " + ident(column) + ") END";
    }

    private static List<String> names() {
        List<String> n = new ArrayList<>();
        n.add("id");
        COLUMNS.forEach(c -> n.add(c.name()));
        return n;
    }

    private static List<String> row(String query) throws SQLException {
        try (Statement st = sql.createStatement(); ResultSet rs = st.executeQuery(query)) {
            assertThat(rs.next()).isTrue();
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                values.add(rs.getString(i));
            }
            return values;
        }
    }

    private static List<String> column(String query) throws SQLException {
        try (Statement st = sql.createStatement(); ResultSet rs = st.executeQuery(query)) {
            List<String> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        }
    }

    private static void exec(String statement) throws SQLException {
        try (Statement st = sql.createStatement()) {
            st.execute(statement);
        }
    }
}
