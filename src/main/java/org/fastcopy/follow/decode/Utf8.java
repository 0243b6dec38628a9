package org.fastcopy.follow.decode;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Checks UTF-8 without decoding it. A value is sent on to the target as the bytes the walsender
 * sent, so all the decoder needs to know is that they are well formed; decoding them to a String
 * only to throw it away cost a quarter of the follower's CPU on a backlog with long non-ASCII
 * values (profile of 2026-12-06: {@code UTF_8$Decoder.decodeArrayLoop}, {@code String.<init>},
 * {@code StringUTF16.compress}).
 *
 * <p>Well formed is RFC 3629's (Unicode's table 3-7): the shortest form, no surrogates, nothing
 * above U+10FFFF. That is what the JDK's strict decoder accepts too, and what PostgreSQL's
 * {@code pg_utf8_islegal} lets into a UTF8 database, which is where these bytes come from.
 */
final class Utf8 {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final long HIGHS = 0x8080808080808080L;

    private Utf8() {
    }

    /** The index of the first byte of the first ill-formed sequence in {@code b[from, to)}, or -1. */
    static int firstMalformed(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            // ASCII, by far the most common, eight bytes at a time: none has its high bit set
            if (i + 8 <= to && ((long) LONGS.get(b, i) & HIGHS) == 0) {
                i += 8;
                continue;
            }
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xFF;
            int more;
            int lo = 0x80; // the second byte's range; the later ones are always 80..BF
            int hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                more = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                more = 2;
                if (c == 0xE0) {
                    lo = 0xA0; // shorter forms are overlong
                } else if (c == 0xED) {
                    hi = 0x9F; // ED A0..BF would be a surrogate
                }
            } else if (c >= 0xF0 && c <= 0xF4) {
                more = 3;
                if (c == 0xF0) {
                    lo = 0x90; // overlong
                } else if (c == 0xF4) {
                    hi = 0x8F; // beyond U+10FFFF
                }
            } else {
                return i; // a continuation byte without a lead, C0/C1 (overlong) or F5..FF
            }
            if (i + more >= to) {
                return i; // cut short
            }
            int second = b[i + 1] & 0xFF;
            if (second < lo || second > hi) {
                return i;
            }
            for (int k = 2; k <= more; k++) {
                if ((b[i + k] & 0xC0) != 0x80) {
                    return i;
                }
            }
            i += more + 1;
        }
        return -1;
    }
}
