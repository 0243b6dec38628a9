package org.fastcopy.bench.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The result files of a real bench/run-all run (bench/results of 2026-11-25, copied into
 * src/test/resources), and a way to run the report on them and keep what it printed.
 */
final class Fixtures {
    static final String MACHINE = "machine-2026-11-25-1302.properties";
    static final String COPY_001 = "copy-scale0.01-2026-11-25-1304.csv";
    static final String COPY_005 = "copy-scale0.05-2026-11-25-1326.csv";
    /** fastcopy and pgcopydb failed at this scale; the two pg_dump tools succeeded. */
    static final String COPY_FAILURES = "copy-scale0.005-2026-11-25-0952.csv";
    static final String CONVERT = "convert-scale0.01-2026-11-25-1348.csv";
    static final String JMH = "jmh-2026-11-25-1302.csv";
    static final String JMH_1CORE = "jmh-1core-2026-11-25-1302.csv";
    static final String STREAM = "stream-2026-11-25-1302.csv";

    private Fixtures() {
    }

    static String path(String name) {
        URL url = Fixtures.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException("no test resource " + name + " beside " + Fixtures.class.getName());
        }
        try {
            return Path.of(url.toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The command line bench/run-all gave for that run. */
    static String[] wholeRun(Path report) {
        return new String[] {"--report", report.toString(), "--machine", path(MACHINE), "--copy", path(COPY_001),
            path(COPY_005), "--convert", path(CONVERT), "--jmh", path(JMH), "--jmh-1core", path(JMH_1CORE),
            "--stream", path(STREAM)};
    }

    /** Runs the report into {@code dir}/REPORT.md with {@code extra} options; it must succeed silently. */
    static List<String> report(Path dir, String... extra) throws IOException {
        String[] args = new String[extra.length + 2];
        args[0] = "--report";
        args[1] = dir.resolve("REPORT.md").toString();
        System.arraycopy(extra, 0, args, 2, extra.length);
        Outcome outcome = run(args);
        assertThat(outcome.err()).isEmpty();
        assertThat(outcome.exit()).isZero();
        return Files.readAllLines(dir.resolve("REPORT.md"));
    }

    /** Report.run's exit code and what it wrote to stdout and stderr. */
    record Outcome(int exit, String out, String err) {
    }

    static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Report.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
