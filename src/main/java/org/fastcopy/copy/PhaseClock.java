package org.fastcopy.copy;

import org.fastcopy.report.RunRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjLongConsumer;

/**
 * Numbered, logged steps with their wall time: the log reads like the runbook ("STEP 3 schema
 * dump: ..." when a step starts, "STEP 3 schema dump done in 1.2 s" when it ends), and the summary
 * lists the time of each step under the same name; the run's HTML report ({@link RunRecorder})
 * draws them under the same names. One owner (the orchestrator's thread).
 */
final class PhaseClock {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");

    private final String prefix;
    /** Whose steps these are in the HTML report: "copy DB". */
    private final String scope;
    private RunRecorder.Step recorded = RunRecorder.Step.NONE;
    /** Told each finished step and its nanos, on the owner's thread (the copy's phase timers). */
    private final ObjLongConsumer<CopyStep> onFinish;
    private final Map<String, Long> millis = new LinkedHashMap<>();
    private CopyStep current;
    private long startedNanos;

    PhaseClock(String prefix, ObjLongConsumer<CopyStep> onFinish) {
        this(prefix, prefix.trim(), onFinish);
    }

    PhaseClock(String prefix, String scope, ObjLongConsumer<CopyStep> onFinish) {
        this.prefix = prefix;
        this.scope = scope;
        this.onFinish = onFinish;
    }

    /** Ends the running step, if any, and starts this one. */
    void start(CopyStep step, String detail) {
        finish();
        current = step;
        startedNanos = System.nanoTime();
        recorded = RunRecorder.current().stepStarted(scope, step.toString());
        log.info("{}{}{}", prefix, step, detail.isEmpty() ? "" : ": " + detail);
    }

    /** Ends the running step, if any, and logs that this one has nothing to do in this run. */
    void skip(CopyStep step, String why) {
        finish();
        RunRecorder.current().stepSkipped(scope, step.toString(), why);
        log.info("{}{} skipped: {}", prefix, step, why);
    }

    void finish() {
        if (current != null) {
            long nanos = System.nanoTime() - startedNanos;
            long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
            millis.merge(current.label(), ms, Long::sum);
            recorded.done();
            recorded = RunRecorder.Step.NONE;
            log.info("{}{} done in {}", prefix, current, seconds(ms));
            CopyStep done = current;
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
