package org.fastcopy.follow;

import org.fastcopy.follow.decode.TupleData;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * One open {@code COPY table (columns) FROM STDIN} on the apply session, fed a run of INSERTs of
 * one table as they arrive: rows go to the server in chunks of {@link #CHUNK} bytes, so memory
 * stays flat whatever the length of the run (a row longer than a chunk is sent alone). COPY runs
 * inside the caller's open transaction, like the INSERTs it replaces, and like them it touches
 * only the named table (no rules; triggers are quiet under {@code session_replication_role =
 * replica}). One COPY costs one round trip at its end instead of one per 500 rows, and the server
 * skips parsing and planning an INSERT per row.
 *
 * <p>Values arrive in pgoutput's text form, which is the column type's output text: COPY's text
 * format reads them with the same input function once its four escapes are applied. They are
 * copied as the UTF-8 bytes the walsender sent (the apply session's client_encoding is UTF8 too),
 * never decoded to a String and encoded again.
 */
final class InsertCopy {
    /** Bytes gathered before one CopyData message. */
    static final int CHUNK = 64 * 1024;

    private final CopyIn copy;
    private final long relationOid;
    private final List<Integer> cols;
    private byte[] buf = new byte[CHUNK];
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
     * sequence has its high bit set, so none of them is mistaken for a backslash or a tab.
     */
    private void escape(byte[] b) throws SQLException {
        if (len + 2 * b.length > buf.length) {
            send(); // COPY data need not end at a row's end
            ensure(2 * b.length); // a value longer than half a chunk
        }
        byte[] out = buf;
        int at = len;
        for (byte c : b) {
            switch (c) {
                case '\\' -> { out[at++] = '\\'; out[at++] = '\\'; }
                case '\n' -> { out[at++] = '\\'; out[at++] = 'n'; }
                case '\r' -> { out[at++] = '\\'; out[at++] = 'r'; }
                case '\t' -> { out[at++] = '\\'; out[at++] = 't'; }
                default -> out[at++] = c;
            }
        }
        len = at;
    }

    private void put(byte b) {
        if (len == buf.length) {
            ensure(1);
        }
        buf[len++] = b;
    }

    /** Grows the buffer only for a row longer than a chunk; it shrinks back at the next send. */
    private void ensure(int more) {
        if (len + more > buf.length) {
            byte[] bigger = new byte[Math.max(buf.length * 2, len + more)];
            System.arraycopy(buf, 0, bigger, 0, len);
            buf = bigger;
        }
    }

    private void send() throws SQLException {
        if (len > 0) {
            copy.writeToCopy(buf, 0, len);
            len = 0;
        }
        if (buf.length > CHUNK) {
            buf = new byte[CHUNK];
        }
    }
}
