package org.fastcopy.generate;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

/**
 * Rows in COPY text format, collected in a char buffer and handed to the server in chunks of about
 * 64 KB. Text values are escaped (backslash, tab, newline, carriage return); everything else the
 * generators write (numbers, timestamps, arrays, bit strings) cannot hold those characters.
 * Chunks end at row ends only, so a surrogate pair is never split between two chunks. (The copy's
 * own buffers are {@code data.CopyBuffer}: ring slots of bytes from a COPY TO, never parsed.)
 */
final class CopyTextRows {
    /** Large enough to amortise a round trip per chunk, small enough to stay in cache. */
    static final int FLUSH_CHARS = 1 << 16;

    /** Where chunks go: the COPY stream, or a test's capture. */
    @FunctionalInterface
    interface Sink {
        void write(byte[] bytes, int length) throws SQLException;
    }

    private final Sink sink;
    private final StringBuilder rows = new StringBuilder(FLUSH_CHARS + FLUSH_CHARS / 4);
    private final CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder();
    private ByteBuffer bytes = ByteBuffer.allocate(FLUSH_CHARS * 3);
    private boolean firstField = true;
    private long rowCount;

    CopyTextRows(Sink sink) {
        this.sink = sink;
    }

    CopyTextRows add(long value) {
        separate().append(value);
        return this;
    }

    /** A value known to need no escaping: numbers, timestamps, intervals, arrays, bit strings. */
    CopyTextRows addPlain(CharSequence value) {
        separate().append(value);
        return this;
    }

    /** Text of any content, escaped for COPY. */
    CopyTextRows addText(CharSequence value) {
        StringBuilder out = separate();
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return this;
    }

    /** A timestamp without time zone, seconds since 1970-01-01 00:00:00. */
    CopyTextRows addTimestamp(long epochSecond) {
        StringBuilder out = separate();
        java.time.LocalDate day = java.time.LocalDate.ofEpochDay(Math.floorDiv(epochSecond, 86_400L));
        int second = (int) Math.floorMod(epochSecond, 86_400L);
        out.append(day.getYear()).append('-');
        twoDigits(out, day.getMonthValue()).append('-');
        twoDigits(out, day.getDayOfMonth()).append(' ');
        return clock(out, second);
    }

    /** An interval of whole seconds as HH:MM:SS; hours may pass 24, which interval input accepts. */
    CopyTextRows addInterval(long seconds) {
        StringBuilder out = separate();
        out.append(seconds / 3600 < 10 ? "0" : "").append(seconds / 3600).append(':');
        twoDigits(out, (int) (seconds / 60 % 60)).append(':');
        twoDigits(out, (int) (seconds % 60));
        return this;
    }

    CopyTextRows addBoolean(boolean value) {
        separate().append(value ? 't' : 'f');
        return this;
    }

    CopyTextRows addNull() {
        separate().append("\\N");
        return this;
    }

    /** Ends the row; ships the buffer when it is full. */
    void endRow() throws SQLException {
        rows.append('\n');
        firstField = true;
        rowCount++;
        if (rows.length() >= FLUSH_CHARS) {
            flush();
        }
    }

    long rowCount() {
        return rowCount;
    }

    /** Ships what is buffered. */
    void flush() throws SQLException {
        if (rows.length() == 0) {
            return;
        }
        int worstCase = rows.length() * 3;
        if (bytes.capacity() < worstCase) {
            bytes = ByteBuffer.allocate(worstCase);
        }
        bytes.clear();
        utf8.reset();
        CoderResult result = utf8.encode(CharBuffer.wrap(rows), bytes, true);
        if (result.isError()) {
            throw new IllegalStateException("generated text is not valid UTF-16: " + result);
        }
        utf8.flush(bytes);
        sink.write(bytes.array(), bytes.position());
        rows.setLength(0);
    }

    private CopyTextRows clock(StringBuilder out, int secondOfDay) {
        twoDigits(out, secondOfDay / 3600).append(':');
        twoDigits(out, secondOfDay / 60 % 60).append(':');
        twoDigits(out, secondOfDay % 60);
        return this;
    }

    private static StringBuilder twoDigits(StringBuilder out, int value) {
        return out.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }

    private StringBuilder separate() {
        if (!firstField) {
            rows.append('\t');
        }
        firstField = false;
        return rows;
    }
}
