package org.fastcopy.util;

import org.fastcopy.util.Ini.Dialect;
import org.fastcopy.util.Ini.Kind;
import org.fastcopy.util.Ini.Line;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What each line is, in both dialects, and the rewrite of one value that keeps every other byte. */
class IniTest {

    @Test
    void classifiesLinesAndKeepsTheirNumbersAndTerminators() {
        List<Line> lines = Ini.parse("# c\r\n\n [ flux1 ] \n; semi\nhost = a=b \nport:5432\nstray\n[x] y", Dialect.LIBPQ);
        assertThat(lines).extracting(Line::kind).containsExactly(Kind.COMMENT, Kind.BLANK, Kind.SECTION, Kind.OTHER,
                Kind.ENTRY, Kind.OTHER, Kind.OTHER, Kind.SECTION);
        assertThat(lines).extracting(Line::number).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(lines.get(0).ending()).isEqualTo("\r\n");
        assertThat(lines.get(7).ending()).isEmpty();
        assertThat(lines.get(2).section()).isEqualTo(" flux1 ");
        assertThat(lines.get(2).sectionName()).isEqualTo("flux1");
        assertThat(lines.get(7).section()).isEqualTo("x");
        assertThat(lines.get(7).sectionName()).isNull();
        assertThat(lines.get(3).key()).isNull();
        assertThat(lines.get(4).key()).isEqualTo("host");
        assertThat(lines.get(4).value()).isEqualTo("a=b");
    }

    @Test
    void theConfigParserDialectTakesColonsAndSemicolonComments() {
        List<Line> lines = Ini.parse("; c\nserver:   flux1 \nport = 5432\n  : no key\n", Dialect.CONFIG_PARSER);
        assertThat(lines).extracting(Line::kind).containsExactly(Kind.COMMENT, Kind.ENTRY, Kind.ENTRY, Kind.ENTRY);
        assertThat(lines.get(1).key()).isEqualTo("server");
        assertThat(lines.get(1).value()).isEqualTo("flux1");
        assertThat(lines.get(1).separator()).isEqualTo(":   ");
        assertThat(lines.get(2).separator()).isEqualTo(" = ");
        assertThat(lines.get(3).key()).isEmpty();
    }

    @Test
    void replacingAValueKeepsEveryOtherByte() {
        String text = "[s]\r\n  server:   flux1 \r\nport = 5432";
        List<Line> lines = new ArrayList<>(Ini.parse(text, Dialect.CONFIG_PARSER));
        lines.set(1, lines.get(1).withValue("flux2"));
        lines.set(2, lines.get(2).withValue("5433"));
        assertThat(Ini.text(lines)).isEqualTo("[s]\r\n  server:   flux2 \r\nport = 5433");
        assertThat(Ini.parse("", Dialect.LIBPQ)).isEmpty();
        assertThat(Ini.parse("a=1\n", Dialect.LIBPQ)).hasSize(1);
    }
}
