package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.observe.LogFormat;
import org.fastcopy.observe.Logging;
import org.fastcopy.observe.Terminal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * Entry point of the jar. {@code bin/fastcopy} runs {@link FastcopyCommand}; {@code bin/convert}
 * sets {@code -Dfastcopy.program=convert} and lands on the convert command directly, so both
 * launchers share one jar and one error contract: a {@link FastcopyException} prints as one line
 * and exits with its code, a bad option exits 2, anything unexpected exits 4 with its stack trace.
 * SIGINT and SIGTERM stop the run cleanly ({@link SignalStop}) and exit 130 and 143.
 */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) {
        SignalStop stop = SignalStop.install(Thread.currentThread(), System.err);
        CommandLine cl = commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        cl.setExecutionStrategy(parsed -> {
            stop.command(commandName(parsed));
            return configureOutputAndRun(parsed);
        });
        int code = cl.execute(args);
        stop.finished();
        System.exit(code);
    }

    /** Runs a command line and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(rootCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionStrategy(Main::configureOutputAndRun);
        // Errors follow --log-format: in JSON the one line is a JSON object (docs/operations.md).
        cl.setParameterExceptionHandler((ex, argv) -> {
            CommandLine bad = ex.getCommandLine();
            LogFormat format = LogOptions.requested(argv);
            String message = ex.getMessage();
            if (ex instanceof CommandLine.MissingParameterException && !bad.getUnmatchedArguments().isEmpty()) {
                // picocli checks the required options before it reports what it did not recognise:
                // "--sr flux1" would say --src is missing; the mistyped option is the mistake to name.
                message = new CommandLine.UnmatchedArgumentException(bad, bad.getUnmatchedArguments()).getMessage();
            }
            bad.getErr().println(Logging.errorLine(format, bad.getCommandName() + ": " + message, null));
            if (format == LogFormat.TEXT) {
                bad.getErr().println("Try '" + bad.getCommandSpec().qualifiedName() + " --help' for more information.");
            }
            return FastcopyException.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, bad, parsed) -> {
            Throwable t = unwrap(ex);
            String program = bad.getCommandSpec().root().name();
            LogFormat format = Logging.current();
            if (t instanceof FastcopyException fe) {
                bad.getErr().println(Logging.errorLine(format, program + ": " + fe.getMessage(), null));
                log.debug("failure detail", fe);
                return fe.exitCode();
            }
            if (t instanceof InterruptedException) {
                bad.getErr().println(Logging.errorLine(format, program + ": interrupted", null));
                return FastcopyException.INTERRUPTED;
            }
            bad.getErr().println(Logging.errorLine(format, program + ": internal error: " + t, t));
            if (format == LogFormat.TEXT) {
                t.printStackTrace(bad.getErr());
            }
            return FastcopyException.FAILED;
        });
        return cl;
    }

    /** The command that runs: the root's name for a copy (or bin/convert), else the subcommand's ("convert", "cluster"). */
    static String commandName(CommandLine.ParseResult parsed) {
        return (parsed.hasSubcommand() ? parsed.subcommand() : parsed).commandSpec().name();
    }

    /**
     * The process's log format and progress display come from the whole command line (an option
     * may stand before or after the subcommand's name), then the command runs (picocli's RunLast).
     */
    private static int configureOutputAndRun(CommandLine.ParseResult parsed) {
        LogFormat format = LogOptions.requested(parsed);
        Logging.use(format);
        Terminal.use(Terminal.detect(System.getenv(), format, ProgressOptions.requested(parsed)));
        return new CommandLine.RunLast().execute(parsed);
    }

    private static Object rootCommand() {
        return "convert".equals(System.getProperty("fastcopy.program")) ? convertRoot() : new FastcopyCommand();
    }

    private static Object convertRoot() {
        return new ConvertCommand();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cur = t;
        while ((cur instanceof CommandLine.ExecutionException || cur instanceof java.util.concurrent.ExecutionException
                || cur instanceof java.util.concurrent.CompletionException) && cur.getCause() != null) {
            cur = cur.getCause();
        }
        return cur;
    }
}
