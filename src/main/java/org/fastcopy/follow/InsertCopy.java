package org.fastcopy.follow;

import org.fastcopy.follow.decode.TupleData;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * One open {@code COPY table (columns) FROM STDIN} on the apply session, fed a run of INSERTs of
 * one table as they arrive: rows go to the server in chunks of {@link #CHUNK} bytes, so memory
 * stays flat whatever the length of the run or of a value (a value longer than a chunk goes in
 * pieces: COPY data need not end at a row's end). COPY runs
 * inside the caller's open transaction, like the INSERTs it replaces, and like them it touches
 * only the named table (no rules; triggers are quiet under {@code session_replication_role =
 * replica}). One COPY costs one round trip at its end instead of one per 500 rows, and the server
 * skips parsing and planning an INSERT per row.
 *
 * <p>Values arrive in pgoutput's text form, which is the column type's output text: COPY's text
 * format reads them with the same input function once its four escapes are applied. They are
 * copied as the UTF-8 bytes the walsender sent (the apply session's client_encoding is UTF8 too),
 * never decoded to a String and encoded again.
 *
 * <p>Why text and not binary format, which would spare the server its escape parsing (a fifth of
 * its CPU on long values): COPY FROM flushes its multi-insert buffer every 1,000 rows or 64 kB of
 * input, and measures the input by the text line's length, which binary format leaves at 0. With
 * binary input the server stores nothing until 1,000 rows or the COPY's end, and then stores and
 * compresses them all while the follower waits for the count (bench/follow, 2026-12-07: the
 * backend's CPU down 4-12%, the rates down up to a fifth; docs/follow.md).
 */
final class InsertCopy {
    /** Bytes gathered before one CopyData message. */
    static final int CHUNK = 64 * 1024;

    private final CopyIn copy;
    private final long relationOid;
    private final List<Integer> cols;
    private final byte[] buf = new byte[CHUNK];
    private int len;
    private long rows;

    private InsertCopy(CopyIn copy, long relationOid, List<Integer> cols) {
        this.copy = copy;
        this.relationOid = relationOid;
        this.cols = cols;
    }

    /** Starts the COPY; the session can run nothing else until {@link #end()}. */
    static InsertCopy start(Connection target, long relationOid, List<Integer> cols, String sql) throws SQLException {
        return new InsertCopy(target.unwrap(PGConnection.class).getCopyAPI().copyIn(sql), relationOid, cols);
    }

    /** Over a COPY started elsewhere (the JMH benchmark's sink): rows go to it as {@link #start}'s would. */
    static InsertCopy over(CopyIn copy, long relationOid, List<Integer> cols) {
        return new InsertCopy(copy, relationOid, cols);
    }

    /** Whether this COPY was started for the table and columns given. */
    boolean isFor(long oid, List<Integer> columns) {
        return relationOid == oid && cols.equals(columns);
    }

    /** The table this COPY fills. */
    long oid() {
        return relationOid;
    }

    /** Rows appended so far. */
    long rows() {
        return rows;
    }

    /** Appends one row: the tuple's values at {@code cols}, tab-separated, NULL as \N. */
    void row(TupleData tuple, List<Integer> cols) throws SQLException {
        boolean first = true;
        for (int i : cols) {
            if (!first) {
                put((byte) '\t');
            }
            first = false;
            TupleData.Value v = tuple.get(i);
            if (v instanceof TupleData.Text t) {
                escape(t.utf8());
            } else if (v instanceof TupleData.Null) {
                put((byte) '\\');
                put((byte) 'N');
            } else {
                tuple.text(i); // throws: an unchanged TOASTed value has no text to insert
            }
        }
        put((byte) '\n');
        rows++;
        if (len >= CHUNK) {
            send();
        }
    }

    /**
     * Sends the rows gathered so far, through the driver's own buffer too, so that the server has
     * them all while the caller prepares what follows the COPY.
     */
    void push() throws SQLException {
        send();
        copy.flushCopy();
    }

    /** Sends what is left and ends the COPY; returns the rows the server stored. */
    long end() throws SQLException {
        send();
        long stored = copy.endCopy();
        return stored >= 0 ? stored : rows;
    }

    /** Abandons the COPY (the transaction is failing anyway). */
    void cancel() {
        try {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        } catch (SQLException e) {
            // a broken session: nothing left to cancel
        }
    }

    /**
     * Copies UTF-8 bytes with COPY text format's four escapes. Every byte of a multi-byte UTF-8
     * sequence has its high bit set, so none of them is mistaken for a backslash or a tab. Runs
     * without an escape, nearly all of a value, are found eight bytes at a time and copied whole:
     * this loop was the follower's largest cost on a backlog of long values (profile of
     * 2026-12-06), and the launcher's C1 compiler does not vectorize a byte-by-byte one.
     */
    private void escape(byte[] b) throws SQLException {
        int n = b.length;
        int from = 0; // the first byte not copied yet
        int i = 0;
        while (i < n) {
            if (i + 8 <= n && !mayNeedEscape((long) LONGS.get(b, i))) {
                i += 8;
                continue;
            }
            byte c = b[i];
            if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
                copy(b, from, i - from);
                put((byte) '\\');
                put(c == '\\' ? (byte) '\\' : c == '\n' ? (byte) 'n' : c == '\r' ? (byte) 'r' : (byte) 't');
                from = i + 1;
            }
            i++;
        }
        copy(b, from, n - from);
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /**
     * Whether one of eight bytes is below 0x0E (tab, newline and carriage return are) or is a
     * backslash: the two classic has-less and has-zero bit tricks, exact in what they detect (a
     * byte with its high bit set never counts), so a false answer means no escape among them.
     */
    private static boolean mayNeedEscape(long x) {
        long below = (x - ONES * 0x0E) & ~x & HIGHS;
        long y = x ^ (ONES * '\\');
        long backslash = (y - ONES) & ~y & HIGHS;
        return (below | backslash) != 0;
    }

    /** Appends bytes, sending each full chunk: a value longer than a chunk never grows the buffer. */
    private void copy(byte[] b, int off, int n) throws SQLException {
        while (n > 0) {
            if (len == buf.length) {
                send();
            }
            int k = Math.min(n, buf.length - len);
            System.arraycopy(b, off, buf, len, k);
            len += k;
            off += k;
            n -= k;
        }
    }

    private void put(byte b) throws SQLException {
        if (len == buf.length) {
            send();
        }
        buf[len++] = b;
    }

    private void send() throws SQLException {
        if (len > 0) {
            copy.writeToCopy(buf, 0, len);
            len = 0;
        }
    }
}
