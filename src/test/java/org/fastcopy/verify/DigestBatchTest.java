package org.fastcopy.verify;

import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Small tables' digests in one statement: each equal to the table's own query, in order. */
@ExtendWith(ClusterExtension.class)
class DigestBatchTest {
    private final TestClusters clusters;

    DigestBatchTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @Test
    void aBatchGivesEachTableTheDigestItsOwnQueryGives() throws Exception {
        String db = clusters.createDatabase(clusters.flux1(), "digestbatch").database();
        try (Connection c = clusters.connect(clusters.flux1(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE a (id int, v text); INSERT INTO a SELECT g, 'a' || g FROM generate_series(1, 5) g;"
                    + "CREATE TABLE b (id int); CREATE TABLE c (x float8, y text);"
                    + "INSERT INTO c SELECT g / 3.0, repeat('c', g) FROM generate_series(1, 17) g");
            List<String> sqls = new ArrayList<>();
            for (String t : List.of("c", "a", "b")) {
                sqls.add(TableDigest.query("public", t, t.equals("c") ? List.of("x", "y") : t.equals("a")
                        ? List.of("id", "v") : List.of("id"), VerifyMode.CHECKSUMS));
            }
            sqls.add(TableDigest.query("public", "a", List.of("id", "v"), VerifyMode.COUNTS));
            List<TableDigest> one = new ArrayList<>();
            for (String sql : sqls) {
                try (ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    one.add(new TableDigest(rs.getLong(1), rs.getBigDecimal(2).toBigIntegerExact()));
                }
            }
            assertThat(one).extracting(TableDigest::rows).containsExactly(17L, 5L, 0L, 5L);

            assertThat(DigestBatch.run(c, sqls)).as("in autocommit").containsExactlyElementsOf(one);
            c.setAutoCommit(false);
            assertThat(DigestBatch.run(c, sqls)).as("inside a transaction").containsExactlyElementsOf(one);

            // A table that is not there fails the batch (the caller then goes table by table), and
            // the transaction stays usable.
            List<String> withMissing = new ArrayList<>(sqls);
            withMissing.add(1, TableDigest.query("public", "gone", List.of("id"), VerifyMode.COUNTS));
            assertThat(DigestBatch.run(c, withMissing)).isNull();
            assertThat(DigestBatch.run(c, sqls)).as("after the failed batch").containsExactlyElementsOf(one);
            c.commit();
        }
    }
}
