package org.fastcopy.cli;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.endpoint.EndpointResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fastcopy cluster start/status/stop} on two real clusters: what the command writes lets a
 * libpq client reach each cluster by name, with each cluster's own password, and a stop takes the
 * cluster out of both files.
 *
 * <p>The work directory is under target/, not a JUnit @TempDir: when we are root the servers run as
 * the postgres OS user, who could not reach a 0700 directory of ours.
 */
class ClusterCommandTest {
    private static final Path DIR = Path.of("target", "cluster-command-test-" + ProcessHandle.current().pid())
            .toAbsolutePath();

    @AfterAll
    static void stopAndRemove() throws IOException {
        CliRun.of("cluster", "stop", "--workdir", DIR.toString());
        if (!Files.exists(DIR)) {
            return;
        }
        try (var walk = Files.walk(DIR)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** What psql would do with PGSERVICEFILE and PGPASSFILE set: resolve the service, connect, ask. */
    private static String queryAsPsqlWould(String service, String sql) throws SQLException {
        Map<String, String> env = Map.of(
                "PGSERVICEFILE", DIR.resolve("pg_service.conf").toString(),
                "PGPASSFILE", DIR.resolve("pgpass").toString());
        Endpoint ep = new EndpointResolver(env, null, List.of()).resolve(service);
        try (Connection c = new Connections(env).open(ep, "cluster-command-test");
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void startedClustersAreReachableByNameThroughTheWrittenFilesUntilStopped() throws Exception {
        CliRun start = CliRun.of("cluster", "start", "--workdir", DIR.toString(), "one", "two");

        assertThat(start.exitCode()).as(start.err()).isZero();
        assertThat(start.out()).contains("PGSERVICEFILE=" + DIR.resolve("pg_service.conf"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(DIR.resolve("pgpass"))))
                .isEqualTo("rw-------");
        assertThat(Files.readAllLines(DIR.resolve("pgpass"))).hasSize(2);
        String portOne = queryAsPsqlWould("one", "SELECT inet_server_port()");
        String portTwo = queryAsPsqlWould("two", "SELECT inet_server_port()");
        assertThat(portOne).isNotEqualTo(portTwo);
        assertThat(queryAsPsqlWould("two", "SELECT current_user")).isEqualTo(LocalCluster.SUPERUSER);
        assertThat(CliRun.of("cluster", "status", "--workdir", DIR.toString()).out())
                .containsPattern("one +running +127\\.0\\.0\\.1:" + portOne)
                .containsPattern("two +running +127\\.0\\.0\\.1:" + portTwo);

        CliRun stopTwo = CliRun.of("cluster", "stop", "--workdir", DIR.toString(), "two");

        assertThat(stopTwo.exitCode()).as(stopTwo.err()).isZero();
        assertThat(Files.readString(DIR.resolve("pg_service.conf"))).contains("[one]").doesNotContain("[two]");
        assertThat(Files.readAllLines(DIR.resolve("pgpass"))).hasSize(1);
        assertThat(queryAsPsqlWould("one", "SELECT inet_server_port()")).isEqualTo(portOne);
        assertThat(CliRun.of("cluster", "status", "--workdir", DIR.toString()).out())
                .containsPattern("two +stopped");

        CliRun stopAll = CliRun.of("cluster", "stop", "--workdir", DIR.toString());

        assertThat(stopAll.exitCode()).as(stopAll.err()).isZero();
        assertThat(stopAll.out()).contains("one stopped", "two was not running");
        assertThat(Files.readString(DIR.resolve("pg_service.conf"))).doesNotContain("[one]");
        assertThat(Files.readString(DIR.resolve("pgpass"))).isEmpty();
        assertThat(ClusterCommand.runningPort(DIR, "one")).isEmpty();
    }

    @Test
    void stoppingAClusterThatDoesNotExistIsAUsageError() {
        CliRun run = CliRun.of("cluster", "stop", "--workdir", DIR.toString(), "nosuch");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("no cluster 'nosuch' under " + DIR);
    }
}
