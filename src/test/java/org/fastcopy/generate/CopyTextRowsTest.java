package org.fastcopy.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CopyTextRowsTest {
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final CopyTextRows buffer = new CopyTextRows((bytes, length) -> sent.write(bytes, 0, length));

    @Test
    void escapesTheCharactersCopyTextGivesMeaningTo() throws Exception {
        buffer.add(7).addText("back\\slash\ttab\nnewline\rreturn").addNull().endRow();
        buffer.flush();

        assertThat(sent()).isEqualTo("7\tback\\\\slash\\ttab\\nnewline\\rreturn\t\\N\n");
    }

    @Test
    void sendsNonAsciiAsUtf8() throws Exception {
        buffer.addText("Müller 東京 ñ").endRow();
        buffer.flush();

        assertThat(sent.toByteArray()).isEqualTo("Müller 東京 ñ\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void writesTimestampsAndIntervalsAsPostgresReadsThem() throws Exception {
        long march8th2012 = java.time.LocalDateTime.of(2012, 3, 8, 7, 5, 9).toEpochSecond(java.time.ZoneOffset.UTC);
        buffer.addTimestamp(march8th2012).addInterval(26 * 3600 + 61).addBoolean(true).endRow();
        buffer.flush();

        assertThat(sent()).isEqualTo("2012-03-08 07:05:09\t26:01:01\tt\n");
    }

    @Test
    void shipsFullChunksAtRowEnds() throws Exception {
        String big = "x".repeat(CopyTextRows.FLUSH_CHARS);
        buffer.addText(big).endRow();

        assertThat(sent()).isEqualTo(big + "\n");
        assertThat(buffer.rowCount()).isEqualTo(1);
    }

    private String sent() {
        return sent.toString(StandardCharsets.UTF_8);
    }
}
