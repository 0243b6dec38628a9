package org.fastcopy.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopyReport;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.follow.FollowJob;
import org.fastcopy.follow.FollowSpec;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.FollowMetrics;
import org.fastcopy.metrics.MicrometerCopyMetrics;
import org.fastcopy.metrics.PrometheusEndpoint;
import org.fastcopy.util.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code fastcopy ... --follow}: the copy command's options, run as a {@link FollowJob}. SIGUSR1
 * asks the follower to cut over, as {@code fastcopy cutover} does through the target.
 */
final class FollowRun {
    private static final Logger log = LoggerFactory.getLogger(FollowRun.class);

    private final FollowSpec spec;
    private final MetricsOptions metrics;

    FollowRun(CopySpec copy, boolean insertOnly, boolean keepSlot, String slotName, MetricsOptions metrics) {
        this.spec = new FollowSpec(copy, slotName, insertOnly, keepSlot, Duration.ofSeconds(10));
        this.metrics = metrics;
    }

    int run(PrintWriter out) {
        AtomicBoolean cutover = new AtomicBoolean();
        onSigusr1(() -> cutover.set(true));
        PrometheusMeterRegistry registry = !metrics.enabled() ? null : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        FollowJob.Result result;
        try (PrometheusEndpoint endpoint = registry == null ? null : metrics.start(registry)) {
            result = new FollowJob(spec, Connections.fromSystem(), CopyJob.Listener.NONE, FollowJob.Listener.NONE,
                    registry == null ? CopyMetrics.Factory.NONE : MicrometerCopyMetrics.factory(registry),
                    registry == null ? FollowMetrics.NONE : FollowMetrics.micrometer(registry, spec.database()),
                    cutover::get, out).run();
        }
        for (CopyReport r : result.copy()) {
            r.summaryLines().forEach(out::println);
            Json.writeFile(spec.copy().workDir().resolve("report-" + r.database() + ".json"), r.toJson());
        }
        out.flush();
        return 0;
    }

    /** SIGUSR1 where the JVM lets a program handle it (HotSpot on Linux does); else only `fastcopy cutover`. */
    @SuppressWarnings("restriction")
    private static void onSigusr1(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("USR1"), sig -> action.run());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.warn("SIGUSR1 cannot be handled here ({}); use fastcopy cutover", e.getMessage());
        }
    }
}
