package org.fastcopy.cluster;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The throwaway cluster behind the test fixture and {@code fastcopy demo}: it comes up on a
 * loopback port of its own choosing, demands its password, stops, comes back with its data, and
 * clears away a server that a killed owner left running.
 *
 * <p>Clusters live under target/, not in a JUnit @TempDir: those are 0700 and owned by us, and
 * when we are root the server runs as the postgres OS user, which could not reach its data there.
 */
class LocalClusterTest {
    private static final Path BASE = Path.of("target", "cluster-test-" + ProcessHandle.current().pid());
    /**
     * The tests share one data directory so that initdb runs once: each test starts it, and
     * start() creates the cluster when it is missing, so no test depends on another having run.
     */
    private static final String SHARED = "shared";

    private final List<LocalCluster> started = new ArrayList<>();

    private LocalCluster start(String name) {
        LocalCluster c = LocalCluster.start(name, BASE);
        started.add(c);
        return c;
    }

    @AfterEach
    void stopClusters() {
        started.forEach(LocalCluster::stop);
    }

    @AfterAll
    static void removeClusters() throws IOException {
        LocalCluster.deleteRecursively(BASE);
    }

    private static Connection connect(LocalCluster c) {
        return c.connections().open(c.endpoint("postgres"), "cluster-test");
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from %s", sql).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void aDurableStartWaitsForWalFlushesAndTheNextPlainStartIsFastAgain() throws SQLException {
        LocalCluster durable = LocalCluster.startDetached(SHARED, BASE, true);
        started.add(durable);
        try (Connection conn = connect(durable)) {
            assertThat(query(conn, "SHOW fsync")).isEqualTo("on");
            assertThat(query(conn, "SHOW synchronous_commit")).isEqualTo("on");
            assertThat(query(conn, "SHOW full_page_writes")).isEqualTo("on");
            assertThat(query(conn, "SHOW wal_level")).isEqualTo("replica");
        }
        durable.stop();

        LocalCluster plain = start(SHARED);
        try (Connection conn = connect(plain)) {
            assertThat(query(conn, "SHOW fsync")).isEqualTo("off");
            assertThat(query(conn, "SHOW synchronous_commit")).isEqualTo("off");
            assertThat(query(conn, "SHOW wal_level")).isEqualTo("minimal");
        }
    }

    @Test
    void aStartedClusterServesTheSuperuserOnTheLoopbackPortItPicked() throws SQLException {
        LocalCluster c = start(SHARED);

        assertThat(c.port()).isPositive();
        try (Connection conn = connect(c)) {
            assertThat(query(conn, "SELECT host(inet_server_addr())")).isEqualTo("127.0.0.1");
            assertThat(query(conn, "SELECT inet_server_port()")).isEqualTo(Integer.toString(c.port()));
            assertThat(query(conn, "SELECT current_user")).isEqualTo(LocalCluster.SUPERUSER);
            assertThat(query(conn, "SHOW server_version_num")).startsWith("15");
        }
    }

    @Test
    void theSuperuserLogsInOnlyWithThePasswordFromItsPrivatePasswordFile() throws IOException {
        LocalCluster c = start(SHARED);
        Endpoint withoutPassfile = new Endpoint(c.name(), "127.0.0.1", c.port(), LocalCluster.SUPERUSER, "postgres",
                null, Map.of());

        FastcopyException e = catchThrowableOfType(FastcopyException.class,
                () -> new Connections(Map.of()).open(withoutPassfile, "cluster-test").close());

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("the server asks for a password");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(c.passfile()))).isEqualTo("rw-------");
        assertThat(c.environment()).containsEntry("PGPASSFILE", c.passfile().toString())
                .doesNotContainKeys("PGPASSWORD", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE");
    }

    @Test
    void afterStopTheServerRefusesConnectionsAndASecondStopIsHarmless() {
        LocalCluster c = start(SHARED);
        Endpoint ep = c.endpoint("postgres");

        c.stop();

        FastcopyException e = catchThrowableOfType(FastcopyException.class,
                () -> c.connections().open(ep, "cluster-test").close());
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).endsWith(": connection refused");
        assertThat(e.exitCode()).isEqualTo(FastcopyException.CONNECTION);
        c.stop();
    }

    @Test
    void startingAgainOnTheSameDirectoryKeepsTheDataAndThePassword() throws SQLException {
        LocalCluster first = start(SHARED);
        try (Connection conn = connect(first); Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE kept AS SELECT g AS id FROM generate_series(1, 42) g");
        }
        first.stop();

        LocalCluster second = start(SHARED);

        assertThat(second.dataDir()).isEqualTo(first.dataDir());
        try (Connection conn = connect(second)) {
            assertThat(query(conn, "SELECT count(*) FROM kept")).isEqualTo("42");
        }
    }

    @Test
    void aServerLeftRunningByAKilledOwnerIsStoppedAndTheNewStartComesUp() throws SQLException {
        LocalCluster killedOwner = start(SHARED);
        try (Connection toStale = connect(killedOwner)) {
            try (Statement st = toStale.createStatement()) {
                st.execute("CREATE TABLE survivor (id int)");
            }

            // the owner never called stop(): a new owner starts on the same directory
            LocalCluster next = start(SHARED);

            Throwable onStale = catchThrowableOfType(SQLException.class, () -> query(toStale, "SELECT 1"));
            assertThat(onStale).as("a session on the stale server ends when that server is stopped").isNotNull();
            try (Connection conn = connect(next)) {
                assertThat(query(conn, "SELECT count(*) FROM survivor")).isEqualTo("0");
                assertThat(query(conn, "SELECT inet_server_port()")).isEqualTo(Integer.toString(next.port()));
            }
        }
    }

    @Test
    void destroyStopsTheServerAndRemovesItsDirectory() {
        LocalCluster c = start("destroyed");
        Endpoint ep = c.endpoint("postgres");

        c.destroy();

        assertThat(c.dataDir().getParent()).doesNotExist();
        assertThat(catchThrowableOfType(FastcopyException.class, () -> new Connections(Map.of()).open(ep, "x").close()))
                .hasMessageEndingWith(": connection refused");
    }
}
