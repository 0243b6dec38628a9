package org.fastcopy.cli;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.netdelay.DelayProxy;
import org.fastcopy.netdelay.Turns;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over a network every round trip costs the same whatever it carries, so a copy must not pay one
 * per small schema object: the round trips (turns, counted by the proxy both servers are reached
 * through) of a schema with twice the tables grow far less than its number of DDL items.
 *
 * <p>The proxies hold nothing (delay 0): only the count matters here, never a time.
 */
@ExtendWith(ClusterExtension.class)
class RoundTripsPerObjectTest {
    /** Tables of the smaller schema; -Dfastcopy.turns.tables=N to measure at other sizes. */
    private static final int TABLES = Integer.getInteger("fastcopy.turns.tables", 40);
    /** DDL items per table: table, primary key, index, two comments, a grant. */
    private static final int ITEMS_PER_TABLE = 6;

    private final TestClusters clusters;

    RoundTripsPerObjectTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @Test
    void twiceTheSmallTablesCostFarFewerRoundTripsThanTheirAddedDdlItems() throws Exception {
        Map<String, Long> small = copyThroughProxies(TABLES);
        Map<String, Long> large = copyThroughProxies(2 * TABLES);
        long addedItems = (long) ITEMS_PER_TABLE * TABLES;
        String report = "turns with " + TABLES + " tables " + small + ", with " + 2 * TABLES + " tables " + large;
        System.out.println(report);

        long ddl = ddlTurns(large) - ddlTurns(small);
        assertThat((double) ddl / addedItems).as(report).isLessThan(0.2);
        long all = large.get("total") - small.get("total");
        assertThat((double) all / addedItems).as(report).isLessThan(1.0);
    }

    private static long ddlTurns(Map<String, Long> turns) {
        return turns.getOrDefault("fastcopy-pre-data", 0L) + turns.getOrDefault("fastcopy-post-data", 0L);
    }

    /** Copies a fresh schema of {@code tables} small tables; its turns by application, and "total". */
    private Map<String, Long> copyThroughProxies(int tables) throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "turns");
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            StringBuilder ddl = new StringBuilder();
            for (int i = 0; i < tables; i++) {
                String t = "\"item " + i + "\"";
                ddl.append("CREATE TABLE ").append(t).append(" (id int PRIMARY KEY, day date, v text);")
                        .append("CREATE INDEX ON ").append(t).append(" (day);")
                        .append("COMMENT ON TABLE ").append(t).append(" IS 'table ").append(i).append("';")
                        .append("COMMENT ON COLUMN ").append(t).append(".v IS 'a value';")
                        .append("GRANT SELECT ON ").append(t).append(" TO PUBLIC;")
                        .append("INSERT INTO ").append(t).append(" SELECT g, date '2020-01-01' + g, 'x' FROM generate_series(1, 3) g;");
            }
            st.execute(ddl.toString());
        }
        Path work = Files.createDirectories(Path.of("target", "turns-work", src.database()));
        InetSocketAddress anyPort = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (DelayProxy toSource = DelayProxy.start(anyPort, address(clusters.flux1()), Duration.ZERO);
             DelayProxy toTarget = DelayProxy.start(anyPort, address(clusters.flux2()), Duration.ZERO)) {
            CliRun copy = CliRun.of("--src", through(toSource, clusters.flux1(), work), "--dst",
                    through(toTarget, clusters.flux2(), work), "--db", src.database(), "--jobs", "2",
                    "--workdir", work.toString());
            assertThat(copy.exitCode()).as(copy.err()).isZero();
            Map<String, Long> turns = new java.util.TreeMap<>();
            for (Turns t : List.of(toSource.turnCounter(), toTarget.turnCounter())) {
                assertThat(t.awaitIdle(Duration.ofSeconds(30))).as("every connection closed").isTrue();
                t.byApplication().forEach((k, v) -> turns.merge(k, v, Long::sum));
            }
            turns.put("total", toSource.turns() + toTarget.turns());
            return turns;
        }
    }

    private static InetSocketAddress address(LocalCluster c) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), c.port());
    }

    /** A conninfo for the proxy's port, with a password file whose line names that port. */
    private static String through(DelayProxy proxy, LocalCluster c, Path work) throws Exception {
        String line = Files.readAllLines(c.passfile()).get(0);
        String[] f = line.split(":", 5);
        Path passfile = work.resolve("pgpass-" + proxy.port());
        Files.deleteIfExists(passfile);
        Files.createFile(passfile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(passfile, List.of(f[0] + ":" + proxy.port() + ":" + f[2] + ":" + f[3] + ":" + f[4]));
        return "host=127.0.0.1 port=" + proxy.port() + " user=" + LocalCluster.SUPERUSER + " passfile=" + passfile;
    }
}
