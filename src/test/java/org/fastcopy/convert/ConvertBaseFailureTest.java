package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.generate.YearSpan;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The v3 session dies while a base table is read: the error the convert reports is that one
 * (SQLSTATE 57P01, the server's), not the later failure to end the v3 transaction on the dead
 * connection ("This connection has been closed", 08003), which is kept as suppressed; the table's
 * rows and ledger mark are not there, the tables before it are.
 *
 * <p>The failure is real and needs no timing: mpi_install gets an inheritance child that is a
 * file_fdw foreign table whose program sends SIGTERM to the backend reading it (its shell's
 * parent), as pg_terminate_backend would, the moment convert reads mpi_install.
 */
@ExtendWith(ClusterExtension.class)
class ConvertBaseFailureTest {

    @TempDir
    Path work;

    @Test
    void aFailingBaseTableReadIsTheErrorReportedNotTheCommitOfItsAbortedTransaction(TestClusters clusters)
            throws Exception {
        LocalCluster flux1 = clusters.flux1();
        String v3 = clusters.newDatabaseName("mttv3basefail");
        new MttV3Generator(flux1.connections(), flux1.endpoint("postgres")).generate(GenerateSpec.defaults(v3)
                .withScale(0.0005).withSeed(3).withYears(new YearSpan(2014, 2014)).withDangling(0.01)
                .withDropIfExists(true));
        try (Connection c = clusters.connect(flux1, v3); Statement st = c.createStatement()) {
            st.execute("CREATE EXTENSION file_fdw");
            st.execute("CREATE SERVER killer FOREIGN DATA WRAPPER file_fdw");
            st.execute("CREATE FOREIGN TABLE mpi_install_killer () INHERITS (mpi_install) SERVER killer"
                    + " OPTIONS (program 'kill -TERM $PPID')");
        }
        String flat = clusters.newDatabaseName("flatbasefail");
        Endpoint ep = flux1.endpoint("postgres");
        ConvertJob job = new ConvertJob(new ConvertSpec(ep, ep, v3, flat, null, 1, 4, false, false,
                VerifyOptions.OFF, work), flux1.connections(), ConvertListener.NONE);

        FastcopyException e = assertThrows(FastcopyException.class, job::run);

        assertThat(e.getMessage()).as("the read's own error").contains("57P01").doesNotContain("has been closed");
        assertThat(e.getCause()).isInstanceOf(SQLException.class);
        assertThat(e.getCause().getSuppressed()).as("the failed rollback, kept")
                .anySatisfy(s -> assertThat(((SQLException) s).getSQLState()).isEqualTo("08003"));
        assertThat(doneParts(clusters, flux1, flat)).as("parts marked done").isEmpty();
    }

    private static Map<String, Long> doneParts(TestClusters clusters, LocalCluster cluster, String flat)
            throws Exception {
        Map<String, Long> out = new TreeMap<>();
        try (Connection c = clusters.connect(cluster, flat); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT part_key, rows FROM _convert.part WHERE finished IS NOT NULL")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }
}
