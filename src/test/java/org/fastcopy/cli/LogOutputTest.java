package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.observe.LogFormat;
import org.fastcopy.observe.Logging;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.fastcopy.util.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * --log-format as an operator sees it on stderr: text lines as they always looked, or one JSON
 * object per line with the fields a log collector needs; a usage error stays one line in either.
 */
@ExtendWith(ClusterExtension.class)
class LogOutputTest {
    /** "2026-12-05 07:00:00 INFO CopyJob - message", the slf4j-simple line of earlier releases. */
    private static final String TEXT_LINE = "^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d (INFO|WARN|ERROR) [\\w$-]+ - .*";

    private final TestClusters clusters;
    private final Path work = Path.of("target", "log-output-work");

    LogOutputTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @AfterEach
    void backToText() {
        Logging.use(LogFormat.TEXT);
    }

    private static String conninfo(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=postgres passfile=" + c.passfile();
    }

    private String smallDatabase(String name) throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), name);
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id int PRIMARY KEY, v text)");
            st.execute("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 200) g");
        }
        return src.database();
    }

    /** A copy run in-process; returns what the loggers wrote on System.err. */
    private String copyLogging(String db, String... extra) {
        List<String> args = new ArrayList<>(List.of("--src", conninfo(clusters.flux1()), "--dst",
                conninfo(clusters.flux2()), "--db", db, "--jobs", "1", "--drop-if-exists", "--workdir", work.toString()));
        args.addAll(List.of(extra));
        PrintStream console = System.err;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
        CliRun run;
        try {
            run = CliRun.of(args.toArray(String[]::new));
        } finally {
            System.setErr(console);
        }
        assertThat(run.exitCode()).as(run.err()).isZero();
        return logged.toString(StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(String line) {
        Object parsed = Json.read(line);
        assertThat(parsed).as(line).isInstanceOf(Map.class);
        return (Map<String, Object>) parsed;
    }

    @Test
    void jsonLogsAreOneObjectPerLineWithTimeLevelLoggerAndMessage() throws Exception {
        String log = copyLogging(smallDatabase("logjson"), "--log-format", "json");

        List<Map<String, Object>> lines = log.lines().map(LogOutputTest::object).toList();
        assertThat(lines).isNotEmpty().allSatisfy(o -> assertThat(o)
                .containsKeys("timestamp", "level", "threadName", "loggerName", "formattedMessage"));
        assertThat(lines).extracting(o -> o.get("formattedMessage").toString())
                .anyMatch(m -> m.contains("STEP 1 snapshot"))
                .anyMatch(m -> m.startsWith("data ")); // the progress line, logged, not drawn
        assertThat(lines).extracting(o -> o.get("level")).contains("INFO").doesNotContain("ERROR");
        assertThat(lines.get(0).get("timestamp")).isInstanceOf(Number.class);
    }

    @Test
    void textLogsKeepTheirEarlierShape() throws Exception {
        String log = copyLogging(smallDatabase("logtext"));

        assertThat(log.lines().toList()).isNotEmpty().allSatisfy(l -> assertThat(l).matches(TEXT_LINE));
        assertThat(log).containsPattern("INFO fastcopy - \\[logtext\\w*] STEP 1 snapshot").doesNotContain("{\"");
    }

    @Test
    void aUsageErrorIsOneJsonLineNamingTheProblem() {
        CliRun run = CliRun.of("--src", "flux1", "--log-format", "json");

        assertThat(run.exitCode()).isEqualTo(FastcopyException.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).hasSize(1);
        assertThat(object(run.err())).containsEntry("level", "ERROR").containsEntry("loggerName", "fastcopy")
                .containsEntry("formattedMessage", "fastcopy: --dst is missing");
    }

    @Test
    void anUnknownOptionBeforeTheFormatIsStillReportedInIt() {
        CliRun run = CliRun.of("--bogus", "--src", "flux1", "--log-format=json");

        assertThat(run.exitCode()).isEqualTo(FastcopyException.USAGE);
        assertThat(run.errLines()).hasSize(1);
        assertThat(object(run.err()).get("formattedMessage").toString()).contains("Unknown option: '--bogus'");
    }

    @Test
    void aBadFormatIsAUsageErrorNamingTheAcceptedOnes() {
        CliRun run = CliRun.of("verify", "--src", "a", "--dst", "b", "--log-format", "xml");

        assertThat(run.exitCode()).isEqualTo(FastcopyException.USAGE);
        assertThat(run.errLines().get(0)).startsWith("verify: ").contains("'xml' is not one of text, json");
    }

    @Test
    void whatTheSignalHandlerPrintsIsJsonToo() throws Exception {
        // delay-proxy runs until a signal; it prints its port on stdout once it listens.
        Process p = javaMain(Map.of(LogFormat.ENV, "json"), "delay-proxy", "--to", "127.0.0.1:" + clusters.flux1().port());
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).startsWith("delay-proxy: listening on ");
            // kill(1), not Process.destroy(): that would close the streams this test still reads.
            assertThat(new ProcessBuilder("kill", "-s", "TERM", Long.toString(p.pid())).start().waitFor()).isZero();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

            assertThat(p.exitValue()).isEqualTo(143);
            List<Map<String, Object>> lines = err.lines().map(LogOutputTest::object).toList();
            assertThat(lines).anySatisfy(o -> assertThat(o).containsEntry("level", "WARN")
                    .hasEntrySatisfying("formattedMessage", m -> assertThat(m.toString())
                            // the proxy has nothing to resume: no --resume advice
                            .isEqualTo("delay-proxy: stopping on a signal: cancelling running statements and rolling back")));
        } finally {
            p.destroyForcibly();
        }
    }

    /** fastcopy in a JVM of its own with {@code env} added, stdout and stderr apart. */
    private static Process javaMain(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.fastcopy.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        return pb.start();
    }

    @Test
    void theEnvironmentSetsTheDefaultFromTheFirstLine() throws Exception {
        // A JVM of its own: logback reads FASTCOPY_LOG_FORMAT when it starts, before any option.
        Process p = javaMain(Map.of(LogFormat.ENV, "json"), "--src", "flux1");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).isEqualTo(FastcopyException.USAGE);
        assertThat(err.lines().toList()).hasSize(1);
        assertThat(object(err)).containsEntry("formattedMessage", "fastcopy: --dst is missing");
    }
}
