package org.fastcopy.copy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.cluster.PgBinaries;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.metrics.MicrometerCopyMetrics;
import org.fastcopy.metrics.PrometheusEndpoint;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.schema.SchemaComparison;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.fastcopy.util.Json;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.copy.CopyFixture.column;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;
import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * A password reaches no process's arguments, no log, report, metric or file of the run; names
 * built to break out of quoting copy as names; TLS settings of an endpoint reach every connection
 * the run makes, pg_dump's included.
 */
@ExtendWith(ClusterExtension.class)
class CopySecurityTest {
    private static final String SECRET = "Sec-Ret-Pw-77413";

    private final TestClusters clusters;

    @TempDir
    Path tmp;

    CopySecurityTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    /** The environment of a user who keeps the password in PGPASSWORD: handed to children, never as an argument. */
    private static Map<String, String> envWith(String key, String value) {
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (!k.startsWith("PG")) {
                env.put(k, v);
            }
        });
        env.put(key, value);
        return env;
    }

    /**
     * pg_dump and pg_restore wrappers that append their arguments (one per line, "--" after each
     * call) to {@code log} and exec the real program: every call the run makes, with its exact argv.
     */
    private static Path recordingPgBin(Path dir, Path log) throws IOException {
        PgBinaries real = PgBinaries.clientAtLeast(System.getenv(), 15).orElseThrow();
        Files.createDirectories(dir);
        for (String program : List.of("pg_dump", "pg_restore")) {
            Path script = dir.resolve(program);
            Files.writeString(script, "#!/bin/sh\n{ printf '%s\\n' \"$0\"; for a in \"$@\"; do printf '%s\\n' \"$a\"; done;"
                    + " echo --; } >> '" + log + "'\nexec '" + real.program(program) + "' \"$@\"\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return dir;
    }

    /** Every command line on the machine holding {@code secret}, read from /proc/PID/cmdline. */
    private static List<String> commandLinesHolding(String secret) throws IOException {
        List<String> hits = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmd.contains(secret)) {
                        hits.add(p.getFileName() + ": " + cmd);
                    }
                } catch (IOException gone) {
                    // the process ended between the listing and the read
                }
            }
        }
        return hits;
    }

    private static List<Path> filesHolding(Path root, String secret) throws IOException {
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        List<Path> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (indexOf(Files.readAllBytes(f), needle) >= 0) {
                    hits.add(f);
                }
            }
        }
        return hits;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + PrometheusEndpoint.PATH)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** Copies stderr (where the log goes) into {@code sink} while it also reaches the console. */
    private static PrintStream tee(PrintStream console, OutputStream sink) {
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                console.write(b);
                sink.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                console.write(b, off, len);
                sink.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
    }

    @Test
    void aPasswordReachesNoProcessArgumentLogReportMetricOrFileOfTheRun() throws Exception {
        String role = clusters.newDatabaseName("fc_secret_role");
        for (LocalCluster c : List.of(clusters.flux1(), clusters.flux2())) {
            try (Connection admin = clusters.connect(c, "postgres")) {
                exec(admin, "CREATE ROLE " + ident(role) + " LOGIN SUPERUSER PASSWORD " + literal(SECRET));
            }
        }
        Endpoint created = clusters.createDatabase(clusters.flux1(), "secret");
        String db = created.database();
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            exec(c, "CREATE TABLE a (id int PRIMARY KEY, v text)");
            exec(c, "INSERT INTO a SELECT g, md5(g::text) FROM generate_series(1, 2000) g");
            exec(c, "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a)");
            exec(c, "INSERT INTO b SELECT g, g FROM generate_series(1, 500) g");
        }
        Path work = tmp.resolve("work");
        Path argvLog = tmp.resolve("argv.log");
        Endpoint src = new Endpoint("src", "127.0.0.1", clusters.flux1().port(), role, db, null, Map.of());
        Endpoint dst = new Endpoint("dst", "127.0.0.1", clusters.flux2().port(), role, db, null, Map.of());
        CopySpec spec = new CopySpec(src, dst, List.of(db), 2, 2, 1L << 30, false, false, VerifyMode.CHECKSUMS, false,
                work, 64, 64 * 1024, false).withPgBin(recordingPgBin(tmp.resolve("bin"), argvLog));

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        List<String> duringRun = new ArrayList<>();
        List<String> scrapes = new ArrayList<>();
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream console = System.err;
        CopyReport report;
        try (PrometheusEndpoint metrics = PrometheusEndpoint.start(registry, "127.0.0.1", 0)) {
            CopyJob.Listener look = new CopyJob.Listener() {
                @Override
                public void snapshotExported(String database, String snapshotId) {
                    sample();
                }

                @Override
                public void unitCommitted(String database, PlannedUnit unit) {
                    sample();
                }

                private void sample() {
                    try {
                        synchronized (duringRun) {
                            duringRun.addAll(commandLinesHolding(SECRET));
                            scrapes.add(scrape(metrics.port()));
                        }
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            System.setErr(tee(console, logged));
            try {
                report = new CopyJob(spec, new Connections(envWith("PGPASSWORD", SECRET)), look,
                        MicrometerCopyMetrics.factory(registry)).run().get(0);
            } finally {
                System.setErr(console);
            }
            scrapes.add(scrape(metrics.port()));
        }
        Json.writeFile(work.resolve("report-" + db + ".json"), report.toJson());
        Files.write(work.resolve("summary.txt"), report.summaryLines());

        assertThat(report.verify().ok()).isTrue();
        // The observers saw the run: the children were called, the log and the meters were written.
        String argv = Files.readString(argvLog);
        assertThat(argv).contains("/pg_dump\n").contains("/pg_restore\n").doesNotContain(SECRET);
        assertThat(scrapes).hasSize(4) // at the snapshot, after each of the two units, at the end
                .allSatisfy(s -> assertThat(s).doesNotContain(SECRET));
        assertThat(scrapes.get(scrapes.size() - 1)).contains("fastcopy_rows_copied_total");
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("pre-data").doesNotContain(SECRET);
        assertThat(duringRun).isEmpty();
        assertThat(String.join("\n", report.summaryLines())).contains("2,500 rows").doesNotContain(SECRET);
        assertThat(Files.list(work.resolve(db)).map(p -> p.getFileName().toString())).contains("pg_dump.log", "schema.dump");
        assertThat(filesHolding(work, SECRET)).isEmpty();
        assertThat(filesHolding(tmp.resolve("bin"), SECRET)).isEmpty();
    }

    @Test
    void tablesAndSchemasNamedLikeSqlInjectionCopyAsNamesAndHarmNothing() throws Exception {
        String schema = "\"; DROP SCHEMA public CASCADE; --";
        String table1 = "x\"; DROP TABLE victim; --";
        String table2 = "Robert'); DROP TABLE students;--";
        String column = "a\"b'c); DROP TABLE victim; --";
        Endpoint src = clusters.createDatabase(clusters.flux1(), "injection");
        String db = src.database();
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            exec(c, "CREATE TABLE victim (v text)");
            exec(c, "INSERT INTO victim VALUES ('still here')");
            exec(c, "CREATE TABLE students (name text)");
            exec(c, "INSERT INTO students VALUES ('Robert')");
            exec(c, "CREATE SCHEMA " + ident(schema));
            exec(c, "CREATE TABLE " + ident(schema) + "." + ident(table1) + " (id serial PRIMARY KEY, " + ident(column) + " text)");
            exec(c, "CREATE INDEX " + ident(table1 + " idx'") + " ON " + ident(schema) + "." + ident(table1) + " (" + ident(column) + ")");
            exec(c, "INSERT INTO " + ident(schema) + "." + ident(table1) + " (" + ident(column) + ")"
                    + " SELECT 'row ' || g FROM generate_series(1, 300) g");
            exec(c, "CREATE TABLE public." + ident(table2) + " (id int PRIMARY KEY, note text)");
            exec(c, "INSERT INTO public." + ident(table2) + " VALUES (1, 'Little Bobby Tables'), (2, " + literal("'); DROP TABLE students;--") + ")");
        }

        CopyReport report = new CopyJob(CopyFixture.spec(clusters, db, tmp.resolve("work")), clusters.flux1().connections()).run().get(0);

        assertThat(report.verify().ok()).isTrue();
        assertThat(report.verify().tablesCompared()).isEqualTo(4);
        assertThat(SchemaComparison.compare(clusters.flux1().connections(), src, clusters.flux2().endpoint(db),
                tmp.resolve("compare"))).isEmpty();
        for (LocalCluster side : List.of(clusters.flux1(), clusters.flux2())) {
            try (Connection c = clusters.connect(side, db)) {
                assertThat(column(c, "SELECT v FROM public.victim")).containsExactly("still here");
                assertThat(column(c, "SELECT name FROM public.students")).containsExactly("Robert");
                assertThat(scalar(c, "SELECT count(*) FROM " + ident(schema) + "." + ident(table1))).isEqualTo(300);
                assertThat(column(c, "SELECT note FROM public." + ident(table2) + " ORDER BY id"))
                        .containsExactly("Little Bobby Tables", "'); DROP TABLE students;--");
                assertThat(scalar(c, "SELECT last_value FROM " + ident(schema) + "." + ident(table1 + "_id_seq"))).isEqualTo(300);
            }
        }
    }
}
