package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.PgVersions;
import org.fastcopy.testing.TestClusters;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;
import static org.fastcopy.copy.CopyFixture.text;

/**
 * A PostgreSQL 17 server (resolved through Maven, {@link PgVersions}) beside the installed 15: the
 * shared MTT database copies from 15 into 17, and a 17 source, newer than the installed pg_dump,
 * is refused in one line naming both versions before anything is created on the target.
 */
@ExtendWith(ClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NewerServersTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "newer-servers-work");
    private final Path base = Path.of("target", "version-clusters", "newer-" + ProcessHandle.current().pid());
    private LocalCluster pg17;

    NewerServersTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @BeforeAll
    void startNewerServer() {
        pg17 = PgVersions.start(PgVersions.PG17, "pg17", base);
    }

    @AfterAll
    void destroyNewerServer() throws java.io.IOException {
        if (pg17 != null) {
            pg17.destroy();
        }
        java.nio.file.Files.deleteIfExists(base);
    }

    @Test
    void theMttDatabaseOn15CopiesExactlyInto17() throws Exception {
        String db = clusters.mttV3();
        LocalCluster source = clusters.flux1();
        CopySpec spec = new CopySpec(source.endpoint(db), pg17.endpoint(db), List.of(db), 2, 2, 1L << 30, true, false,
                VerifyMode.CHECKSUMS, false, work.resolve("to17"), 64, 64 * 1024, false);
        CopyReport report = new CopyJob(spec, source.connections()).run().get(0);
        assertThat(report.verify().ok()).isTrue();
        assertThat(report.verify().tablesCompared()).isEqualTo(report.plan().tables().size()).isGreaterThan(300);
        // No pg_dump 17 is installed to dump the target, so the schema is compared by its catalogue
        // counts and the parts the MTT schema depends on.
        String objects = """
                SELECT string_agg(k, ',' ORDER BY k) FROM (
                  SELECT 'class ' || c.relkind::text || '=' || count(*) AS k FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' GROUP BY c.relkind
                  UNION ALL SELECT 'constraint ' || contype::text || '=' || count(*) FROM pg_constraint c
                    JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' GROUP BY contype
                  UNION ALL SELECT 'rules=' || count(*) FROM pg_rules WHERE schemaname = 'public'
                  UNION ALL SELECT 'triggers=' || count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal
                  UNION ALL SELECT 'inherits=' || count(*) FROM pg_inherits
                  UNION ALL SELECT 'functions=' || count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'public'
                  UNION ALL SELECT 'sequences ' || string_agg(sequencename || '=' || coalesce(last_value::text, 'null'), ','
                    ORDER BY sequencename) FROM pg_sequences) s
                """;
        try (Connection src = clusters.connect(source, db); Connection dst = pg17.connections().open(pg17.endpoint(db), "fastcopy-test")) {
            assertThat(text(dst, "SELECT current_setting('server_version')")).startsWith("17.");
            assertThat(text(dst, objects)).isEqualTo(text(src, objects)).contains("rules=");
        }
    }

    @Test
    void aSourceNewerThanTheInstalledPgDumpIsOneLineNamingBothVersions() throws Exception {
        String db = "newer_source";
        try (Connection c = pg17.connections().open(pg17.endpoint("postgres"), "fastcopy-test")) {
            exec(c, "DROP DATABASE IF EXISTS " + db);
            exec(c, "CREATE DATABASE " + db);
        }
        try (Connection c = pg17.connections().open(pg17.endpoint(db), "fastcopy-test")) {
            exec(c, "CREATE TABLE t AS SELECT 1 AS id");
        }
        String targetDb = clusters.newDatabaseName("from17");
        CopySpec spec = new CopySpec(pg17.endpoint(db), clusters.flux2().endpoint(targetDb), List.of(db), 2, 2, 1L << 30, true,
                false, VerifyMode.CHECKSUMS, false, work.resolve("from17"), 64, 64 * 1024, false);
        assertThatThrownBy(() -> new CopyJob(spec, pg17.connections()).run())
                .isInstanceOf(FastcopyException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n")
                        .containsPattern("pg_dump 15\\b.*older than source .*PostgreSQL 17\\."));
        try (Connection dst = clusters.connect(clusters.flux2(), "postgres")) {
            assertThat(scalar(dst, "SELECT count(*) FROM pg_database WHERE datname = '" + targetDb + "'")).isZero();
        }
    }
}
