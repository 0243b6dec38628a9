package org.fastcopy.cli;

import org.fastcopy.observe.LogFormat;
import org.fastcopy.observe.Logging;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * --log-format, shared by every command that runs a job as a picocli mixin. The format is the
 * process's, not one command's: {@link Main} applies the last one given anywhere on the command
 * line ({@code fastcopy --log-format json convert ...} too) before the command runs.
 */
final class LogOptions {
    static final String NAME = "--log-format";

    @Option(names = NAME, paramLabel = "text|json", defaultValue = "${env:" + LogFormat.ENV + ":-text}",
            converter = FormatConverter.class,
            description = "Log lines on stderr: text, or one JSON object per line (logback's JsonEncoder); "
                    + "the default comes from " + LogFormat.ENV + ".")
    LogFormat format;

    /** The last --log-format on the command's chain, else the environment's. */
    static LogFormat requested(ParseResult parsed) {
        LogFormat format = LogFormat.fromEnvironment(System.getenv());
        for (ParseResult pr = parsed; pr != null; pr = pr.subcommand()) {
            if (pr.hasMatchedOption(NAME)) {
                format = pr.matchedOptionValue(NAME, format);
            }
        }
        return format;
    }

    /**
     * The format a usage error is reported in: the command line could not be parsed, so the last
     * valid --log-format word on it counts wherever it stands, else the environment's.
     */
    static LogFormat requested(String[] argv) {
        LogFormat format = LogFormat.fromEnvironment(System.getenv());
        for (int i = 0; i < argv.length && !argv[i].equals("--"); i++) {
            String value = argv[i].startsWith(NAME + "=") ? argv[i].substring(NAME.length() + 1)
                    : argv[i].equals(NAME) && i + 1 < argv.length ? argv[i + 1] : null;
            try {
                format = value == null ? format : LogFormat.parse(value);
            } catch (IllegalArgumentException e) {
                // the bad value is itself the usage error being reported
            }
        }
        return format;
    }

    /** text|json in any case; a bad value (on the line or in the environment) names both. */
    static final class FormatConverter implements CommandLine.ITypeConverter<LogFormat> {
        @Override
        public LogFormat convert(String value) {
            if (value.isBlank()) {
                return LogFormat.TEXT; // FASTCOPY_LOG_FORMAT set but empty: as if unset
            }
            try {
                return LogFormat.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage() + " (from " + NAME + " or "
                        + LogFormat.ENV + ")");
            }
        }
    }
}
