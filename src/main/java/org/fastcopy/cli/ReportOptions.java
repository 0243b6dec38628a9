package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.report.HtmlReport;
import org.fastcopy.report.RunRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** --report-html, shared by copy, convert and migrate as a picocli mixin. */
final class ReportOptions {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");

    @Option(names = "--report-html", paramLabel = "FILE",
            description = "Write a self-contained HTML report of the run to FILE when it ends, failed or not: steps, "
                    + "a timeline per worker, throughput, the verify result (see docs/report.md).")
    Path file;

    /**
     * Runs the command's work with a recorder installed and writes the report when it ends, also
     * when it fails (the report then names the step and the error, and the error is thrown on).
     * Without --report-html, just runs it.
     */
    <T> T record(CommandSpec command, Supplier<T> work) {
        if (file == null) {
            return work.get();
        }
        refuseUnwritable();
        RunRecorder recorder = new RunRecorder(title(command));
        T result;
        try (RunRecorder.Scope scope = RunRecorder.install(recorder)) {
            result = work.get();
        } catch (RuntimeException | Error e) {
            try {
                write(recorder.finish(e));
            } catch (RuntimeException written) {
                e.addSuppressed(written);
            }
            throw e;
        }
        write(recorder.finish(null));
        return result;
    }

    private void write(org.fastcopy.report.RunRecord run) {
        HtmlReport.write(run, file);
        log.info("HTML report of the run{}: {}", run.failed() ? " (failed)" : "", file.toAbsolutePath());
    }

    /** Before anything connects: a report that cannot be written is a usage error, not a surprise at the end. */
    private void refuseUnwritable() {
        Path dir = file.toAbsolutePath().getParent();
        if (Files.isDirectory(file)) {
            throw new FastcopyException(FastcopyException.USAGE, "--report-html " + file + " is a directory; name a file");
        }
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            throw new FastcopyException(FastcopyException.USAGE, "--report-html " + file + ": cannot create the file in "
                    + dir + " (" + (existing == null ? "no such directory" : existing + " is not a writable directory") + ")");
        }
    }

    /**
     * The command line as typed (passwords never appear on it: see docs/endpoints.md): the root
     * command's name and the arguments it was given, which name the subcommand if there is one.
     */
    private static String title(CommandSpec command) {
        List<String> args = command.commandLine().getParseResult() == null ? List.of()
                : command.commandLine().getParseResult().originalArgs();
        return command.root().name() + (args.isEmpty() ? "" : " " + args.stream()
                .map(a -> a.isEmpty() || a.matches(".*[\\s'\"].*") ? "'" + a.replace("'", "'\\''") + "'" : a)
                .collect(Collectors.joining(" ")));
    }
}
