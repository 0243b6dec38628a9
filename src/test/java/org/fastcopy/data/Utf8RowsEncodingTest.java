package org.fastcopy.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** The row check behind --encoding-errors: what counts as valid UTF-8 is what PostgreSQL accepts. */
class Utf8RowsEncodingTest {
    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "41", "c3a9", "e69db1e4baac", "f09f9880", "5c4e", "090a5c74", "efbfbd", "f48fbfbf"})
    void wellFormedUtf8IsValid(String bytes) {
        assertThat(Utf8Rows.isValid(hex(bytes))).isTrue();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "e9",          // a Latin-1 é, as SQL_ASCII databases hold it
            "636166e90a",  // inside a row, before the newline
            "c0af",        // overlong '/'
            "e08080",      // overlong NUL
            "eda080",      // a UTF-16 surrogate
            "f4908080",    // above U+10FFFF
            "c3",          // truncated at the end of the row
            "80",          // a lone continuation byte
            "fe"})
    void whatPostgresqlRejectsIsInvalid(String bytes) {
        assertThat(Utf8Rows.isValid(hex(bytes))).isFalse();
    }

    @Test
    void replaceTurnsEachInvalidByteIntoTheReplacementCharacterAndKeepsTheRest() {
        byte[] row = hex("636166e9093c80c3a93e0a"); // "caf\xe9\t<\x80é>\n"

        byte[] fixed = Utf8Rows.replaceInvalid(row);

        assertThat(new String(fixed, StandardCharsets.UTF_8)).isEqualTo("caf\uFFFD\t<\uFFFDé>\n");
        assertThat(Utf8Rows.isValid(fixed)).isTrue();
    }

    @Test
    void eachPolicyCountsTheInvalidRowsAndSendsWhatItPromises() {
        byte[] good = "ok\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = hex("e90a");

        Utf8Rows replace = new Utf8Rows(EncodingErrors.REPLACE);
        assertThat(replace.filter(good)).isSameAs(good);
        assertThat(replace.filter(bad)).isEqualTo("\uFFFD\n".getBytes(StandardCharsets.UTF_8));
        assertThat(replace.invalidRows()).isEqualTo(1);

        Utf8Rows skip = new Utf8Rows(EncodingErrors.SKIP);
        assertThat(skip.filter(bad)).isNull();
        assertThat(skip.filter(good)).isSameAs(good);
        assertThat(skip.invalidRows()).isEqualTo(1);

        // FAIL keeps counting but sends nothing after the first bad row: the unit is lost anyway.
        Utf8Rows fail = new Utf8Rows(EncodingErrors.FAIL);
        assertThat(fail.filter(good)).isSameAs(good);
        assertThat(fail.filter(bad)).isNull();
        assertThat(fail.filter(good)).isNull();
        assertThat(fail.filter(bad)).isNull();
        assertThat(fail.invalidRows()).isEqualTo(2);
    }
}
