package org.fastcopy.bench.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of bench/report/report, checked up front: every input file named must exist. */
record ReportOptions(Path report, Path machine, List<Path> copy, List<Path> convert, List<Path> many,
                     List<Path> latency, Path jmh, Path jmh1core, Path stream, List<Path> follow,
                     List<Path> convertFollow, List<Path> convertFollowBacklog, List<Path> convertFollowFull,
                     Path runbook) {
    static final String USAGE = "usage: bench/report/report --report FILE [--machine FILE]"
            + " [--copy CSV...] [--convert CSV...] [--many CSV...] [--latency CSV...] [--jmh CSV] [--jmh-1core CSV]"
            + " [--stream CSV] [--follow CSV...] [--convert-follow CSV...] [--convert-follow-backlog CSV...]"
            + " [--convert-follow-full CSV...] [--runbook FILE]";

    /** A command line that cannot be understood (as against one naming a bad file): show the usage too. */
    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }

    static ReportOptions parse(String... args) {
        Path report = null;
        Path machine = null;
        Path jmh = null;
        Path jmh1core = null;
        Path stream = null;
        Path runbook = null;
        List<Path> copy = new ArrayList<>();
        List<Path> convert = new ArrayList<>();
        List<Path> many = new ArrayList<>();
        List<Path> latency = new ArrayList<>();
        List<Path> follow = new ArrayList<>();
        List<Path> convertFollow = new ArrayList<>();
        List<Path> convertFollowBacklog = new ArrayList<>();
        List<Path> convertFollowFull = new ArrayList<>();
        List<Path> list = null; // each list option (--copy, --follow, ...) takes every file up to the next option
        String listOption = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--")) {
                list = null;
            }
            switch (a) {
                case "--report" -> report = Path.of(value(args, ++i, a));
                case "--machine" -> machine = existing(value(args, ++i, a), a);
                case "--jmh" -> jmh = existing(value(args, ++i, a), a);
                case "--jmh-1core" -> jmh1core = existing(value(args, ++i, a), a);
                case "--stream" -> stream = existing(value(args, ++i, a), a);
                case "--runbook" -> runbook = existing(value(args, ++i, a), a);
                case "--copy" -> {
                    list = copy;
                    listOption = a;
                }
                case "--convert" -> {
                    list = convert;
                    listOption = a;
                }
                case "--many" -> {
                    list = many;
                    listOption = a;
                }
                case "--latency" -> {
                    list = latency;
                    listOption = a;
                }
                case "--follow" -> {
                    list = follow;
                    listOption = a;
                }
                case "--convert-follow" -> {
                    list = convertFollow;
                    listOption = a;
                }
                case "--convert-follow-backlog" -> {
                    list = convertFollowBacklog;
                    listOption = a;
                }
                case "--convert-follow-full" -> {
                    list = convertFollowFull;
                    listOption = a;
                }
                default -> {
                    if (a.startsWith("--") || list == null) {
                        throw new UsageException("unknown argument '" + a + "'");
                    }
                    list.add(existing(a, listOption));
                }
            }
        }
        if (report == null) {
            throw new UsageException("--report FILE is required");
        }
        return new ReportOptions(report, machine, List.copyOf(copy), List.copyOf(convert), List.copyOf(many),
                List.copyOf(latency), jmh, jmh1core, stream, List.copyOf(follow), List.copyOf(convertFollow),
                List.copyOf(convertFollowBacklog), List.copyOf(convertFollowFull), runbook);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static Path existing(String file, String option) {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(option + ": no such file '" + file + "'");
        }
        return p;
    }

    /** Every input, in the order the report lists them at its end. */
    List<Path> inputs() {
        List<Path> all = new ArrayList<>();
        if (machine != null) {
            all.add(machine);
        }
        all.addAll(copy);
        all.addAll(convert);
        all.addAll(many);
        all.addAll(latency);
        all.addAll(follow);
        all.addAll(convertFollow);
        all.addAll(convertFollowBacklog);
        all.addAll(convertFollowFull);
        if (runbook != null) {
            all.add(runbook);
        }
        for (Path p : new Path[] {jmh, jmh1core, stream}) {
            if (p != null) {
                all.add(p);
            }
        }
        return all;
    }
}
