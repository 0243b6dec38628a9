package org.fastcopy.follow;

import org.fastcopy.follow.decode.TupleData;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.nio.charset.StandardCharsets;
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
 * format reads them with the same input function once its four escapes are applied.
 */
final class InsertCopy {
    /** Bytes gathered before one CopyData message. */
    static final int CHUNK = 64 * 1024;

    private final CopyIn copy;
    private final String key;
    private byte[] buf = new byte[CHUNK];
    private int len;
    private long rows;

    private InsertCopy(CopyIn copy, String key) {
        this.copy = copy;
        this.key = key;
    }

    /** Starts the COPY; the session can run nothing else until {@link #end()}. */
    static InsertCopy start(Connection target, String key, String sql) throws SQLException {
        return new InsertCopy(target.unwrap(PGConnection.class).getCopyAPI().copyIn(sql), key);
    }

    /** The table and column list this COPY was started for. */
    String key() {
        return key;
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
            String text = tuple.text(i);
            if (text == null) {
                put((byte) '\\');
                put((byte) 'N');
            } else {
                escape(text);
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

    private void escape(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                switch (c) {
                    case '\\' -> { put((byte) '\\'); put((byte) '\\'); }
                    case '\n' -> { put((byte) '\\'); put((byte) 'n'); }
                    case '\r' -> { put((byte) '\\'); put((byte) 'r'); }
                    case '\t' -> { put((byte) '\\'); put((byte) 't'); }
                    default -> put((byte) c);
                }
            } else {
                // the rare non-ASCII run: encode it whole (surrogate pairs stay together)
                int j = i + 1;
                while (j < n && s.charAt(j) >= 0x80) {
                    j++;
                }
                byte[] b = s.substring(i, j).getBytes(StandardCharsets.UTF_8);
                ensure(b.length);
                System.arraycopy(b, 0, buf, len, b.length);
                len += b.length;
                i = j - 1;
            }
        }
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
