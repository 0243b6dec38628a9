package org.fastcopy.follow;

import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.follow.decode.TupleData;
import org.fastcopy.testing.LogicalClusters;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run of streamed INSERTs goes through COPY's text format: every value pgoutput sends as text
 * must arrive as the same value, whatever characters it holds, and a row longer than a chunk too.
 */
class InsertCopyTest {
    private final LogicalClusters lc = LogicalClusters.get();

    private static TupleData row(String... values) {
        List<TupleData.Value> out = new ArrayList<>();
        for (String v : values) {
            out.add(v == null ? TupleData.Null.INSTANCE : new TupleData.Text(v));
        }
        return new TupleData(out);
    }

    @Test
    void valuesWithCopyEscapesNonAsciiNullsAndLongRowsArriveUnchanged() throws Exception {
        Endpoint db = lc.createDatabase(lc.target(), "insertcopy");
        String tricky = "tab\there, newline\nhere, cr\rhere, backslash\\here, \\N and \\. literally";
        String unicode = "ünïcödé, 日本語, emoji 😀 between ascii";
        String longText = "x".repeat(3 * InsertCopy.CHUNK + 17) + "\\end";
        try (Connection c = lc.connect(lc.target(), db.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id int PRIMARY KEY, a text, b bytea, arr text[], skipped text DEFAULT 'default')");
            c.setAutoCommit(false);
            List<Integer> cols = List.of(0, 1, 2, 3);
            InsertCopy copy = InsertCopy.start(c, 1, cols, "COPY t (id, a, b, arr) FROM STDIN");
            copy.row(row("1", tricky, "\\x00ff5c0a", "{\"a\\\\b\",NULL,\"c\\\"d\"}"), cols);
            copy.row(row("2", unicode, null, null), cols);
            copy.row(row("3", longText, "\\x", "{}"), cols);
            assertThat(copy.rows()).isEqualTo(3);
            assertThat(copy.end()).isEqualTo(3);
            c.commit();
            try (ResultSet rs = st.executeQuery(
                    "SELECT id, a, encode(b, 'hex'), arr::text, skipped FROM t ORDER BY id")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo(tricky);
                assertThat(rs.getString(3)).isEqualTo("00ff5c0a");
                assertThat(rs.getString(4)).isEqualTo("{\"a\\\\b\",NULL,\"c\\\"d\"}");
                assertThat(rs.getString(5)).isEqualTo("default");
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo(unicode);
                assertThat(rs.getString(3)).isNull();
                assertThat(rs.getString(4)).isNull();
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo(longText);
                assertThat(rs.getString(3)).isEmpty();
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void rowsWhoseEscapedValuesStraddleChunkBoundariesArriveWhole() throws Exception {
        // each value doubles when escaped (every byte a backslash or a tab): 20,000 bytes become
        // 40,000, so the chunk of 64 kB fills in the middle of the second row, the fourth, ...
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            values.add("\\\t".repeat(10_000 + i) + "é" + i);
        }
        assertCopiedUnchanged("insertcopychunks", values);
    }

    @Test
    void escapesAtEveryOffsetOfAWordAndValuesLongerThanAChunkArriveUnchanged() throws Exception {
        // runs of plain text of every length from 0 to 20 (so an escape falls at every offset of
        // the eight bytes scanned at once), between the four escaped bytes and non-ASCII text, in
        // values up to three chunks long
        Random random = new Random(11);
        String[] specials = {"\\", "\n", "\r", "\t", "é", "日", "\u0001", "\u000e", "]"};
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            StringBuilder v = new StringBuilder();
            int length = i < 30 ? random.nextInt(200) : InsertCopy.CHUNK + random.nextInt(2 * InsertCopy.CHUNK);
            while (v.length() < length) {
                v.append("abcdefghijklmnopqrst", 0, random.nextInt(21));
                v.append(specials[random.nextInt(specials.length)]);
            }
            values.add(v.toString());
        }
        assertCopiedUnchanged("insertcopywords", values);
    }

    /** Copies the values as rows (i, value) of a new table in one COPY and reads them back. */
    private void assertCopiedUnchanged(String dbPrefix, List<String> values) throws Exception {
        Endpoint db = lc.createDatabase(lc.target(), dbPrefix);
        try (Connection c = lc.connect(lc.target(), db.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id int PRIMARY KEY, a text)");
            c.setAutoCommit(false);
            List<Integer> cols = List.of(0, 1);
            InsertCopy copy = InsertCopy.start(c, 1, cols, "COPY t (id, a) FROM STDIN");
            for (int i = 0; i < values.size(); i++) {
                copy.row(row(Integer.toString(i), values.get(i)), cols);
            }
            assertThat(copy.end()).isEqualTo(values.size());
            c.commit();
            try (ResultSet rs = st.executeQuery("SELECT a FROM t ORDER BY id")) {
                for (String expected : values) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo(expected);
                }
                assertThat(rs.next()).isFalse();
            }
        }
    }
}
