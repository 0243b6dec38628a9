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
import org.fastcopy.testing.FidelityFixture;
import org.fastcopy.testing.PgVersions;
import org.fastcopy.testing.TestClusters;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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
 * The version matrix: an MTT-shaped database with the fidelity fixture's objects beside it (the
 * parts its server supports), copied from every older major (9.6 to 14) into the installed 15, and
 * from 15 into every newer major (16, 17); servers resolved through Maven ({@link PgVersions}).
 * Each copy is exact: fastcopy's checksum verify over every table, materialized view, sequence and
 * large object; into 15, the target's {@code pg_dump --schema-only} equal to what {@code pg_dump |
 * pg_restore} makes of the same source on the same target (an older server prints some
 * expressions differently, and pg_dump writes by server version: the reference, not the source's
 * own dump text, is what a copy must match); into a newer server, which the installed pg_dump 15
 * cannot dump, the catalogue's counts of every object kind per schema equal the source's. The
 * suite runs the edges (9.6 into 15, 15 into 17); {@code -Dfastcopy.versions=all} runs
 * every pair.
 */
@ExtendWith(ClusterExtension.class)
class VersionMatrixTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "version-matrix-work");
    private final Path base = Path.of("target", "version-clusters", "matrix-" + ProcessHandle.current().pid());

    VersionMatrixTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    static List<String> olderSources() {
        return PgVersions.all() ? PgVersions.OLDER : List.of(PgVersions.PG96);
    }

    static List<String> newerTargets() {
        return PgVersions.all() ? PgVersions.NEWER : List.of(PgVersions.PG17);
    }

    @ParameterizedTest(name = "from {0} into 15")
    @MethodSource("olderSources")
    void aDatabaseOnAnOlderServerCopiesExactlyInto15(String version) throws Exception {
        LocalCluster source = PgVersions.start(version, version, base);
        try {
            copyExactly(source, clusters.flux2(), true);
        } finally {
            source.destroy();
            Files.deleteIfExists(base);
        }
    }

    @ParameterizedTest(name = "from 15 into {0}")
    @MethodSource("newerTargets")
    void aDatabaseOn15CopiesExactlyIntoANewerServer(String version) throws Exception {
        LocalCluster target = PgVersions.start(version, version, base);
        try {
            copyExactly(clusters.flux1(), target, false);
        } finally {
            target.destroy();
            Files.deleteIfExists(base);
        }
    }

    /**
     * Counts of the object kinds a copy creates, per user schema, as both catalogues show them; not
     * functions and types, whose counts an extension's or a server's newer version changes, nor
     * NOT NULL constraints, which 17 catalogues for domains (contype 'n') where 15 does not.
     */
    private static final String OBJECTS = """
            WITH s AS (SELECT oid, nspname FROM pg_namespace
                        WHERE nspname !~ '^pg_' AND nspname NOT IN ('information_schema', '_fastcopy')),
                 ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e' AND classid = 'pg_class'::regclass)
            SELECT string_agg(k, ',' ORDER BY k) FROM (
              SELECT s.nspname || ' class ' || c.relkind::text || '=' || count(*) AS k FROM pg_class c JOIN s ON s.oid = c.relnamespace
               WHERE c.oid NOT IN (SELECT objid FROM ext) GROUP BY s.nspname, c.relkind
              UNION ALL SELECT s.nspname || ' constraint ' || contype::text || '=' || count(*) FROM pg_constraint c
                JOIN s ON s.oid = c.connamespace WHERE contype <> 'n' GROUP BY s.nspname, contype
              UNION ALL SELECT 'rules=' || count(*) FROM pg_rules WHERE schemaname !~ '^pg_'
              UNION ALL SELECT 'policies=' || count(*) FROM pg_policy
              UNION ALL SELECT 'inherits=' || count(*) FROM pg_inherits
              UNION ALL SELECT 'extensions ' || string_agg(extname, ',' ORDER BY extname) FROM pg_extension
              UNION ALL SELECT 'large objects=' || count(*) FROM pg_largeobject_metadata) k
            """;

    private void copyExactly(LocalCluster source, LocalCluster target, boolean compareWithPgDump) throws Exception {
        String db = clusters.newDatabaseName("matrix_" + source.name() + "_to_" + target.name());
        Path dir = work.resolve(db);
        int sourceVersion;
        GenerateSpec gen = GenerateSpec.defaults(db).withScale(0.002).withSeed(11)
                .withYears(new YearSpan(2014, 2014)).withDangling(0.01).withDropIfExists(true);
        new MttV3Generator(source.connections(), source.endpoint("postgres")).generate(gen);
        for (LocalCluster c : List.of(source, target)) {
            try (Connection conn = c.connections().open(c.endpoint("postgres"), "fastcopy-test")) {
                FidelityFixture.createRoles(conn);
            }
        }
        try (Connection c = source.connections().open(source.endpoint(db), "fastcopy-test")) {
            sourceVersion = (int) scalar(c, "SELECT current_setting('server_version_num')::int");
            FidelityFixture.create(c, sourceVersion);
            exec(c, "CREATE SEQUENCE called_seq START 5");
            exec(c, "SELECT nextval('called_seq'), nextval('called_seq')");
        }
        CopySpec spec = new CopySpec(source.endpoint(db), target.endpoint(db), List.of(db), 2, 2, 1L << 30, true, false,
                VerifyMode.CHECKSUMS, false, dir, 64, 64 * 1024, false);
        CopyReport report = new CopyJob(spec, source.connections()).run().get(0);
        assertThat(report.verify().ok()).isTrue();
        assertThat(report.verify().tablesCompared()).isGreaterThan(60);

        if (compareWithPgDump) {
            Endpoint reference = createDatabase(target, "ref_" + db);
            pgDumpRestore(source.endpoint(db), reference, dir);
            var difference = SchemaComparison.compare(source.connections(), reference, target.endpoint(db), dir.resolve("compare"));
            assertThat(difference).as("the copy's schema against pg_dump | pg_restore's").isEmpty();
        }
        try (Connection src = source.connections().open(source.endpoint(db), "fastcopy-test");
             Connection dst = target.connections().open(target.endpoint(db), "fastcopy-test")) {
            if (!compareWithPgDump) {
                assertThat(text(dst, OBJECTS)).isEqualTo(text(src, OBJECTS)).contains("rules=");
            }
            assertThat(scalar(dst, "SELECT last_value FROM called_seq")).isEqualTo(6);
        }
    }

    private static Endpoint createDatabase(LocalCluster cluster, String name) throws Exception {
        try (Connection c = cluster.connections().open(cluster.endpoint("postgres"), "fastcopy-test")) {
            exec(c, "CREATE DATABASE " + org.fastcopy.util.Sql.ident(name) + " TEMPLATE template0 ENCODING 'UTF8'");
        }
        return cluster.endpoint(name);
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
}
