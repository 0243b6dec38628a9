package org.fastcopy.netdelay;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Counts round trips ("turns") through the proxy: client bytes followed by server bytes on one
 * connection. A request the client waits for counts once, however many chunks it and its answer
 * take; requests sent together (a pipeline, a multi-statement query) count once per answer waited
 * for. That is what a delay multiplies: over a network, a copy's time is about its loopback time
 * plus turns x round trip / connections running at once.
 *
 * <p>Each connection's turns are also tallied under the application_name of its startup message
 * (PostgreSQL's protocol sends it in clear before any authentication; "?" when absent or under
 * TLS), which says which phase of a tool paid them.
 */
public final class Turns {
    private static final byte[] APPLICATION_NAME = "application_name".getBytes(StandardCharsets.US_ASCII);
    /**
     * The name comes within the first few client chunks: in the startup message (after an
     * SSLRequest, if any), or, from PgJDBC, in a SET soon after authentication.
     */
    private static final int STARTUP_CHUNKS = 8;

    private final AtomicLong total = new AtomicLong();
    private final AtomicLong open = new AtomicLong();
    private final AtomicLong closed = new AtomicLong();
    private final Map<String, LongAdder> byApplication = new ConcurrentHashMap<>();
    private final Consumer<Turns> onIdle;

    Turns(Consumer<Turns> onIdle) {
        this.onIdle = onIdle;
    }

    /** Turns so far, over every connection, open or closed. */
    public long total() {
        return total.get();
    }

    /** Turns of closed connections by application_name, sorted by name. */
    public Map<String, Long> byApplication() {
        Map<String, Long> out = new TreeMap<>();
        byApplication.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Connections closed so far. */
    public long closedConnections() {
        return closed.get();
    }

    /**
     * Waits until no relayed connection is open (a client's close reaches the proxy a moment
     * after the client returns), so that {@link #byApplication()} holds every connection.
     *
     * @return false if connections were still open after the timeout
     */
    public synchronized boolean awaitIdle(java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (open.get() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** One line: the total and the split by application, largest first. */
    public String summary() {
        StringBuilder sb = new StringBuilder().append(total()).append(" turns over ").append(closed.get())
                .append(" closed connections");
        String split = byApplication().entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .map(e -> e.getKey() + " " + e.getValue())
                .reduce((a, b) -> a + ", " + b).orElse("");
        return split.isEmpty() ? sb.toString() : sb.append(" (").append(split).append(")").toString();
    }

    Conversation open() {
        open.incrementAndGet();
        return new Conversation();
    }

    /** One relayed connection's tally; its two reader threads call in as bytes arrive. */
    final class Conversation {
        private final AtomicBoolean clientSpoke = new AtomicBoolean();
        private final AtomicBoolean ended = new AtomicBoolean();
        private final AtomicLong turns = new AtomicLong();
        private volatile String application = "?";
        private int clientChunks;

        void fromClient(byte[] buf, int n) {
            if (clientChunks < STARTUP_CHUNKS) {
                clientChunks++;
                String name = applicationName(buf, n);
                if (name != null) {
                    application = name;
                }
            }
            clientSpoke.set(true);
        }

        void fromServer(byte[] buf, int n) {
            if (clientSpoke.compareAndSet(true, false)) {
                turns.incrementAndGet();
                total.incrementAndGet();
            }
        }

        /** Folds this connection into the tally by application; the first call only counts. */
        void end() {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            byApplication.computeIfAbsent(application, k -> new LongAdder()).add(turns.get());
            closed.incrementAndGet();
            if (open.decrementAndGet() == 0) {
                onIdle.accept(Turns.this);
                synchronized (Turns.this) {
                    Turns.this.notifyAll();
                }
            }
        }
    }

    /**
     * The value of application_name in a startup message ({@code application_name\0VALUE\0}) or
     * in a SET ({@code application_name = 'VALUE'}, {@code application_name TO 'VALUE'}), or null.
     */
    static String applicationName(byte[] buf, int n) {
        outer:
        for (int i = 0; i + APPLICATION_NAME.length < n; i++) {
            for (int j = 0; j < APPLICATION_NAME.length; j++) {
                if (buf[i + j] != APPLICATION_NAME[j]) {
                    continue outer;
                }
            }
            int at = i + APPLICATION_NAME.length;
            byte end;
            if (buf[at] == 0) {
                at++;
                end = 0;
            } else {
                while (at < n && buf[at] != '\'' && buf[at] != 0 && buf[at] != ';') {
                    at++;
                }
                if (at == n || buf[at] != '\'') {
                    continue;
                }
                at++;
                end = '\'';
            }
            int stop = at;
            while (stop < n && buf[stop] != end) {
                stop++;
            }
            if (stop < n && stop > at) {
                return new String(buf, at, stop - at, StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
