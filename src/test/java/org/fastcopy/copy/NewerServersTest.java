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
