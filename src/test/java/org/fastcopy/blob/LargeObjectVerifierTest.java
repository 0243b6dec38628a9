package org.fastcopy.blob;

import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** The large objects' comparison names each oid that is missing, extra or different on the target. */
@ExtendWith(ClusterExtension.class)
class LargeObjectVerifierTest {
    private final TestClusters clusters;

    LargeObjectVerifierTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @Test
    void countsNameMissingAndExtraOidsAndChecksumsAlsoChangedBytes() throws SQLException {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "lo_verify");
        Endpoint dst = clusters.createDatabase(clusters.flux2(), "lo_verify");
        try (Connection s = clusters.connect(clusters.flux1(), src.database());
             Connection d = clusters.connect(clusters.flux2(), dst.database())) {
            // Same on both sides: 1,500 objects (two pages), one of 2.5 MB.
            String same = "SELECT lo_from_bytea(900000 + g, convert_to(repeat(md5(g::text), g % 5), 'UTF8'))"
                    + " FROM generate_series(1, 1500) g";
            String big = "SELECT lo_from_bytea(910000, convert_to(repeat(md5('x'), 81920), 'UTF8'))";
            exec(s, same);
            exec(d, same);
            exec(s, big);
            exec(d, big);
            assertThat(LargeObjectVerifier.compare(s, d, VerifyMode.CHECKSUMS)).satisfies(r -> {
                assertThat(r.ok()).isTrue();
                assertThat(r.compared()).isEqualTo(1501);
            });

            exec(s, "SELECT lo_from_bytea(920001, 'only on the source')");
            exec(d, "SELECT lo_from_bytea(920002, 'only on the target')");
            // One byte changed 2 MB into the big one: the size stays, its md5 does not.
            exec(d, "SELECT lo_put(910000, 2097152, '\\x00')");

            LargeObjectVerifier.Result counts = LargeObjectVerifier.compare(s, d, VerifyMode.COUNTS);
            assertThat(counts.differing()).isEqualTo(2);
            assertThat(counts.examples()).containsExactly("large object 920001 is missing on the target",
                    "large object 920002 exists only on the target");

            LargeObjectVerifier.Result sums = LargeObjectVerifier.compare(s, d, VerifyMode.CHECKSUMS);
            assertThat(sums.differing()).isEqualTo(3);
            assertThat(sums.examples()).hasSize(3);
            assertThat(sums.examples().get(0)).startsWith("large object 910000: source 2621440 bytes, md5 ")
                    .contains(", target 2621440 bytes, md5 ");
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
