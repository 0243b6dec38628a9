package org.fastcopy.generate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fastcopy.util.ByteSize;

/**
 * What a generate run made, for the user and for tests and benchmarks.
 *
 * @param spec               what was asked for
 * @param rows               rows per table in creation order; dimension tables count their sentinel,
 *                           result tables the rows of all their weekly children (not the parent's sentinel)
 * @param partitions         weekly children over the three result tables
 * @param danglingReferences references to a missing result row, per referencing column
 *                           ("test_run.test_build_id" ...)
 * @param databaseBytes      pg_database_size after the run
 * @param tableBytes         the biggest tables, largest first, with indexes and TOAST; a result
 *                           table includes all its weekly children
 * @param steps              time per step, in order
 * @param elapsed            the whole run
 */
public record GenerateReport(GenerateSpec spec, Map<String, Long> rows, int partitions,
                             Map<String, Long> danglingReferences, long databaseBytes, Map<String, Long> tableBytes,
                             Map<String, Duration> steps, Duration elapsed) {

    public GenerateReport {
        // Copies that keep the order: the report lists tables in creation order, sizes largest first.
        rows = Collections.unmodifiableMap(new LinkedHashMap<>(rows));
        danglingReferences = Collections.unmodifiableMap(new LinkedHashMap<>(danglingReferences));
        tableBytes = Collections.unmodifiableMap(new LinkedHashMap<>(tableBytes));
        steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
    }

    /** Rows of one table (see {@link #rows()}); 0 for an unknown table. */
    public long rows(String table) {
        return rows.getOrDefault(table, 0L);
    }

    /** Rows over all tables. */
    public long totalRows() {
        return rows.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The human-readable summary the command prints. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "generated %s: scale %s, seed %d, years %s, %d weekly partitions, in %s",
                spec.database(), spec.scale(), spec.seed(), spec.years(), partitions, format(elapsed)));
        out.add(String.format(Locale.ROOT, "database size %s", ByteSize.format(databaseBytes)));
        out.add("rows:");
        rows.forEach((table, n) -> out.add(String.format(Locale.ROOT, "  %-28s %,14d", table, n)));
        out.add("biggest tables (with indexes and TOAST; result tables with their children):");
        tableBytes.forEach((table, bytes) -> out.add(String.format(Locale.ROOT, "  %-28s %14s", table,
                ByteSize.format(bytes))));
        out.add("dangling references:");
        danglingReferences.forEach((ref, n) -> out.add(String.format(Locale.ROOT, "  %-28s %,14d", ref, n)));
        out.add("steps:");
        steps.forEach((step, d) -> out.add(String.format(Locale.ROOT, "  %-28s %14s", step, format(d))));
        return out;
    }

    private static String format(Duration d) {
        return String.format(Locale.ROOT, "%d.%01ds", d.toSeconds(), d.toMillisPart() / 100);
    }
}
