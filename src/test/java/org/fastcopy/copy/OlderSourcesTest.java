package org.fastcopy.copy;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.cluster.PgBinaries;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.generate.YearSpan;
import org.fastcopy.schema.SchemaComparison;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.PgVersions;
import org.fastcopy.testing.TestClusters;
import org.fastcopy.plan.SourceCatalog;
import org.fastcopy.verify.Verifier;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;
import static org.fastcopy.copy.CopyFixture.text;

/**
 * Copies from servers older than the target: an MTT-shaped database generated on PostgreSQL 9.6
 * and on 12 (servers resolved through Maven, {@link PgVersions}) into the shared 15 target, each
 * checked by fastcopy's checksum verify and by comparing both sides' {@code pg_dump --schema-only}.
 */
@ExtendWith(ClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OlderSourcesTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "older-sources-work");
    private final Path base = Path.of("target", "version-clusters", "older-" + ProcessHandle.current().pid());
    private LocalCluster pg96;
    private LocalCluster pg12;

    OlderSourcesTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @BeforeAll
    void startOlderServers() {
        pg96 = PgVersions.start(PgVersions.PG96, "pg96", base);
        pg12 = PgVersions.start(PgVersions.PG12, "pg12", base);
    }

    @AfterAll
    void destroyOlderServers() throws java.io.IOException {
        if (pg96 != null) {
            pg96.destroy();
        }
        if (pg12 != null) {
            pg12.destroy();
        }
        java.nio.file.Files.deleteIfExists(base);
    }

    @Test
    void anMttDatabaseOn96CopiesExactlyInto15() throws Exception {
        copyExactly(pg96, "9.6");
    }

    @Test
    void anMttDatabaseOn12CopiesExactlyInto15() throws Exception {
        copyExactly(pg12, "12.");
    }

    @Test
    void geometricValuesOn96VerifyEqualToTheSameValuesOn15ThoughTheirFloatsPrintOtherwise() throws Exception {
        // 9.6 prints 0.1 as 0.100000000000000006 with extra_float_digits = 3, 12 and newer as 0.1.
        String db = clusters.newDatabaseName("geometry_96");
        String table = "CREATE TABLE shapes (id int, p point, l line, s lseg, b box, pa path, pg polygon, c circle, ps point[])";
        String rows = "INSERT INTO shapes VALUES (1, '(0.1,0.2)', '{0.1,-1,0.3}', '[(0.1,0.2),(0.3,0.4)]', '(0.1,0.2),(0.3,0.4)',"
                + " '[(0.1,0.2),(0.3,0.4)]', '((0.1,0.2),(0.3,0.4),(0.5,0.1))', '<(0.1,0.2),0.3>', '{\"(0.1,0.2)\",NULL}'),"
                + " (2, '(NaN,Infinity)', NULL, NULL, NULL, NULL, NULL, NULL, '{}')";
        LocalCluster target = clusters.flux2();
        try (Connection c = pg96.connections().open(pg96.endpoint("postgres"), "fastcopy-test")) {
            exec(c, "CREATE DATABASE " + db);
        }
        Endpoint copy = clusters.createDatabase(target, "geometry_15");
        try (Connection s = pg96.connections().open(pg96.endpoint(db), "fastcopy-test");
             Connection t = clusters.connect(target, copy.database())) {
            for (Connection c : List.of(s, t)) {
                exec(c, table);
                exec(c, rows);
            }
            exec(s, "SET extra_float_digits = 3");
            exec(t, "SET extra_float_digits = 3");
            assertThat(text(s, "SELECT p::text FROM shapes WHERE id = 1")).isNotEqualTo(text(t, "SELECT p::text FROM shapes WHERE id = 1"));
            var result = Verifier.verify(SourceCatalog.tables(s), VerifyMode.CHECKSUMS, 1,
                    () -> pg96.connections().open(pg96.endpoint(db), "fastcopy-test"),
                    () -> target.connections().open(copy, "fastcopy-test"));
            assertThat(result.mismatches()).isEmpty();
            assertThat(result.rowsCompared()).isEqualTo(2);
        }
    }

    private static void pgDumpRestore(Endpoint source, Endpoint target, Path dir) throws Exception {
        PgBinaries bin = PgBinaries.clientAtLeast(System.getenv(), 9).orElseThrow();
        Connections connections = new Connections(System.getenv());
        Path archive = dir.toAbsolutePath().resolve("reference.dump");
        Files.createDirectories(dir);
        run(List.of(bin.program("pg_dump").toString(), "--schema-only", "--no-subscriptions", "-Fc", "--file=" + archive),
                connections.childEnvironment(source), dir.resolve("reference-dump.log"));
        run(List.of(bin.program("pg_restore").toString(), "--exit-on-error", "--dbname=" + target.database(), archive.toString()),
                connections.childEnvironment(target), dir.resolve("reference-restore.log"));
    }

    private static void run(List<String> command, Map<String, String> env, Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(command.get(0) + " finished").isTrue();
        assertThat(p.exitValue()).as(command + ": " + Files.readString(log)).isZero();
    }

    private void copyExactly(LocalCluster source, String versionPrefix) throws Exception {
        String db = clusters.newDatabaseName("mtt_from_" + source.name());
        try (Connection c = source.connections().open(source.endpoint("postgres"), "fastcopy-test")) {
            assertThat(text(c, "SELECT current_setting('server_version')")).startsWith(versionPrefix);
        }
        GenerateSpec gen = GenerateSpec.defaults(db).withScale(0.002).withSeed(11)
                .withYears(new YearSpan(2014, 2014)).withDangling(0.01).withDropIfExists(true);
        new MttV3Generator(source.connections(), source.endpoint("postgres")).generate(gen);
        try (Connection c = source.connections().open(source.endpoint(db), "fastcopy-test")) {
            // A large object and a sequence that has been called, beside what the generator makes.
            exec(c, "SELECT lo_from_bytea(0, convert_to('large object from " + source.name() + "', 'UTF8'))");
            exec(c, "CREATE SEQUENCE called_seq START 5");
            exec(c, "SELECT nextval('called_seq'), nextval('called_seq')");
        }
        LocalCluster target = clusters.flux2();
        CopySpec spec = new CopySpec(source.endpoint(db), target.endpoint(db), List.of(db), 2, 2, 1L << 30, true, false,
                VerifyMode.CHECKSUMS, false, work.resolve(source.name()), 64, 64 * 1024, false);
        CopyReport report = new CopyJob(spec, source.connections()).run().get(0);
        assertThat(report.verify().ok()).isTrue();
        assertThat(report.verify().tablesCompared()).isEqualTo(report.plan().tables().size()).isGreaterThan(30);
        // The reference is what pg_dump | pg_restore makes of the same source on the same target:
        // an older server prints some expressions differently (B'00'::"bit" on 9.6, '00'::"bit" on
        // 15) and pg_dump writes settings by server version, so the copy must match that, not the
        // source's own dump text.
        Endpoint reference = clusters.createDatabase(target, "ref_from_" + source.name());
        pgDumpRestore(source.endpoint(db), reference, work.resolve(source.name()));
        var difference = SchemaComparison.compare(source.connections(), reference, target.endpoint(db),
                work.resolve(source.name()).resolve("compare"));
        assertThat(difference).isEmpty();
        try (Connection dst = clusters.connect(target, db)) {
            assertThat(text(dst, "SELECT convert_from(lo_get(oid), 'UTF8') FROM pg_largeobject_metadata"))
                    .isEqualTo("large object from " + source.name());
            assertThat(scalar(dst, "SELECT last_value FROM called_seq")).isEqualTo(6);
            assertThat(scalar(dst, "SELECT nextval('called_seq')")).isEqualTo(7);
        }
    }
}
