package org.fastcopy.copy;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.text;

/**
 * What only an older server shows, beside the copies of the version matrix (VersionMatrixTest):
 * verify across the 12 boundary, where floats print with other digits.
 */
@ExtendWith(ClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OlderSourcesTest {
    private final TestClusters clusters;
    private final Path base = Path.of("target", "version-clusters", "older-" + ProcessHandle.current().pid());
    private LocalCluster pg96;

    OlderSourcesTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @BeforeAll
    void startOlderServers() {
        pg96 = PgVersions.start(PgVersions.PG96, "pg96", base);
    }

    @AfterAll
    void destroyOlderServers() throws java.io.IOException {
        if (pg96 != null) {
            pg96.destroy();
        }
        java.nio.file.Files.deleteIfExists(base);
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
}
