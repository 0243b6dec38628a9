package org.fastcopy.follow.decode;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the fields of one pgoutput message, bounds-checked: every read that would run past the
 * end throws a {@link PgOutputException} naming the message type, the field and the offset from
 * the start of the message, never a BufferUnderflowException without context.
 */
final class MessageReader {
    private final ByteBuffer buf;
    private final int start;
    /**
     * Strict: new String(bytes, UTF_8) would turn bytes that are not UTF-8 into U+FFFD and apply
     * a changed value. One per thread, since a decoder is stateful and costly to make per message.
     */
    private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8
            .newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
    private String what = "message";
    /** Where the field being read starts: errors point at the field, not past it. */
    private int fieldStart;

    /** Reads from a duplicate of {@code buf}: the caller's position and limit stay where they are. */
    MessageReader(ByteBuffer buf) {
        this.buf = buf.duplicate();
        this.start = buf.position();
    }

    /** Names the message being read, for error messages ("'U' (Update)"). */
    void describe(String what) {
        this.what = what;
    }

    int offset() {
        return buf.position() - start;
    }

    int length() {
        return buf.limit() - start;
    }

    boolean hasRemaining() {
        return buf.hasRemaining();
    }

    int byte1(String field) {
        need(1, field);
        return buf.get() & 0xFF;
    }

    int int16(String field) {
        need(2, field);
        return buf.getShort();
    }

    int int32(String field) {
        need(4, field);
        return buf.getInt();
    }

    /** An unsigned 32-bit number (oid, xid). */
    long uint32(String field) {
        return Integer.toUnsignedLong(int32(field));
    }

    long int64(String field) {
        need(8, field);
        return buf.getLong();
    }

    byte[] bytes(int n, String field) {
        if (n < 0) {
            throw fail("negative length " + n + " for " + field);
        }
        need(n, field);
        byte[] b = new byte[n];
        buf.get(b);
        return b;
    }

    /** A NUL-terminated string (names are sent in the client encoding, UTF8). */
    String cstring(String field) {
        fieldStart = offset();
        int at = buf.position();
        for (int i = at; i < buf.limit(); i++) {
            if (buf.get(i) == 0) {
                String s = utf8(buf.slice(at, i - at), field);
                buf.position(i + 1);
                return s;
            }
        }
        throw fail("truncated: " + field + " has no terminating NUL byte before the end (" + length() + " bytes)");
    }

    private String utf8(ByteBuffer bytes, String field) {
        try {
            CharBuffer chars = UTF8.get().reset().decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw fail(field + " is not valid UTF-8 (the replication connection's client_encoding must be UTF8)");
        }
    }

    /*
     * The reads of a tuple's columns name their field by part, column and tuple ("length of column
     * 3 of the new tuple"), and build that name only for an error: built for every column of every
     * row, the names were most of the decoder's time (profile of 2026-12-06).
     */

    /** {@link #byte1(String)} of the field {@code part} of column {@code column} of the {@code which}. */
    int byte1(String part, int column, String which) {
        if (buf.remaining() < 1) {
            need(1, columnField(part, column, which));
        }
        fieldStart = offset();
        return buf.get() & 0xFF;
    }

    /** {@link #int32(String)} of the field {@code part} of column {@code column} of the {@code which}. */
    int int32(String part, int column, String which) {
        if (buf.remaining() < 4) {
            need(4, columnField(part, column, which));
        }
        fieldStart = offset();
        return buf.getInt();
    }

    /**
     * {@code n} bytes of UTF-8 text, the value of column {@code column} of the {@code which}, as
     * they are: checked ({@link Utf8}) but not decoded.
     */
    byte[] utf8Bytes(int n, int column, String which) {
        if (n < 0) {
            throw fail("negative length " + n + " for " + columnField("", column, which));
        }
        if (buf.remaining() < n) {
            need(n, columnField("", column, which));
        }
        fieldStart = offset();
        byte[] out = new byte[n];
        buf.get(out);
        if (Utf8.firstMalformed(out, 0, n) >= 0) {
            throw fail(columnField("", column, which)
                    + " is not valid UTF-8 (the replication connection's client_encoding must be UTF8)");
        }
        return out;
    }

    /** "length of column 3 of the new tuple", or with no part "column 3 of the new tuple". */
    private static String columnField(String part, int column, String which) {
        return (part.isEmpty() ? "" : part + " of ") + "column " + column + " of the " + which;
    }

    private void need(int n, String field) {
        fieldStart = offset();
        if (buf.remaining() < n) {
            throw fail("truncated: " + field + " needs " + n + " bytes, " + buf.remaining() + " left of " + length());
        }
    }

    /** An exception naming the message and the offset where the field last read starts. */
    PgOutputException fail(String problem) {
        return failAt(fieldStart, problem);
    }

    PgOutputException failAt(int offset, String problem) {
        return new PgOutputException(offset, "pgoutput " + what + " at byte " + offset + ": " + problem);
    }
}
