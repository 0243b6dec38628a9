package org.fastcopy.data;

import java.util.Arrays;

/**
 * Checks text-format COPY rows for UTF-8 validity and applies an {@link EncodingErrors} policy.
 * Owned by one reader thread for one unit: it is not thread-safe and keeps its counts.
 *
 * <p>Working on the encoded row is safe: COPY text's delimiters and escapes (tab, newline,
 * backslash) are ASCII, and an invalid sequence always involves a byte of 0x80 or above, so a
 * replacement never touches the row's structure.
 */
final class Utf8Rows {
    /** U+FFFD REPLACEMENT CHARACTER in UTF-8. */
    private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    private final EncodingErrors policy;
    private long invalidRows;

    Utf8Rows(EncodingErrors policy) {
        this.policy = policy;
    }

    /**
     * The row to send, or null to send nothing: a skipped row, or under FAIL any row once one was
     * invalid (the unit will fail, so sending more only costs time).
     */
    byte[] filter(byte[] row) {
        if (isValid(row)) {
            return invalidRows > 0 && policy == EncodingErrors.FAIL ? null : row;
        }
        invalidRows++;
        return switch (policy) {
            case FAIL, SKIP -> null;
            case REPLACE -> replaceInvalid(row);
        };
    }

    /** Rows that were not valid UTF-8: failed, replaced or skipped, as the policy says. */
    long invalidRows() {
        return invalidRows;
    }

    EncodingErrors policy() {
        return policy;
    }

    static boolean isValid(byte[] b) {
        for (int i = 0; i < b.length; ) {
            if (b[i] >= 0) {
                i++; // ASCII, the common case
                continue;
            }
            int len = sequenceLength(b, i);
            if (len == 0) {
                return false;
            }
            i += len;
        }
        return true;
    }

    static byte[] replaceInvalid(byte[] b) {
        byte[] out = new byte[b.length * 3];
        int o = 0;
        for (int i = 0; i < b.length; ) {
            int len = b[i] >= 0 ? 1 : sequenceLength(b, i);
            if (len == 0) {
                System.arraycopy(REPLACEMENT, 0, out, o, 3);
                o += 3;
                i++;
            } else {
                System.arraycopy(b, i, out, o, len);
                o += len;
                i += len;
            }
        }
        return Arrays.copyOf(out, o);
    }

    /**
     * Length of the well-formed UTF-8 sequence starting at a non-ASCII byte, or 0 when it is not
     * one (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), as PostgreSQL checks.
     */
    private static int sequenceLength(byte[] b, int i) {
        int c = b[i] & 0xFF;
        int len;
        int min2;
        int max2 = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            return i + 1 < b.length && cont(b[i + 1]) ? 2 : 0;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            min2 = c == 0xE0 ? 0xA0 : 0x80;
            max2 = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            min2 = c == 0xF0 ? 0x90 : 0x80;
            max2 = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (i + len > b.length) {
            return 0;
        }
        int second = b[i + 1] & 0xFF;
        if (second < min2 || second > max2) {
            return 0;
        }
        for (int k = 2; k < len; k++) {
            if (!cont(b[i + k])) {
                return 0;
            }
        }
        return len;
    }

    private static boolean cont(byte x) {
        return (x & 0xC0) == 0x80;
    }
}
