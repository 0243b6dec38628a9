package org.fastcopy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The follower's meters ({@link MetricNames#FOLLOW_LAG_BYTES}, {@link MetricNames#FOLLOW_LAG_SECONDS},
 * {@link MetricNames#FOLLOW_APPLIED_TRANSACTIONS}), tagged with the database. The follower's loop
 * only sets numbers here; gauges read them when scraped.
 */
public interface FollowMetrics {
    FollowMetrics NONE = new FollowMetrics() {
        @Override
        public void lag(long bytes, double seconds) {
        }

        @Override
        public void applied(long transactions) {
        }
    };

    /** The lag as last measured. */
    void lag(long bytes, double seconds);

    /** {@code transactions} more source transactions committed on the target. */
    void applied(long transactions);

    static FollowMetrics micrometer(MeterRegistry registry, String db) {
        Tags tags = Tags.of(MetricNames.TAG_DB, db);
        AtomicLong bytes = new AtomicLong();
        // seconds as microseconds in a long: a gauge reads it without a lock
        AtomicLong micros = new AtomicLong();
        Gauge.builder(MetricNames.FOLLOW_LAG_BYTES, bytes, AtomicLong::get).tags(tags)
                .description("WAL bytes the target is behind the source").strongReference(true).register(registry);
        Gauge.builder(MetricNames.FOLLOW_LAG_SECONDS, micros, m -> m.get() / 1e6).tags(tags)
                .description("Seconds since the source committed the oldest change not yet on the target")
                .strongReference(true).register(registry);
        Counter applied = Counter.builder(MetricNames.FOLLOW_APPLIED_TRANSACTIONS).tags(tags)
                .description("Source transactions applied on the target").register(registry);
        return new FollowMetrics() {
            @Override
            public void lag(long b, double seconds) {
                bytes.set(b);
                micros.set((long) (seconds * 1e6));
            }

            @Override
            public void applied(long transactions) {
                applied.increment(transactions);
            }
        };
    }
}
