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
    private static final byte[] APPLICATION_NAME = "application_name\0".getBytes(StandardCharsets.US_ASCII);
    /** The startup message comes within the first few client chunks (after an SSLRequest, if any). */
    private static final int STARTUP_CHUNKS = 3;

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
            }
        }
    }

    /** The value after "application_name\0" in a startup message, or null. */
    static String applicationName(byte[] buf, int n) {
        outer:
        for (int i = 8; i + APPLICATION_NAME.length <= n; i++) {
            for (int j = 0; j < APPLICATION_NAME.length; j++) {
                if (buf[i + j] != APPLICATION_NAME[j]) {
                    continue outer;
                }
            }
            int start = i + APPLICATION_NAME.length;
            int end = start;
            while (end < n && buf[end] != 0) {
                end++;
            }
            return end < n ? new String(buf, start, end - start, StandardCharsets.UTF_8) : null;
        }
        return null;
    }
}
