package org.fastcopy.follow.decode;

import org.postgresql.replication.LogSequenceNumber;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A WAL position (pg_lsn): an unsigned 64-bit byte offset into the write-ahead log, written by
 * PostgreSQL as two hexadecimal halves, {@code "16/B374D848"}. Ordered as unsigned numbers, so a
 * position above 2^63 still sorts after every smaller one.
 *
 * @param value the position as PostgreSQL's XLogRecPtr holds it (compare with {@link #compareTo})
 */
public record Lsn(long value) implements Comparable<Lsn> {
    /** {@code 0/0}: PostgreSQL's InvalidXLogRecPtr, "no position". */
    public static final Lsn INVALID = new Lsn(0);
    private static final Pattern HEX_PAIR = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

    /**
     * Parses {@code "X/Y"} as pg_lsn's text form (each half 1 to 8 hexadecimal digits).
     *
     * @throws IllegalArgumentException naming the text when it is not an LSN
     */
    public static Lsn parse(String text) {
        if (text == null || !HEX_PAIR.matcher(text).matches()) {
            throw new IllegalArgumentException("not an LSN (expected X/Y in hexadecimal, like 16/B374D848): '" + text + "'");
        }
        int slash = text.indexOf('/');
        long high = Long.parseLong(text.substring(0, slash), 16);
        long low = Long.parseLong(text.substring(slash + 1), 16);
        return new Lsn(high << 32 | low);
    }

    public static Lsn of(LogSequenceNumber lsn) {
        return new Lsn(lsn.asLong());
    }

    /** The same position as PgJDBC's type, for setting a replication stream's applied/flushed LSN. */
    public LogSequenceNumber toPgJdbc() {
        return LogSequenceNumber.valueOf(value);
    }

    public boolean isValid() {
        return value != 0;
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    public boolean isBefore(Lsn other) {
        return compareTo(other) < 0;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    /** Bytes of WAL from {@code earlier} to this position; 0 when {@code earlier} is not before it. */
    public long bytesSince(Lsn earlier) {
        return isAfter(earlier) ? value - earlier.value : 0;
    }

    /** pg_lsn's text form, as the server prints it: {@code %X/%X}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%X/%X", value >>> 32, value & 0xFFFF_FFFFL);
    }
}
