package org.fastcopy.convert;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The conversion's meters, under the copy's prefix ({@code fastcopy.convert.*}) and with its
 * {@code db} tag (here the flat database). Prometheus renders {@code fastcopy.convert.rows} as
 * {@code fastcopy_convert_rows_total}. Tagged by table and reference kind, never by range: ranges
 * change from run to run and every tag value stays a series.
 */
final class ConvertMeters {
    static final String PREFIX = "fastcopy.convert.";
    /** Counter: rows committed. Tags: db, table. */
    static final String ROWS = PREFIX + "rows";
    /** Counter: test_run rows streamed so far, before their range commits; its rate is the live rows/s. Tag: db. */
    static final String ROWS_STREAMED = PREFIX + "rows.streamed";
    /** Gauge: test_run ranges this process converts. Tag: db. */
    static final String RANGES_PLANNED = PREFIX + "ranges.planned";
    /** Counter: test_run ranges committed. Tag: db. */
    static final String RANGES_DONE = PREFIX + "ranges.done";
    /** Timer: one record per committed range. Tag: db. */
    static final String RANGE_DURATION = PREFIX + "range.duration";
    /** Counter: references with no match, set to 0. Tags: db, reference. */
    static final String DANGLING = PREFIX + "dangling";
    /** Gauge: bytes of the in-memory old-to-new id maps. Tag: db. */
    static final String IDMAP_BYTES = PREFIX + "idmap.bytes";
    /** Gauge: problems the last verify found (0: flat matches v3). Tag: db. */
    static final String VERIFY_PROBLEMS = PREFIX + "verify.problems";

    /** Gauge: WAL bytes between v3's current position and what flat holds, while following. Tag: db. */
    static final String FOLLOW_LAG_BYTES = PREFIX + "follow.lag.bytes";
    /** Gauge: seconds since v3 committed the oldest transaction received but not yet in flat (0 caught up). Tag: db. */
    static final String FOLLOW_LAG_SECONDS = PREFIX + "follow.lag.seconds";
    /** Counter: v3 transactions committed into flat while following (skipped ones not counted). Tag: db. */
    static final String FOLLOW_TRANSACTIONS = PREFIX + "follow.transactions";
    /**
     * Counter: batches that waited for v3 to show one of their transactions to other sessions (a
     * commit in the change stream but not yet visible, e.g. waiting for a synchronous standby). Tag: db.
     */
    static final String FOLLOW_VISIBILITY_WAITS = PREFIX + "follow.visibility.waits";

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter streamed;
    private final AtomicLong planned = new AtomicLong();
    private final AtomicLong mapBytes = new AtomicLong();
    private final AtomicLong problems = new AtomicLong();

    ConvertMeters(MeterRegistry registry, String flatDatabase) {
        // No registry: an empty composite, which records nothing.
        this.registry = registry == null ? new CompositeMeterRegistry() : registry;
        this.tags = Tags.of("db", flatDatabase);
        this.streamed = this.registry.counter(ROWS_STREAMED, tags);
        this.registry.gauge(RANGES_PLANNED, tags, planned);
        this.registry.gauge(IDMAP_BYTES, tags, mapBytes);
        this.registry.gauge(VERIFY_PROBLEMS, tags, problems);
    }

    void planned(int ranges) {
        planned.set(ranges);
    }

    void streamed(long rows) {
        streamed.increment(rows);
    }

    void committed(String table, long rows, Dangling dangling) {
        registry.counter(ROWS, tags.and("table", table)).increment(rows);
        dangling.asMap().forEach((k, v) -> registry.counter(DANGLING, tags.and("reference", k)).increment(v));
    }

    void rangeDone(long nanos) {
        registry.counter(RANGES_DONE, tags).increment();
        registry.timer(RANGE_DURATION, tags).record(Duration.ofNanos(nanos));
    }

    void idMaps(long bytes) {
        mapBytes.set(bytes);
    }

    /** Registers the follower's meters (a plain conversion does not show them). */
    void following(java.util.function.LongSupplier lagBytes, java.util.function.DoubleSupplier lagSeconds) {
        io.micrometer.core.instrument.Gauge.builder(FOLLOW_LAG_BYTES, lagBytes::getAsLong).tags(tags)
                .description("WAL bytes between v3's current position and flat's follow position")
                .strongReference(true).register(registry);
        io.micrometer.core.instrument.Gauge.builder(FOLLOW_LAG_SECONDS, lagSeconds::getAsDouble).tags(tags)
                .description("Seconds since v3 committed the oldest transaction not yet in flat")
                .strongReference(true).register(registry);
    }

    void visibilityWait() {
        registry.counter(FOLLOW_VISIBILITY_WAITS, tags).increment();
    }

    void followed(long transactions) {
        registry.counter(FOLLOW_TRANSACTIONS, tags).increment(transactions);
    }

    void verified(int problemCount) {
        problems.set(problemCount);
    }
}
