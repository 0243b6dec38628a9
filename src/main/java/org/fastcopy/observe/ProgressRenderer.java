package org.fastcopy.observe;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Shows a job's progress line while it runs, as the process's {@link Terminal} allows: on a
 * terminal redrawn in place on stderr every second, otherwise (a log file, a pipe, a service,
 * JSON logs) logged as one plain line every {@link Terminal#interval()}. The job's workers only
 * add to counters; the line is built on this renderer's own thread, so a reader's hot loop never
 * waits on rendering. Closing it stops the thread and shows the last line.
 */
public final class ProgressRenderer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");
    /** ESC [ K: erase from the cursor to the end of the line, so a shorter line leaves no tail. */
    static final String ERASE_TO_END = "\u001b[K";

    private final String label;
    private final Supplier<String> line;
    private final Terminal terminal;
    private final PrintStream err;
    private final ScheduledExecutorService timer;
    /** Length of the last line drawn, to blank its tail when escape sequences are off. */
    private int drawn;

    ProgressRenderer(String label, String threadName, Supplier<String> line, Terminal terminal, PrintStream err) {
        this.label = label;
        this.line = line;
        this.terminal = terminal;
        this.err = err;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    private ProgressRenderer scheduled() {
        long periodMillis = terminal.redraw() ? 1000 : terminal.interval().toMillis();
        timer.scheduleAtFixedRate(this::render, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Starts showing {@code line}; the log lines read "{@code label} line".
     *
     * @param line built on the renderer's thread: must only read what the workers count
     */
    public static ProgressRenderer start(String label, String threadName, Supplier<String> line) {
        return new ProgressRenderer(label, threadName, line, Terminal.current(), System.err).scheduled();
    }

    /**
     * Whether progress is redrawn on a terminal rather than logged: a line may then carry a bar
     * and stay short, a logged one says it all in plain words.
     */
    public static boolean onTerminal() {
        return Terminal.current().redraw();
    }

    /** One tick of the timer (the tests call it directly). */
    synchronized void render() {
        show(false);
    }

    private synchronized void show(boolean last) {
        String text = line.get();
        if (!terminal.redraw()) {
            log.info("{} {}", label, text);
            return;
        }
        String tail = terminal.ansi() ? ERASE_TO_END : " ".repeat(Math.max(0, drawn - text.length()));
        err.print("\r" + text + tail + (last ? System.lineSeparator() : ""));
        err.flush();
        drawn = text.length();
    }

    /** Stops the renderer and shows the final line (on a terminal, ending it). */
    @Override
    public void close() {
        timer.shutdownNow();
        show(true);
    }
}
