package org.fastcopy.netdelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The delaying proxy that stands in for a network: bytes arrive intact and in order both ways, each
 * direction pays the delay, reading never waits for it, and nothing is relayed off the machine.
 */
class DelayProxyTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @Test
    void relaysEveryByteInOrderBothWaysAndPassesTheEndOfStreamOn() throws Exception {
        byte[] sent = new byte[8 << 20];
        new Random(7).nextBytes(sent);
        try (ServerSocket echo = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DelayProxy proxy = DelayProxy.start(ANY_LOOPBACK_PORT, local(echo), Duration.ofMillis(1))) {
            CompletableFuture<Void> echoing = CompletableFuture.runAsync(() -> echoOnce(echo));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> readAll(client));
                OutputStream out = client.getOutputStream();
                // Uneven chunks, so order across chunk boundaries is what is checked.
                Random sizes = new Random(11);
                for (int at = 0; at < sent.length; ) {
                    int n = Math.min(sent.length - at, 1 + sizes.nextInt(100_000));
                    out.write(sent, at, n);
                    at += n;
                }
                client.shutdownOutput();
                // The echo side ends its stream only after ours reached it through the proxy.
                assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(sent);
            }
            echoing.get(60, TimeUnit.SECONDS);
            assertThat(proxy.connections()).isEqualTo(1);
        }
    }

    @Test
    void aRequestAndItsAnswerTakeAtLeastTwiceTheDelay() throws Exception {
        Duration delay = Duration.ofMillis(40);
        try (ServerSocket echo = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DelayProxy proxy = DelayProxy.start(ANY_LOOPBACK_PORT, local(echo), delay)) {
            CompletableFuture.runAsync(() -> echoOnce(echo));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                InputStream in = client.getInputStream();
                for (int i = 0; i < 3; i++) {
                    long start = System.nanoTime();
                    client.getOutputStream().write(i);
                    assertThat(in.read()).isEqualTo(i);
                    // A lower bound only: a loaded machine can make it longer, never shorter.
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(delay.multipliedBy(2));
                }
            }
        }
    }

    @Test
    void countsATurnPerAnswerWaitedForAndTalliesItUnderTheStartupApplicationName() throws Exception {
        CompletableFuture<String> idle = new CompletableFuture<>();
        try (ServerSocket echo = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DelayProxy proxy = DelayProxy.start(ANY_LOOPBACK_PORT, local(echo), Duration.ofMillis(1),
                     turns -> idle.complete(turns.summary()))) {
            CompletableFuture<Void> echoing = CompletableFuture.runAsync(() -> echoOnce(echo));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                InputStream in = client.getInputStream();
                OutputStream out = client.getOutputStream();
                // A startup-shaped message first: length, protocol 3.0, then name/value pairs.
                byte[] startup = "\0\0\0\0\0\3\0\0user\0u\0application_name\0fastcopy-pre-data\0\0"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                out.write(startup);
                assertThat(in.readNBytes(startup.length)).isEqualTo(startup);
                for (int i = 0; i < 3; i++) {
                    out.write(i);
                    assertThat(in.read()).isEqualTo(i);
                }
                // Three requests sent together, then their answers read: one turn, not three.
                out.write(new byte[]{7, 8, 9});
                assertThat(in.readNBytes(3)).containsExactly(7, 8, 9);
                assertThat(proxy.turns()).isEqualTo(5);
                client.shutdownOutput();
                assertThat(in.read()).isEqualTo(-1);
            }
            echoing.get(60, TimeUnit.SECONDS);
            // Once the connection is closed, the proxy is idle and says so with the running totals.
            assertThat(idle.get(60, TimeUnit.SECONDS))
                    .isEqualTo("5 turns over 1 closed connections (fastcopy-pre-data 5)");
        }
    }

    @Test
    void findsTheApplicationNameInAStartupMessageOrASetAndNowhereElse() {
        byte[] startup = "\0\0\0\0\0\3\0\0application_name\0psql\0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(Turns.applicationName(startup, startup.length)).isEqualTo("psql");
        byte[] query = "Q\0\0\0\5x".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(Turns.applicationName(query, query.length)).isNull();
        byte[] set = "Q\0\0\0\0SET application_name = 'fastcopy-post-data'\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(Turns.applicationName(set, set.length)).isEqualTo("fastcopy-post-data");
    }

    @Test
    @Timeout(120) // a proxy that waited out each delay before reading on would hang here, not fail
    void keepsReadingWhileEarlierChunksWaitSoTheDelayDoesNotCapThroughput() throws Exception {
        // With a delay far longer than the test, a sender can hand over many socket buffers' worth
        // only if the proxy reads on while nothing has been delivered yet.
        try (ServerSocket sink = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DelayProxy proxy = DelayProxy.start(ANY_LOOPBACK_PORT, local(sink), Duration.ofSeconds(60))) {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> accept(sink));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                client.getOutputStream().write(new byte[16 << 20]);
                Socket far = accepted.get(60, TimeUnit.SECONDS);
                try (far) {
                    assertThat(far.getInputStream().available()).isZero();
                }
            }
        }
    }

    @Test
    void refusesToRelayToOrListenOnAnAddressOffThisMachine() {
        InetSocketAddress offMachine = new InetSocketAddress("192.0.2.1", 5432);
        assertThatThrownBy(() -> DelayProxy.start(ANY_LOOPBACK_PORT, offMachine, Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("target 192.0.2.1 is not a loopback address: the delay proxy relays only on this machine");
        assertThatThrownBy(() -> DelayProxy.start(new InetSocketAddress("0.0.0.0", 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 5432), Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("listen address 0.0.0.0 is not a loopback address");
    }

    private static InetSocketAddress local(ServerSocket s) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
    }

    private static Socket accept(ServerSocket s) {
        try {
            return s.accept();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void echoOnce(ServerSocket server) {
        try (Socket s = server.accept()) {
            s.getInputStream().transferTo(s.getOutputStream());
            s.shutdownOutput();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readAll(Socket s) {
        try {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            s.getInputStream().transferTo(all);
            return all.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
