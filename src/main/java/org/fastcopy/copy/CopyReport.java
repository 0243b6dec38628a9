package org.fastcopy.copy;

import org.fastcopy.data.BinaryIo;
import org.fastcopy.data.CopyFormat;
import org.fastcopy.data.EncodingErrors;
import org.fastcopy.plan.CopyPlan;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.util.ByteSize;
import org.fastcopy.verify.Verifier;
import org.fastcopy.verify.VerifyMode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one database's copy did: the summary table printed at the end and the JSON report.
 *
 * @param phaseMillis wall time of each step, in order
 * @param perTable    rows, bytes and copy nanos per table, largest first
 * @param encodingErrors the --encoding-errors policy when rows were checked, else null
 * @param invalidRows rows per table that were not valid UTF-8 and that policy replaced or skipped
 */
public record CopyReport(String database, String source, String target, CopyPlan plan, long rows, long bytes,
                         long retries, int sequences, Verifier.Result verify, VerifyMode verifyMode,
                         Map<String, Long> phaseMillis, boolean resumed, Map<String, long[]> perTable,
                         EncodingErrors encodingErrors, Map<String, Long> invalidRows) {

    public CopyReport(String database, String source, String target, CopyPlan plan, long rows, long bytes,
                      long retries, int sequences, Verifier.Result verify, VerifyMode verifyMode,
                      Map<String, Long> phaseMillis, boolean resumed, Map<String, long[]> perTable) {
        this(database, source, target, plan, rows, bytes, retries, sequences, verify, verifyMode, phaseMillis, resumed,
                perTable, null, Map.of());
    }

    static CopyReport dryRun(String database, CopyPlan plan) {
        return new CopyReport(database, "", "", plan, 0, 0, 0, 0, null, VerifyMode.NONE, Map.of(), false, Map.of());
    }

    /** "replaced" or "left out", as the policy treated invalid rows. */
    static String treatment(EncodingErrors policy) {
        return policy == EncodingErrors.SKIP ? "left out" : "replaced invalid bytes by U+FFFD in";
    }

    public boolean isDryRun() {
        return phaseMillis.isEmpty();
    }

    public long totalMillis() {
        return phaseMillis.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The plan, as --dry-run prints it: order, units, sizes. */
    public List<String> planLines() {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "plan for %s: %d tables, %d units, %d tables in chunks, %s",
                database, plan.tables().size(), plan.units().size(), plan.chunkedTables(), ByteSize.format(plan.totalBytes())));
        out.add("  COPY format: " + plan.servers().describe() + " (" + plan.binaryTables() + " tables binary, "
                + (plan.tables().size() - plan.binaryTables()) + " text)");
        plan.textOnlyTables().forEach(t -> out.add("  COPY format text for " + t.displayName() + ": "
                + switch (t.binaryIo()) {
                    case NONE -> "a column type has no binary send/receive functions, or holds oids (reg* types)";
                    case NESTED_USER_TYPES -> "a user type inside an array or composite (binary carries its oid, which"
                            + " a server before 14 refuses)";
                    default -> "a column type is not built in, or its binary format may differ between the versions";
                }));
        out.add(String.format(Locale.ROOT, "  %5s  %-60s %12s %6s", "order", "unit", "size", "format"));
        int i = 0;
        for (PlannedUnit u : plan.units()) {
            i++;
            if (i > 40 && i < plan.units().size() - 5) {
                if (i == 41) {
                    out.add(String.format(Locale.ROOT, "  %5s  ... %d more units ...", "", plan.units().size() - 45));
                }
                continue;
            }
            out.add(String.format(Locale.ROOT, "  %5d  %-60s %12s %6s", i, u.unit().label(), ByteSize.format(u.estimatedBytes()),
                    u.format().option()));
        }
        return out;
    }

    /** The summary table: phases, then the largest tables. */
    public List<String> summaryLines() {
        List<String> out = new ArrayList<>();
        double secs = totalMillis() / 1000.0;
        out.add(String.format(Locale.ROOT, "%s: %,d rows, %s in %d tables copied from %s to %s in %.1f s (%s/s)%s",
                database, rows, ByteSize.format(bytes), plan.tables().size(), source, target, secs,
                ByteSize.format((long) (bytes / Math.max(0.001, secs))), resumed ? " (resumed)" : ""));
        out.add("  phase                      time");
        phaseMillis.forEach((k, v) -> out.add(String.format(Locale.ROOT, "  %-22s %8.1f s", k, v / 1000.0)));
        out.add(String.format(Locale.ROOT, "  %-42s %14s %12s %10s", "largest tables", "rows", "bytes", "MB/s"));
        perTable.entrySet().stream().limit(10).forEach(e -> {
            long[] v = e.getValue();
            double mbs = v[2] == 0 ? 0 : (v[1] / 1048576.0) / (v[2] / 1e9);
            out.add(String.format(Locale.ROOT, "  %-42s %,14d %12s %10.1f", e.getKey(), v[0], ByteSize.format(v[1]), mbs));
        });
        if (encodingErrors != null) {
            long total = invalidRows.values().stream().mapToLong(Long::longValue).sum();
            out.add(String.format(Locale.ROOT, "  rows not valid UTF8 (--encoding-errors %s): %,d", encodingErrors.name().toLowerCase(Locale.ROOT), total));
            invalidRows.forEach((t, n) -> out.add(String.format(Locale.ROOT, "    %s: %s %,d rows", t, treatment(encodingErrors), n)));
        }
        if (verify != null && verifyMode != VerifyMode.NONE) {
            out.add(String.format(Locale.ROOT, "  verify (%s): %d tables, %,d rows, %s", verifyMode.name().toLowerCase(Locale.ROOT),
                    verify.tablesCompared(), verify.rowsCompared(), verify.ok() ? "all equal" : verify.mismatches().size() + " differ"));
            verify.explained().forEach(e -> out.add("    differs on purpose: " + e));
        }
        if (retries > 0) {
            out.add("  retried units: " + retries);
        }
        return out;
    }

    /** The JSON report (report-DATABASE.json); keys as {@link org.fastcopy.util.Json} says. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("database", database);
        m.put("source", source);
        m.put("target", target);
        m.put("dry_run", isDryRun());
        m.put("resumed", resumed);
        m.put("tables", plan.tables().size());
        m.put("units", plan.units().size());
        m.put("chunked_tables", plan.chunkedTables());
        m.put("source_bytes", plan.totalBytes());
        m.put("rows", rows);
        m.put("bytes_streamed", bytes);
        m.put("retries", retries);
        m.put("sequences", sequences);
        m.put("total_seconds", totalMillis() / 1000.0);
        Map<String, Object> phases = new LinkedHashMap<>();
        phaseMillis.forEach((k, v) -> phases.put(k, v / 1000.0));
        m.put("phase_seconds", phases);
        if (verify != null) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("mode", verifyMode.name().toLowerCase(Locale.ROOT));
            v.put("tables_compared", verify.tablesCompared());
            v.put("rows_compared", verify.rowsCompared());
            v.put("mismatches", verify.mismatches().stream().map(Object::toString).toList());
            v.put("explained", verify.explained());
            m.put("verify", v);
        }
        if (encodingErrors != null) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("policy", encodingErrors.name().toLowerCase(Locale.ROOT));
            e.put("invalid_rows", new LinkedHashMap<>(invalidRows));
            m.put("encoding_errors", e);
        }
        List<Object> tables = new ArrayList<>();
        perTable.forEach((k, v) -> {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("table", k);
            t.put("rows", v[0]);
            t.put("bytes", v[1]);
            t.put("copy_seconds", v[2] / 1e9);
            tables.add(t);
        });
        m.put("per_table", tables);
        return m;
    }
}
