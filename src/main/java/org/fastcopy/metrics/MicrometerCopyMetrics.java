package org.fastcopy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.fastcopy.data.CopyResult;
import org.fastcopy.schema.DdlReport;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.fastcopy.metrics.MetricNames.*;

/**
 * {@link CopyMetrics} on a Micrometer registry: the meters of {@link MetricNames}, tagged with the
 * database. Meters on a per-call path are built up front and held in fields; the rest (phases,
 * schema item types) are looked up when they happen, a few times per run.
 *
 * <p>Table tags and cardinality: an MTT database has thousands of weekly inheritance children, and
 * each tag value is a series Prometheus keeps for its whole retention, so a tag per table would
 * cost thousands of series per meter for tables holding a few kB each. Bytes sit in few tables
 * ({@code test_run} and its largest children), so only the {@link #TAGGED_TABLES} largest tables of
 * the plan get a table tag of their own; every other table adds into {@link MetricNames#OTHER_TABLES}.
 * The set is fixed from the plan before any unit starts, so a table never changes series mid-run,
 * and summing over the table tag always gives the database's total. Meters about the pipeline
 * rather than a table (streamed bytes, units, ring waits) carry no table tag at all.
 */
public final class MicrometerCopyMetrics implements CopyMetrics {
    /** Tables with a table tag of their own, largest planned bytes first. */
    public static final int TAGGED_TABLES = 20;

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter streamed;
    private final Counter unitsDone;
    private final Counter unitsRetried;
    private final Timer ringFull;
    // Gauges read these; the meters hold them strongly, so a scrape after the run still sees them.
    private final AtomicInteger unitsPlanned = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mismatches = new AtomicInteger();
    /** Written once by {@link #planned} before the data phase starts; read by the workers. */
    private volatile Map<String, TableMeters> tables = Map.of();

    private MicrometerCopyMetrics(MeterRegistry registry, String db) {
        this.registry = registry;
        this.tags = Tags.of(TAG_DB, db);
        this.streamed = Counter.builder(BYTES_STREAMED).tags(tags)
                .description("Bytes read from the source, committed or not, retried attempts included").register(registry);
        this.unitsDone = Counter.builder(UNITS_DONE).tags(tags).description("Units committed").register(registry);
        this.unitsRetried = Counter.builder(UNITS_RETRIED).tags(tags)
                .description("Unit attempts retried after a broken connection").register(registry);
        this.ringFull = Timer.builder(RING_FULL).tags(tags)
                .description("Time readers waited for a free ring slot (the target set the pace), per unit").register(registry);
        gauge(UNITS_PLANNED, unitsPlanned, "Units this run copies");
        gauge(UNITS_IN_FLIGHT, inFlight, "Units being copied now");
        gauge(VERIFY_MISMATCHES, mismatches, "Tables the last verify found differing");
    }

    /**
     * Trackers on {@code registry}, one per database; asking twice for the same database gives the
     * same tracker, since the registry would hand the second one the first one's gauges anyway.
     */
    public static CopyMetrics.Factory factory(MeterRegistry registry) {
        Map<String, CopyMetrics> byDb = new ConcurrentHashMap<>();
        return db -> byDb.computeIfAbsent(db, d -> new MicrometerCopyMetrics(registry, d));
    }

    private void gauge(String name, AtomicInteger value, String description) {
        Gauge.builder(name, value, AtomicInteger::get).tags(tags).description(description).strongReference(true)
                .register(registry);
    }

    @Override
    public void phaseDone(String phase, long nanos) {
        Timer.builder(PHASE_DURATION).tags(tags).tag(TAG_PHASE, phase).description("Wall time of each runbook step")
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void planned(int units, Map<String, Long> bytesByTable) {
        unitsPlanned.set(units);
        Map<String, TableMeters> largest = new HashMap<>();
        bytesByTable.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .limit(TAGGED_TABLES)
                .forEach(e -> largest.put(e.getKey(), new TableMeters(e.getKey())));
        if (bytesByTable.size() > TAGGED_TABLES) {
            largest.put(OTHER_TABLES, new TableMeters(OTHER_TABLES));
        }
        tables = Map.copyOf(largest);
    }

    @Override
    public void bytesStreamed(long bytes) {
        streamed.increment(bytes);
    }

    @Override
    public void unitStarted() {
        inFlight.incrementAndGet();
    }

    @Override
    public void unitRetried() {
        inFlight.decrementAndGet();
        unitsRetried.increment();
    }

    @Override
    public void unitDone(String table, CopyResult result) {
        inFlight.decrementAndGet();
        unitsDone.increment();
        ringFull.record(result.ringFullNanos(), TimeUnit.NANOSECONDS);
        TableMeters t = tables.get(table);
        if (t == null) {
            t = tables.get(OTHER_TABLES);
        }
        if (t == null) {
            // Not in the plan given to planned(): only an embedding program that skipped it gets here.
            t = new TableMeters(OTHER_TABLES);
        }
        t.bytes.increment(result.bytes());
        t.rows.increment(result.rows());
        t.duration.record(result.nanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void schemaDone(DdlReport report) {
        report.byType().forEach((type, stats) -> Counter.builder(SCHEMA_ITEMS).tags(tags)
                .tag(TAG_SECTION, report.phase()).tag(TAG_TYPE, type).description("Schema items committed on the target")
                .register(registry).increment(stats.count()));
    }

    @Override
    public void verified(int mismatchedTables) {
        mismatches.set(mismatchedTables);
    }

    /** The meters of one table tag. */
    private final class TableMeters {
        final Counter bytes;
        final Counter rows;
        final Timer duration;

        TableMeters(String table) {
            Tags t = tags.and(TAG_TABLE, table);
            bytes = Counter.builder(BYTES_COPIED).tags(t).description("Bytes of committed units").register(registry);
            rows = Counter.builder(ROWS_COPIED).tags(t).description("Rows of committed units").register(registry);
            duration = Timer.builder(UNIT_DURATION).tags(t).description("Copy time of each committed unit").register(registry);
        }
    }
}
