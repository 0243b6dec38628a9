package org.fastcopy.cli;

import org.fastcopy.observe.Terminal;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

import java.time.Duration;
import java.util.Locale;

/**
 * --progress-interval, shared by the commands that show a progress line (copy, convert, migrate,
 * demo) as a picocli mixin; like the log format it is the process's, applied by {@link Main}.
 */
final class ProgressOptions {
    static final String NAME = "--progress-interval";

    @Option(names = NAME, paramLabel = "DURATION", defaultValue = "10s", converter = IntervalConverter.class,
            description = "When stderr is not a terminal (a log file, a pipe, JSON logs): one plain progress line "
                    + "this often (30s, 1m; at least 1s). On a terminal the line is redrawn every second.")
    Duration interval;

    /** The last --progress-interval on the command's chain, else the default. */
    static Duration requested(ParseResult parsed) {
        Duration interval = Terminal.DEFAULT_INTERVAL;
        for (ParseResult pr = parsed; pr != null; pr = pr.subcommand()) {
            if (pr.hasMatchedOption(NAME)) {
                interval = pr.matchedOptionValue(NAME, interval);
            }
        }
        return interval;
    }

    /** Whole seconds or minutes: 10s, 1m, or a bare number of seconds. */
    static final class IntervalConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String t = value.trim().toLowerCase(Locale.ROOT);
            long unit = t.endsWith("m") ? 60 : 1;
            String digits = t.endsWith("m") || t.endsWith("s") ? t.substring(0, t.length() - 1) : t;
            long seconds;
            try {
                seconds = Math.multiplyExact(Long.parseLong(digits), unit);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration such as 10s or 1m");
            }
            if (seconds < 1) {
                throw new CommandLine.TypeConversionException("'" + value + "' is shorter than 1s");
            }
            return Duration.ofSeconds(seconds);
        }
    }
}
