package org.fastcopy.metrics;

/**
 * Names and tags of a copy's meters: all under one prefix, words separated by dots as Micrometer
 * expects. The Prometheus registry renders them in snake case, counters with {@code _total} and
 * timers in seconds ({@code fastcopy.rows.copied} becomes {@code fastcopy_rows_copied_total},
 * {@code fastcopy.phase.duration} becomes {@code fastcopy_phase_duration_seconds_count/_sum/_max}).
 * Dashboards and alerts depend on these names, so a rename needs the README changed too.
 *
 * <p>Every meter has a {@link #TAG_DB} tag. No meter is tagged by unit or by chunk: units come and go
 * by the thousand, and every tag value stays in Prometheus as a separate series.
 */
public final class MetricNames {
    public static final String PREFIX = "fastcopy.";

    /** Counter: bytes of committed units, as on the wire. Tags: db, table. */
    public static final String BYTES_COPIED = PREFIX + "bytes.copied";
    /** Counter: rows of committed units. Tags: db, table. */
    public static final String ROWS_COPIED = PREFIX + "rows.copied";
    /**
     * Counter: bytes read from the source as they stream, before their unit commits, including
     * attempts later retried. Tag: db. Its rate is the live throughput, even while one unit of hours
     * is in flight; {@link #BYTES_COPIED} moves only when a unit commits.
     */
    public static final String BYTES_STREAMED = PREFIX + "bytes.streamed";
    /** Gauge: units this run copies (units a resumed run found done are not counted). Tag: db. */
    public static final String UNITS_PLANNED = PREFIX + "units.planned";
    /** Counter: units committed. Tag: db. */
    public static final String UNITS_DONE = PREFIX + "units.done";
    /** Counter: unit attempts that failed on a broken connection and were retried. Tag: db. */
    public static final String UNITS_RETRIED = PREFIX + "units.retried";
    /** Gauge: units being copied now. Tag: db. */
    public static final String UNITS_IN_FLIGHT = PREFIX + "units.in.flight";
    /** Timer: one record per committed unit, its copy time. Tags: db, table. */
    public static final String UNIT_DURATION = PREFIX + "unit.duration";
    /** Timer: one record per committed unit, the time its reader waited for a free ring slot. Tag: db. */
    public static final String RING_FULL = PREFIX + "ring.full";
    /** Timer: one record per finished runbook step. Tags: db, phase. */
    public static final String PHASE_DURATION = PREFIX + "phase.duration";
    /** Counter: schema items committed on the target. Tags: db, section (pre-data, post-data), type. */
    public static final String SCHEMA_ITEMS = PREFIX + "schema.items";
    /** Gauge: tables the last verify found differing (0 after a clean verify). Tag: db. */
    public static final String VERIFY_MISMATCHES = PREFIX + "verify.mismatches";

    /** Gauge: WAL bytes between the source's current position and what the target has applied. Tag: db. */
    public static final String FOLLOW_LAG_BYTES = PREFIX + "follow.lag.bytes";
    /** Gauge: seconds since the source committed the oldest change not yet on the target (0 when caught up). Tag: db. */
    public static final String FOLLOW_LAG_SECONDS = PREFIX + "follow.lag.seconds";
    /** Counter: source transactions applied on the target (skipped duplicates not counted). Tag: db. */
    public static final String FOLLOW_APPLIED_TRANSACTIONS = PREFIX + "follow.applied.transactions";

    public static final String TAG_DB = "db";
    /** schema.table, unquoted, for the largest tables only; see {@link #OTHER_TABLES}. */
    public static final String TAG_TABLE = "table";
    /** A runbook step as the log names it: snapshot, plan, schema dump, pre-data, data, post-data, ... */
    public static final String TAG_PHASE = "phase";
    public static final String TAG_SECTION = "section";
    /** pg_dump's item type: INDEX, CONSTRAINT, FK CONSTRAINT, RULE, TRIGGER, ... */
    public static final String TAG_TYPE = "type";
    /** The table tag shared by every table outside the largest few. */
    public static final String OTHER_TABLES = "_other";

    private MetricNames() {
    }
}
