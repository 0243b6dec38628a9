package org.fastcopy.copy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjLongConsumer;

/**
 * Numbered, logged steps with their wall time: the log reads like the runbook, and the summary
 * lists the time of each phase. One owner (the orchestrator's thread).
 */
final class PhaseClock {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");

    private final String prefix;
    /** Told each finished step and its nanos, on the owner's thread (the copy's phase timers). */
    private final ObjLongConsumer<String> onFinish;
    private final Map<String, Long> millis = new LinkedHashMap<>();
    private int step;
    private String current;
    private long startedNanos;

    PhaseClock(String prefix, ObjLongConsumer<String> onFinish) {
        this.prefix = prefix;
        this.onFinish = onFinish;
    }

    void start(String phase, String detail) {
        finish();
        step++;
        current = phase;
        startedNanos = System.nanoTime();
        log.info("{}{}. {}{}", prefix, step, phase, detail.isEmpty() ? "" : ": " + detail);
    }

    void finish() {
        if (current != null) {
            long nanos = System.nanoTime() - startedNanos;
            long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
            millis.merge(current, ms, Long::sum);
            log.info("{}{}. {} done in {}", prefix, step, current, seconds(ms));
            String done = current;
            current = null;
            onFinish.accept(done, nanos);
        }
    }

    Map<String, Long> millis() {
        return Map.copyOf(millis);
    }

    Map<String, Long> orderedMillis() {
        return new LinkedHashMap<>(millis);
    }

    static String seconds(long ms) {
        return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
