package org.fastcopy.metrics;

import org.fastcopy.FastcopyException;
import org.fastcopy.cli.FastcopyCommand;
import org.fastcopy.cli.Main;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** --metrics-port as a user runs it: off by default, the port held only for the run, a busy port refused. */
@ExtendWith(ClusterExtension.class)
class MetricsCommandTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "metrics-command-work");

    MetricsCommandTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    private static String conninfo(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=postgres passfile=" + c.passfile();
    }

    private static ServerSocket loopbackSocket() throws Exception {
        return new ServerSocket(0, 1, InetAddress.getByName(PrometheusEndpoint.DEFAULT_BIND));
    }

    private String smallDatabase() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "metricscli");
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id int PRIMARY KEY)");
            st.execute("INSERT INTO t SELECT generate_series(1, 100)");
        }
        return src.database();
    }

    private boolean existsOnTarget(String db) throws Exception {
        try (Connection c = clusters.connect(clusters.flux2(), "postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + db + "'")) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    @Test
    void helpShowsTheMetricsOptionsOffByDefaultOnLoopback() {
        String help = new CommandLine(new FastcopyCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);

        assertThat(help).containsPattern("--metrics-port=PORT\\s+Serve Prometheus metrics")
                .containsPattern("(?s)--metrics-port=PORT.*?Default: 0")
                .containsPattern("(?s)--metrics-bind=ADDRESS.*?Default: 127\\.0\\.0\\.1");
    }

    @Test
    void theEndpointIsClosedWhenTheCopyEnds() throws Exception {
        String db = smallDatabase();
        int port;
        try (ServerSocket probe = loopbackSocket()) {
            port = probe.getLocalPort();
        }

        int code = Main.run("--src", conninfo(clusters.flux1()), "--dst", conninfo(clusters.flux2()), "--db", db,
                "--jobs", "1", "--workdir", work.toString(), "--metrics-port", Integer.toString(port));

        assertThat(code).isZero();
        assertThat(existsOnTarget(db)).isTrue();
        Scrape.assertRefused(port);
    }

    @Test
    void aMetricsPortInUseStopsTheRunBeforeItTouchesTheTarget() throws Exception {
        String db = smallDatabase();
        try (ServerSocket taken = loopbackSocket()) {
            int code = Main.run("--src", conninfo(clusters.flux1()), "--dst", conninfo(clusters.flux2()), "--db", db,
                    "--workdir", work.toString(), "--metrics-port", Integer.toString(taken.getLocalPort()));

            assertThat(code).isEqualTo(FastcopyException.USAGE);
        }
        assertThat(existsOnTarget(db)).isFalse();
    }
}
