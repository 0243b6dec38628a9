package org.fastcopy.follow.decode;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The decoder checks values without decoding them: it must accept exactly what the JDK's strict
 * UTF-8 decoder accepts (RFC 3629), and point at the first bad sequence.
 */
class Utf8Test {
    private static final CharsetDecoder STRICT = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    private static boolean jdkAccepts(byte[] b) {
        return jdkFirstMalformed(b) < 0;
    }

    private static void assertSameVerdict(byte[] b) {
        boolean accepted = Utf8.firstMalformed(b, 0, b.length) < 0;
        if (accepted != jdkAccepts(b)) { // millions of cases: describe only a failing one
            fail((accepted ? "accepted " : "refused ") + hex(b) + ", which the JDK's strict decoder "
                    + (accepted ? "refuses" : "accepts"));
        }
    }

    @Test
    void everySequenceOfOneOrTwoBytesGetsTheJdksVerdict() {
        for (int a = 0; a < 256; a++) {
            assertSameVerdict(new byte[] {(byte) a});
            for (int b = 0; b < 256; b++) {
                assertSameVerdict(new byte[] {(byte) a, (byte) b});
            }
        }
    }

    @Test
    void everyLeadAndSecondByteWithEveryKindOfLaterByteGetsTheJdksVerdict() {
        // the later bytes of a sequence are either 80..BF or not: both ends of each side will do
        int[] later = {0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xff};
        for (int a = 0x80; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                for (int c : later) {
                    assertSameVerdict(new byte[] {(byte) a, (byte) b, (byte) c});
                    for (int d : later) {
                        assertSameVerdict(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
                    }
                }
            }
        }
    }

    @Test
    void aBadSequenceInsideLongTextIsFoundWhereTheJdkFindsIt() {
        Random random = new Random(7);
        String text = "résumé, 日本語, emoji 😀, tab\t, ascii ".repeat(200);
        byte[] good = text.getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8.firstMalformed(good, 0, good.length)).isEqualTo(-1);
        for (int round = 0; round < 2_000; round++) {
            byte[] b = good.clone();
            int at = random.nextInt(b.length);
            b[at] = (byte) (0x80 + random.nextInt(0x80));
            assertThat(Utf8.firstMalformed(b, 0, b.length)).as("after changing byte %d", at).isEqualTo(jdkFirstMalformed(b));
        }
    }

    /** Where the JDK's decoder stops at malformed input, or -1. */
    private static int jdkFirstMalformed(byte[] b) {
        ByteBuffer in = ByteBuffer.wrap(b);
        CoderResult r = STRICT.reset().decode(in, CharBuffer.allocate(b.length), true);
        return r.isError() ? in.position() : -1;
    }

    @Test
    void aSequenceCutShortByTheEndOfTheRangeIsMalformed() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8.firstMalformed(euro, 0, 3)).isEqualTo(-1);
        assertThat(Utf8.firstMalformed(euro, 0, 2)).isZero();
        assertThat(Utf8.firstMalformed(euro, 1, 3)).isEqualTo(1);
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }
}
