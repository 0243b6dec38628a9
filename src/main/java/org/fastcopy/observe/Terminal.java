package org.fastcopy.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How progress may be shown on this process's stderr, decided once per command:
 * <ul>
 * <li>redrawn in place every second ({@link #redraw()}) only on a terminal: stderr is a TTY, TERM
 * is not "dumb" and the log format is text (a JSON stream must stay one object per line);</li>
 * <li>otherwise (a log file, a pipe, journald, JSON logs) one plain progress line every
 * {@link #interval()}, through the logger, with no carriage returns and no escape sequences;</li>
 * <li>escape sequences ({@link #ansi()}) only when redrawing and NO_COLOR is unset or empty
 * (no-color.org): fastcopy draws no colours, its one sequence clears the rest of the line.</li>
 * </ul>
 */
public record Terminal(boolean redraw, boolean ansi, Duration interval) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    private static volatile Terminal current = detect(System.getenv(), LogFormat.fromEnvironment(System.getenv()),
            DEFAULT_INTERVAL);

    public Terminal {
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("the progress interval must be at least 1 s, not " + interval);
        }
    }

    /** The decision for this process, as the command line last set it. */
    public static Terminal current() {
        return current;
    }

    public static void use(Terminal terminal) {
        current = terminal;
    }

    /** The decision for this process's stderr, environment and log format. */
    public static Terminal detect(Map<String, String> env, LogFormat format, Duration interval) {
        return decide(stderrIsTerminal(), env, format, interval);
    }

    /** The rules alone, for a stderr that is or is not a terminal. */
    static Terminal decide(boolean stderrTty, Map<String, String> env, LogFormat format, Duration interval) {
        boolean redraw = stderrTty && !"dumb".equals(env.get("TERM")) && format == LogFormat.TEXT;
        String noColor = env.get("NO_COLOR");
        boolean ansi = redraw && (noColor == null || noColor.isEmpty());
        return new Terminal(redraw, ansi, interval);
    }

    /**
     * Whether fd 2 is a terminal. Java has no isatty(); on Linux /proc names the device fd 2 is
     * open on. System.console() is only the fallback: it looks at stdin and stdout, so
     * {@code fastcopy ... 2>run.log} at a prompt would still count as a terminal by it.
     */
    static boolean stderrIsTerminal() {
        Path fd2 = Path.of("/proc/self/fd/2");
        try {
            return isTerminalDevice(Files.readSymbolicLink(fd2).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return System.console() != null;
        }
    }

    /** A pseudo-terminal (ssh, xterm, tmux) or a console device. */
    static boolean isTerminalDevice(String device) {
        return device.startsWith("/dev/pts/") || device.startsWith("/dev/tty") || device.equals("/dev/console");
    }
}
