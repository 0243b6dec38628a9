package org.fastcopy.observe;

import org.fastcopy.FastcopyException;
import org.fastcopy.cli.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Where progress goes: redrawn in place only on a real terminal, otherwise one plain line every
 * --progress-interval through the log; NO_COLOR turns off every escape sequence.
 */
class TerminalTest {
    private static final Duration TEN = Duration.ofSeconds(10);
    private static final Map<String, String> XTERM = Map.of("TERM", "xterm-256color");

    @AfterEach
    void restore() {
        Terminal.use(Terminal.detect(System.getenv(), LogFormat.TEXT, Terminal.DEFAULT_INTERVAL));
    }

    @Test
    void aTerminalGetsTheLineRedrawnWithEscapeSequences() {
        Terminal t = Terminal.decide(true, XTERM, LogFormat.TEXT, TEN);

        assertThat(t.redraw()).isTrue();
        assertThat(t.ansi()).isTrue();
    }

    @Test
    void aLogFileOrPipeGetsPlainLinesAtTheInterval() {
        Terminal t = Terminal.decide(false, XTERM, LogFormat.TEXT, Duration.ofSeconds(30));

        assertThat(t.redraw()).isFalse();
        assertThat(t.ansi()).isFalse();
        assertThat(t.interval()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void noColorTurnsOffEscapeSequencesButAnEmptyNoColorDoesNot() {
        assertThat(Terminal.decide(true, Map.of("TERM", "xterm", "NO_COLOR", "1"), LogFormat.TEXT, TEN).ansi()).isFalse();
        assertThat(Terminal.decide(true, Map.of("TERM", "xterm", "NO_COLOR", ""), LogFormat.TEXT, TEN).ansi()).isTrue();
    }

    @Test
    void aDumbTerminalAndJsonLogsGetPlainLinesEvenOnATty() {
        assertThat(Terminal.decide(true, Map.of("TERM", "dumb"), LogFormat.TEXT, TEN).redraw()).isFalse();
        assertThat(Terminal.decide(true, XTERM, LogFormat.JSON, TEN).redraw()).isFalse();
    }

    @Test
    void onlyTerminalDevicesCountAsATerminal() {
        assertThat(List.of("/dev/pts/3", "/dev/tty1", "/dev/console")).allMatch(Terminal::isTerminalDevice);
        assertThat(List.of("/var/log/fastcopy.log", "pipe:[81234]", "/dev/null", "socket:[7]"))
                .noneMatch(Terminal::isTerminalDevice);
        // Maven gives this JVM's stderr to a pipe or a file, as cron or systemd would.
        assertThat(Terminal.stderrIsTerminal()).isFalse();
    }

    @Test
    void anIntervalUnderASecondIsRefused() {
        assertThatThrownBy(() -> new Terminal(false, false, Duration.ofMillis(500)))
                .hasMessageContaining("at least 1 s");
    }

    @Test
    void onATerminalTheLineIsRedrawnInPlaceAndEndedOnClose() {
        ByteArrayOutputStream drawn = new ByteArrayOutputStream();
        Deque<String> lines = new ArrayDeque<>(List.of("[####......] 40.0%  a longer line", "[##########] 100.0%"));
        ProgressRenderer r = new ProgressRenderer("data", "t", lines::pop,
                new Terminal(true, true, TEN), new PrintStream(drawn, true, StandardCharsets.UTF_8));

        r.render();
        r.close();

        assertThat(drawn.toString(StandardCharsets.UTF_8)).isEqualTo("\r[####......] 40.0%  a longer line\u001b[K"
                + "\r[##########] 100.0%\u001b[K" + System.lineSeparator());
    }

    @Test
    void withNoColorAShorterLineBlanksTheTailInsteadOfAnEscapeSequence() {
        ByteArrayOutputStream drawn = new ByteArrayOutputStream();
        Deque<String> lines = new ArrayDeque<>(List.of("12345678", "1234"));
        ProgressRenderer r = new ProgressRenderer("data", "t", lines::pop,
                new Terminal(true, false, TEN), new PrintStream(drawn, true, StandardCharsets.UTF_8));

        r.render();
        r.close();

        assertThat(drawn.toString(StandardCharsets.UTF_8)).isEqualTo("\r12345678\r1234    " + System.lineSeparator())
                .doesNotContain("\u001b");
    }

    @Test
    void offATerminalEachTickIsOnePlainLogLine() {
        ByteArrayOutputStream unused = new ByteArrayOutputStream();
        Deque<String> lines = new ArrayDeque<>(List.of("50.0%  1 / 2 units", "100.0%  2 / 2 units"));
        PrintStream console = System.err;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
        try {
            ProgressRenderer r = new ProgressRenderer("data", "t", lines::pop,
                    new Terminal(false, false, TEN), new PrintStream(unused, true, StandardCharsets.UTF_8));
            r.render();
            r.close();
        } finally {
            System.setErr(console);
        }

        String log = logged.toString(StandardCharsets.UTF_8);
        assertThat(log.lines().toList())
                .satisfiesExactly(l -> assertThat(l).endsWith("INFO fastcopy - data 50.0%  1 / 2 units"),
                        l -> assertThat(l).endsWith("INFO fastcopy - data 100.0%  2 / 2 units"));
        assertThat(log).doesNotContain("\r").doesNotContain("\u001b");
        assertThat(unused.size()).isZero();
    }

    @Test
    void theProgressIntervalComesFromTheCommandLineAndIsChecked() {
        assertThat(Main.run("--progress-interval", "0s", "--src", "flux1")).isEqualTo(FastcopyException.USAGE);

        // --dst is missing: a usage error, but the output was set up first, as for every run.
        assertThat(Main.run("--progress-interval", "2m", "--src", "flux1")).isEqualTo(FastcopyException.USAGE);
        assertThat(Terminal.current().interval()).isEqualTo(Duration.ofMinutes(2));
        assertThat(Terminal.current().redraw()).isFalse();
    }
}
