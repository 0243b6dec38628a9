package org.fastcopy.follow.decode;

import org.fastcopy.testing.LogicalClusters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The decoder refuses what it cannot read, at once and with the message type and byte offset:
 * every message a real server sent, cut short at every byte or with a byte too many; unknown
 * message types and tuple kinds; counts that promise more than the buffer holds; text that is not
 * UTF-8. The real messages come from {@code pg_logical_slot_peek_binary_changes}, the SQL face of
 * the same pgoutput plugin, so they cover every message type the server can send in version 1.
 */
@Timeout(30)
class PgOutputMalformedTest {
    private static List<byte[]> realMessages;

    @BeforeAll
    static void captureRealMessages() throws SQLException {
        LogicalClusters clusters = LogicalClusters.get();
        String db = clusters.createDatabase(clusters.source(), "pgoutput_malformed").database();
        String slot = clusters.newName("malformed_slot");
        try (Connection c = clusters.connect(clusters.source(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TYPE mood AS ENUM ('sad', 'happy')");
            st.execute("CREATE TABLE t (id int PRIMARY KEY, m mood, note text)");
            st.execute("CREATE TABLE f (id int PRIMARY KEY, v text)");
            st.execute("ALTER TABLE f REPLICA IDENTITY FULL");
            st.execute("CREATE PUBLICATION p FOR ALL TABLES");
            st.execute("SELECT pg_replication_origin_create('elsewhere')");
            st.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
            try {
                st.execute("SELECT pg_replication_origin_session_setup('elsewhere')");
                c.setAutoCommit(false);
                st.execute("SELECT pg_replication_origin_xact_setup('1/2', now())");
                st.execute("INSERT INTO t VALUES (1, 'sad', 'grüße 😀'), (2, NULL, NULL)");
                st.execute("INSERT INTO f VALUES (1, 'x')");
                st.execute("SELECT pg_logical_emit_message(true, 'p', 'hello')");
                st.execute("UPDATE t SET id = 3, note = 'new key' WHERE id = 1");
                st.execute("UPDATE f SET v = 'y'");
                st.execute("DELETE FROM t WHERE id = 2");
                st.execute("DELETE FROM f");
                st.execute("TRUNCATE t, f RESTART IDENTITY");
                c.commit();
                c.setAutoCommit(true);
                st.execute("SELECT pg_replication_origin_session_reset()");
                realMessages = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT data FROM pg_logical_slot_peek_binary_changes('" + slot
                        + "', NULL, NULL, 'proto_version', '1', 'publication_names', 'p', 'messages', 'true')")) {
                    while (rs.next()) {
                        realMessages.add(rs.getBytes(1));
                    }
                }
            } finally {
                c.setAutoCommit(true);
                st.execute("SELECT pg_drop_replication_slot('" + slot + "')");
                st.execute("SELECT pg_replication_origin_drop('elsewhere')");
            }
        }
    }

    @Test
    void theRealMessagesCoverEveryTypeAndDecode() {
        Set<Character> types = new TreeSet<>();
        for (byte[] m : realMessages) {
            types.add(PgOutputDecoder.decode(ByteBuffer.wrap(m)).type());
        }
        assertThat(types).containsExactlyInAnyOrder('B', 'O', 'Y', 'R', 'I', 'M', 'U', 'D', 'T', 'C');
    }

    @Test
    void everyMessageCutShortAtAnyByteIsRefusedAsTruncatedAtOrBeforeTheCut() {
        for (byte[] m : realMessages) {
            for (int cut = 1; cut < m.length; cut++) {
                byte[] prefix = Arrays.copyOf(m, cut);
                PgOutputException e = catchThrowableOfType(() -> PgOutputDecoder.decode(ByteBuffer.wrap(prefix)),
                        PgOutputException.class);
                assertThat(e).as("message '%s' cut to %d of %d bytes", (char) m[0], cut, m.length).isNotNull();
                assertThat(e.getMessage()).contains("'" + (char) m[0] + "'").contains("truncated");
                assertThat(e.offset()).isBetween(1, cut);
                assertThat(e.getMessage()).contains("at byte " + e.offset());
            }
        }
    }

    @Test
    void aByteTooManyIsRefusedAtTheEndOfTheMessage() {
        for (byte[] m : realMessages) {
            byte[] longer = Arrays.copyOf(m, m.length + 1);
            assertThatThrownBy(() -> PgOutputDecoder.decode(ByteBuffer.wrap(longer)))
                    .isInstanceOf(PgOutputException.class)
                    .hasMessageContaining("at byte " + m.length + ": 1 bytes left over");
        }
    }

    @Test
    void unknownAndLaterProtocolMessageTypesAreRefusedByName() {
        assertRefused(new byte[] {'Z', 0, 0}, 0, "message 'Z' at byte 0: unknown message type 0x5a");
        assertRefused(new byte[] {0}, 0, "message 0x0 at byte 0: unknown message type 0x0");
        assertRefused(new byte[] {'S', 0, 0, 0, 1, 1}, 0, "protocol version 2");
        assertRefused(new byte[] {'P'}, 0, "protocol version 3");
        assertRefused(new byte[0], 0, "empty");
    }

    @Test
    void unknownTupleKindsMarkersAndFlagsAreRefusedAtTheirByte() {
        // 'I', relation oid 16384, 'N', 1 column, kind 'x'
        assertRefused(bytes('I', 0, 0, 0x40, 0, 'N', 0, 1, 'x'), 8, "unknown kind 0x78 of column 0 of the new tuple");
        assertRefused(bytes('I', 0, 0, 0x40, 0, 'N', 0, 1, 'b', 0, 0, 0, 1, 7), 8, "binary form");
        assertRefused(bytes('I', 0, 0, 0x40, 0, 'X'), 5, "expected new-tuple marker 'N', found 0x58");
        assertRefused(bytes('D', 0, 0, 0x40, 0, 'N', 0, 0), 5, "expected tuple marker 'K' or 'O'");
        assertRefused(bytes('T', 0, 0, 0, 1, 4, 0, 0, 0x40, 0), 5, "unknown truncate options 4");
        assertRefused(bytes('R', 0, 0, 0x40, 0, 'p', 0, 't', 0, 'z', 0, 0), 9, "unknown replica identity 0x7a");
        assertRefused(bytes('C', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                1, "unknown commit flags 1");
    }

    @Test
    void countsThatPromiseMoreThanTheBufferHoldsFailAtOnce() {
        assertRefused(bytes('T', 0x7f, 0xff, 0xff, 0xff, 0), 6, "2147483647 relation oids need 8589934588 bytes, 0 left");
        assertRefused(bytes('I', 0, 0, 0x40, 0, 'N', 0x7f, 0xff), 8, "truncated: kind of column 0 of the new tuple");
        assertRefused(bytes('I', 0, 0, 0x40, 0, 'N', 0, 1, 't', 0x7f, 0xff, 0xff, 0xff, 'a'), 13,
                "column 0 of the new tuple needs 2147483647 bytes, 1 left");
        assertRefused(bytes('I', 0, 0, 0x40, 0, 'N', 0, 1, 't', 0xff, 0xff, 0xff, 0xff), 9,
                "negative length -1 for column 0 of the new tuple");
        assertRefused(bytes('Y', 0, 0, 0x40, 0, 'n', 's'), 5, "type namespace has no terminating NUL byte");
    }

    @Test
    void textThatIsNotUtf8IsRefused() {
        assertRefused(bytes('I', 0, 0, 0x40, 0, 'N', 0, 1, 't', 0, 0, 0, 2, 0xc3, 0x28), 13,
                "column 0 of the new tuple is not valid UTF-8");
    }

    @Test
    void aMessageIsReadFromTheBuffersPositionToItsLimitWhichStayWhereTheyAre() {
        byte[] insert = realMessages.stream().filter(m -> m[0] == 'I').findFirst().orElseThrow();
        byte[] framed = new byte[insert.length + 10];
        System.arraycopy(insert, 0, framed, 3, insert.length);
        framed[3 + insert.length] = 'Z'; // beyond the limit: must not be read
        ByteBuffer buf = ByteBuffer.wrap(framed, 3, insert.length);

        PgOutputMessage m = PgOutputDecoder.decode(buf);

        assertThat(m).isEqualTo(PgOutputDecoder.decode(ByteBuffer.wrap(insert)));
        assertThat(buf.position()).isEqualTo(3);
        assertThat(buf.limit()).isEqualTo(3 + insert.length);
        ByteBuffer cut = ByteBuffer.wrap(framed, 3, 6);
        PgOutputException e = catchThrowableOfType(() -> PgOutputDecoder.decode(cut), PgOutputException.class);
        assertThat(e.offset()).as("offsets count from the message's first byte").isLessThanOrEqualTo(6);
    }

    private static void assertRefused(byte[] message, int offset, String text) {
        PgOutputException e = catchThrowableOfType(() -> PgOutputDecoder.decode(ByteBuffer.wrap(message)),
                PgOutputException.class);
        assertThat(e).as("decoding %s", Arrays.toString(message)).isNotNull();
        assertThat(e.getMessage()).contains(text).contains("at byte " + offset);
        assertThat(e.offset()).isEqualTo(offset);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
