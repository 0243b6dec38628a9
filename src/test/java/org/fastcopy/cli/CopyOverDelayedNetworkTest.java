package org.fastcopy.cli;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.netdelay.DelayProxy;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A copy whose every connection, to either server, crosses the delaying proxy: the tool makes no
 * assumption that a round trip is free, and `fastcopy delay-proxy` refuses bad input in one line.
 */
@ExtendWith(ClusterExtension.class)
class CopyOverDelayedNetworkTest {
    private final TestClusters clusters;

    CopyOverDelayedNetworkTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @Test
    void aCopyThroughDelayingProxiesToBothServersIsExact() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "slownet");
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE parent (id int PRIMARY KEY, day date, v text)");
            for (int i = 0; i < 6; i++) {
                st.execute("CREATE TABLE \"child " + i + "\" (CHECK (id % 6 = " + i + ")) INHERITS (parent)");
                st.execute("INSERT INTO \"child " + i + "\" SELECT g, date '2020-01-01' + g, repeat('x', g % 50) "
                        + "FROM generate_series(1, 3000) g WHERE g % 6 = " + i);
            }
            st.execute("CREATE INDEX ON parent (day)");
        }
        Path work = Files.createDirectories(Path.of("target", "slownet-work"));
        InetSocketAddress anyPort = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (DelayProxy toSource = DelayProxy.start(anyPort, address(clusters.flux1()), Duration.ofMillis(1));
             DelayProxy toTarget = DelayProxy.start(anyPort, address(clusters.flux2()), Duration.ofMillis(1))) {
            // the STEP lines, as the log has them
            Logger steps = (Logger) LoggerFactory.getLogger("fastcopy");
            ListAppender<ILoggingEvent> logged = new ListAppender<>();
            logged.start();
            steps.addAppender(logged);
            CliRun copy;
            try {
                copy = CliRun.of("--src", through(toSource, clusters.flux1(), work), "--dst",
                        through(toTarget, clusters.flux2(), work), "--db", src.database(), "--jobs", "2",
                        "--verify", "checksums", "--workdir", work.toString());
            } finally {
                steps.detachAppender(logged);
            }

            assertThat(copy.exitCode()).as(copy.err()).isZero();
            assertThat(copy.out()).contains("verify (checksums): 7 tables, 3,000 rows, all equal");
            // a round trip of at least 2 ms (1 ms each way): twice --jobs post-data sessions
            assertThat(logged.list).map(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m -> m.matches(".*STEP 6 .* indexes on 4 connections \\(a [0-9.]+ ms round trip to the target\\)"));
            // Every connection went through the proxies: the servers' own ports were never named.
            assertThat(toSource.connections()).isPositive();
            assertThat(toTarget.connections()).isPositive();
        }
    }

    @Test
    void theProxyCommandRefusesATargetOffThisMachineAndADelayWithoutAUnitInOneLine() {
        CliRun off = CliRun.of("delay-proxy", "--to", "192.0.2.1:5432");
        assertThat(off.exitCode()).isEqualTo(2);
        assertThat(off.errLines()).containsExactly(
                "fastcopy: delay-proxy: target 192.0.2.1 is not a loopback address: the delay proxy relays only on this machine");

        CliRun unitless = CliRun.of("delay-proxy", "--to", "127.0.0.1:5432", "--delay", "5");
        assertThat(unitless.exitCode()).isEqualTo(2);
        assertThat(unitless.errLines()).containsExactly("fastcopy: --delay 5: give a unit, as in 500us, 1ms or 0.01s");
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
