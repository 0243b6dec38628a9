package org.fastcopy.netdelay;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A TCP proxy that holds every chunk for a fixed delay in each direction, in order, without
 * limiting throughput: a stand-in for a network with a round trip of twice the delay, on machines
 * whose kernel has no netem.
 *
 * <p>Each accepted connection gets a connection to the target and two {@link DelayedPipe}s. A pipe
 * stamps each chunk with its arrival time and writes it no earlier than arrival + delay, so a
 * request/response pair pays the delay twice while a stream of chunks pays it once: the round trip
 * grows, the bandwidth does not shrink (bytes in flight are bounded only by
 * {@link DelayedPipe#MAX_IN_FLIGHT}, far above delay x loopback bandwidth for the delays we use).
 *
 * <p>Both the listening address and the target must be loopback addresses: the proxy is a test
 * and benchmark tool and must never relay traffic off the machine.
 */
public final class DelayProxy implements Closeable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Duration delay;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private final Turns turns;
    private final Thread acceptor;
    private volatile boolean closed;

    private DelayProxy(ServerSocket server, InetSocketAddress target, Duration delay, Consumer<Turns> onIdle) {
        this.turns = new Turns(onIdle);
        this.server = server;
        this.target = target;
        this.delay = delay;
        this.acceptor = new Thread(this::acceptLoop, "delay-proxy-accept-" + server.getLocalPort());
        this.acceptor.setDaemon(true);
    }

    /**
     * Starts a proxy listening on {@code listen} (port 0 picks a free port) that forwards to
     * {@code target}, each chunk held {@code delay} in each direction.
     */
    public static DelayProxy start(InetSocketAddress listen, InetSocketAddress target, Duration delay) throws IOException {
        return start(listen, target, delay, t -> { });
    }

    /**
     * As {@link #start(InetSocketAddress, InetSocketAddress, Duration)}, calling {@code onIdle}
     * (on a relay thread) each time the last open connection closes: between two runs of a tool,
     * so that a caller can report each run's turns from the running totals.
     */
    public static DelayProxy start(InetSocketAddress listen, InetSocketAddress target, Duration delay,
                                   Consumer<Turns> onIdle) throws IOException {
        requireLoopback("listen address", listen);
        requireLoopback("target", target);
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        try {
            server.bind(listen, 128);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        DelayProxy proxy = new DelayProxy(server, target, delay, onIdle);
        proxy.acceptor.start();
        return proxy;
    }

    private static void requireLoopback(String what, InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException(what + " " + address.getHostString() + " does not resolve");
        }
        if (!ip.isLoopbackAddress()) {
            throw new IllegalArgumentException(what + " " + ip.getHostAddress()
                    + " is not a loopback address: the delay proxy relays only on this machine");
        }
    }

    /** The port the proxy listens on (the chosen one when started on port 0). */
    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    public Duration delay() {
        return delay;
    }

    /** Connections accepted so far. */
    public long connections() {
        return connections.get();
    }

    /** Round trips so far (see {@link Turns}). */
    public long turns() {
        return turns.total();
    }

    /** The round-trip tally, with its split by application_name. */
    public Turns turnCounter() {
        return turns;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            connections.incrementAndGet();
            relay(client);
        }
    }

    private void relay(Socket client) {
        Socket upstream = new Socket();
        try {
            // Nagle would add its own delay on top of ours and make the round trip depend on chunk
            // sizes; the point is a fixed, known delay.
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(target, 10_000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        sockets.add(client);
        sockets.add(upstream);
        String name = "delay-proxy-" + client.getPort();
        Turns.Conversation conversation = turns.open();
        Runnable closeBoth = () -> {
            conversation.end();
            closeQuietly(client);
            closeQuietly(upstream);
            sockets.remove(client);
            sockets.remove(upstream);
        };
        // The sockets are released once both directions have passed their end of stream on.
        AtomicInteger ended = new AtomicInteger();
        Runnable directionEnded = () -> {
            if (ended.incrementAndGet() == 2) {
                closeBoth.run();
            }
        };
        try {
            DelayedPipe.start(name + "-up", client, upstream, delay, closeBoth, directionEnded, conversation::fromClient);
            DelayedPipe.start(name + "-down", upstream, client, delay, closeBoth, directionEnded, conversation::fromServer);
        } catch (UncheckedIOException e) {
            closeBoth.run();
        }
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a socket that failed: nothing left to release
        }
    }

    /** Stops listening and cuts every relayed connection. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "DelayProxy[" + address() + " -> " + target + ", " + delay.toNanos() / 1e6 + " ms each way, "
                + connections.get() + " connections, " + turns.total() + " turns]";
    }
}
