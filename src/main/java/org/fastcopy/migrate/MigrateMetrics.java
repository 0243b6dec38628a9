package org.fastcopy.migrate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The migration's meters, beside the copy meters of phases 1 and 3 (same registry, same prefix).
 * Prometheus shows them as {@code fastcopy_migrate_phase} (the phase running now, 0 between
 * phases), {@code fastcopy_migrate_phases_done}, {@code fastcopy_migrate_phase_duration_seconds}
 * and {@code fastcopy_migrate_phase_failures_total}, the last two tagged {@code phase}.
 */
final class MigrateMetrics {
    static final String PHASE = "fastcopy.migrate.phase";
    static final String PHASES_DONE = "fastcopy.migrate.phases.done";
    static final String PHASE_DURATION = "fastcopy.migrate.phase.duration";
    static final String PHASE_FAILURES = "fastcopy.migrate.phase.failures";
    static final String TAG_PHASE = "phase";

    private final MeterRegistry registry;
    private final AtomicInteger current = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();

    MigrateMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge(PHASE, current);
        registry.gauge(PHASES_DONE, done);
        // Every phase's failure counter exists from the start at 0, so that a dashboard or an alert
        // on increase(...) sees a series before the first failure rather than no data.
        for (Phase p : Phase.values()) {
            failures(p);
        }
    }

    private Counter failures(Phase p) {
        return Counter.builder(PHASE_FAILURES).tag(TAG_PHASE, p.slug).register(registry);
    }

    void started(Phase p) {
        current.set(p.number);
    }

    void finished(Phase p, long nanos) {
        Timer.builder(PHASE_DURATION).tag(TAG_PHASE, p.slug).register(registry).record(nanos, TimeUnit.NANOSECONDS);
        done.incrementAndGet();
        current.set(0);
    }

    void alreadyDone() {
        done.incrementAndGet();
    }

    void failed(Phase p) {
        failures(p).increment();
        current.set(0);
    }
}
