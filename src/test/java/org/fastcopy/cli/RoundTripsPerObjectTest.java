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
 * <p>Only the count is asserted, never a time. The proxies hold each chunk 1 ms each way all the
 * same: batches form from what is ready when a session asks for work, and on a network with no
 * delay the post-data sessions keep pace with the tables as they load and find one at a time.
 */
@ExtendWith(ClusterExtension.class)
class RoundTripsPerObjectTest {
    /** Tables of the smaller schema; -Dfastcopy.turns.tables=N to measure at other sizes. */
    private static final int TABLES = Integer.getInteger("fastcopy.turns.tables", 40);
    /** DDL items per table: table, primary key, index, two comments, a grant, a trigger. */
    private static final int ITEMS_PER_TABLE = 7;

    private static final Duration DELAY = Duration.ofMillis(1);

    private final TestClusters clusters;

    RoundTripsPerObjectTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @Test
    void twiceTheSmallTablesCostFarFewerRoundTripsThanTheirAddedDdlItemsAndAFixedFewPerTableForData() throws Exception {
        Map<String, Long> small = copyThroughProxies(TABLES);
        Map<String, Long> large = copyThroughProxies(2 * TABLES);
        long addedItems = (long) ITEMS_PER_TABLE * TABLES;
        String report = "turns with " + TABLES + " tables " + small + ", with " + 2 * TABLES + " tables " + large;
        System.out.println(report);

        long ddl = ddlTurns(large) - ddlTurns(small);
        assertThat((double) ddl / addedItems).as(report).isLessThan(0.2);
        // The data phase's fixed cost per table: the source's COPY (1), the target's TRUNCATE (1),
        // COPY (2: it waits for the server to accept the copy, then for its count), the ledger
        // mark with the COMMIT (1) and ANALYZE (1, after the commit for the statistics' sake).
        long data = dataTurns(large) - dataTurns(small);
        assertThat((double) data / TABLES).as(report).isLessThanOrEqualTo(6.5);
        // Verify counts small tables many to a query: far less than a query per table and side.
        long verify = large.getOrDefault("fastcopy-verify", 0L) - small.getOrDefault("fastcopy-verify", 0L);
        assertThat((double) verify / TABLES).as(report).isLessThan(0.5);
    }

    private static long dataTurns(Map<String, Long> turns) {
        return turns.entrySet().stream().filter(e -> e.getKey().startsWith("fastcopy-copy-")).mapToLong(Map.Entry::getValue).sum();
    }

    private static long ddlTurns(Map<String, Long> turns) {
        return turns.getOrDefault("fastcopy-pre-data", 0L) + turns.getOrDefault("fastcopy-post-data", 0L);
    }

    /** Copies a fresh schema of {@code tables} small tables; its turns by application, and "total". */
    private Map<String, Long> copyThroughProxies(int tables) throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "turns");
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            StringBuilder ddl = new StringBuilder("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
                    + "'BEGIN RETURN NEW; END';");
            for (int i = 0; i < tables; i++) {
                String t = "\"item " + i + "\"";
                ddl.append("CREATE TABLE ").append(t).append(" (id int PRIMARY KEY, day date, v text);")
                        .append("CREATE INDEX ON ").append(t).append(" (day);")
                        .append("COMMENT ON TABLE ").append(t).append(" IS 'table ").append(i).append("';")
                        .append("COMMENT ON COLUMN ").append(t).append(".v IS 'a value';")
                        .append("GRANT SELECT ON ").append(t).append(" TO PUBLIC;")
                        .append("CREATE TRIGGER touch BEFORE UPDATE ON ").append(t)
                        .append(" FOR EACH ROW EXECUTE FUNCTION touch();")
                        .append("INSERT INTO ").append(t).append(" SELECT g, date '2020-01-01' + g, 'x' FROM generate_series(1, 3) g;");
            }
            st.execute(ddl.toString());
        }
        Path work = Files.createDirectories(Path.of("target", "turns-work", src.database()));
        InetSocketAddress anyPort = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (DelayProxy toSource = DelayProxy.start(anyPort, address(clusters.flux1()), DELAY);
             DelayProxy toTarget = DelayProxy.start(anyPort, address(clusters.flux2()), DELAY)) {
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
