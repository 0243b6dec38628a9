package org.fastcopy.observe;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Shows a job's progress line while it runs: on a terminal redrawn in place on stderr every
 * second, otherwise (a log file, a service) logged every {@value #LOG_SECONDS} seconds. The
 * job's workers only add to counters; the line is built on this renderer's own thread, so a
 * reader's hot loop never waits on rendering. Closing it stops the thread and shows the last line.
 */
public final class ProgressRenderer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");
    static final int LOG_SECONDS = 5;

    private final String label;
    private final Supplier<String> line;
    private final boolean terminal = onTerminal();
    private final ScheduledExecutorService timer;

    private ProgressRenderer(String label, String threadName, Supplier<String> line) {
        this.label = label;
        this.line = line;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        long period = terminal ? 1 : LOG_SECONDS;
        timer.scheduleAtFixedRate(this::render, period, period, TimeUnit.SECONDS);
    }

    /**
     * Starts showing {@code line}; the log lines read "{@code label} line".
     *
     * @param line built on the renderer's thread: must only read what the workers count
     */
    public static ProgressRenderer start(String label, String threadName, Supplier<String> line) {
        return new ProgressRenderer(label, threadName, line);
    }

    /** Whether progress goes to a terminal (redrawn in place) rather than to the log. */
    public static boolean onTerminal() {
        return System.console() != null;
    }

    private void render() {
        if (terminal) {
            System.err.print("\r" + line.get());
            System.err.flush();
        } else {
            log.info("{} {}", label, line.get());
        }
    }

    /** Stops the renderer and shows the final line (on a terminal, ending it). */
    @Override
    public void close() {
        timer.shutdownNow();
        if (terminal) {
            System.err.println("\r" + line.get());
        } else {
            log.info("{} {}", label, line.get());
        }
    }
}
