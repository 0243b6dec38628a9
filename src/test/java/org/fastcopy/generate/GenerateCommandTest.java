package org.fastcopy.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.fastcopy.FastcopyException;
import org.fastcopy.cli.GenerateCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GenerateCommandTest {

    @Test
    void helpShowsEveryOptionWithItsDefault() {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new GenerateCommand());
        cl.setOut(new PrintWriter(out));

        assertThat(cl.execute("--help")).isZero();
        assertThat(out.toString()).contains("--dst", "--drop-if-exists", "Example:")
                .contains("--db", "Default: mttv3")
                .contains("--scale", "Default: 0.01")
                .contains("--seed", "Default: 42")
                .contains("--years", "Default: 2006-2015")
                .contains("--dangling", "Default: 0.001")
                .contains("--jobs", "Default: 2");
    }

    @Test
    void aBadOptionIsAUsageErrorNamingTheOption() {
        assertThatThrownBy(() -> new GenerateSpec("mttv3", 0, 42, YearSpan.DEFAULT, 0.001, 2, false))
                .isInstanceOf(FastcopyException.class).hasMessageContaining("--scale")
                .satisfies(e -> assertThat(((FastcopyException) e).exitCode()).isEqualTo(FastcopyException.USAGE));
        assertThatThrownBy(() -> new GenerateSpec("mttv3", 1, 42, YearSpan.DEFAULT, 0.9, 2, false))
                .hasMessageContaining("--dangling");
        assertThatThrownBy(() -> new GenerateSpec("mttv3", 1, 42, YearSpan.DEFAULT, 0.001, 0, false))
                .hasMessageContaining("--jobs");
    }
}
