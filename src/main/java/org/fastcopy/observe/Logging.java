package org.fastcopy.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * The process's log output, set up in code rather than by a logback.xml: one console appender on
 * stderr at INFO, either today's text lines or logback's own {@link JsonEncoder} (one object per
 * line). {@link LoggingConfigurator} applies the environment's format when logging starts; the
 * command line switches it with {@link #use} before the command runs.
 *
 * <p>Hazard: the appender writes to whatever {@code System.err} is at each write (logback's
 * console target looks it up every time), which the tests that capture stderr rely on.
 */
public final class Logging {
    /** The text line slf4j-simple printed before logback: "2026-12-05 07:00:00 INFO CopyJob - message". */
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd HH:mm:ss} %level %logger{0} - %msg%n";
    private static final String APPENDER = "stderr";
    private static volatile LogFormat current = LogFormat.TEXT;

    private Logging() {
    }

    /** The format log lines are written in now. */
    public static LogFormat current() {
        return current;
    }

    /** Switches the log lines to {@code format}; nothing happens when it is already in use. */
    public static synchronized void use(LogFormat format) {
        if (format == current) {
            return;
        }
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            configure(ctx, format);
        }
    }

    /** Replaces the root logger's appenders by one stderr appender in {@code format}. */
    static synchronized void configure(LoggerContext ctx, LogFormat format) {
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(ctx);
        appender.setName(APPENDER);
        appender.setTarget("System.err");
        appender.setEncoder(encoder(ctx, format));
        appender.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        current = format;
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext ctx, LogFormat format) {
        if (format == LogFormat.JSON) {
            JsonEncoder json = new JsonEncoder();
            json.setContext(ctx);
            // The fields a log collector needs; the message formatted (logback's "message" is the
            // raw "{} {}" pattern), no per-line context, MDC, markers or sequence numbers we never set.
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithMarkers(false);
            json.setWithMDC(false);
            json.setWithKVPList(false);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithFormattedMessage(true);
            json.start();
            return json;
        }
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        text.setContext(ctx);
        text.setPattern(TEXT_PATTERN);
        text.setCharset(StandardCharsets.UTF_8);
        text.start();
        return text;
    }

    /**
     * A command's one-line error in {@code format}, without the line end: as-is in text; in JSON
     * one ERROR object of logger "fastcopy" (with {@code cause}'s stack trace when not null), so
     * that stderr stays one JSON object per line for a collector.
     */
    public static String errorLine(LogFormat format, String message, Throwable cause) {
        return line(format, org.slf4j.event.Level.ERROR, message, cause);
    }

    /**
     * A line the command prints on stderr itself rather than through a logger (errors, the
     * signal handler's notice, which must print even while logging shuts down), in {@code format}.
     */
    public static String line(LogFormat format, org.slf4j.event.Level level, String message, Throwable cause) {
        if (format != LogFormat.JSON || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return message;
        }
        LoggingEvent event = new LoggingEvent(Logging.class.getName(), ctx.getLogger("fastcopy"),
                Level.convertAnSLF4JLevel(level), message, cause, null);
        String line = new String(encoder(ctx, LogFormat.JSON).encode(event), StandardCharsets.UTF_8);
        return line.stripTrailing();
    }
}
