package org.fastcopy.convert;

import org.fastcopy.util.ByteSize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a conversion did: the per-part table the runbook kept by hand (range, rows, start, end,
 * elapsed), dangling references per kind, the id maps' memory and test_run's rows per second.
 */
public record ConvertReport(int runId, String kind, String note, List<PartLine> parts, Map<String, Long> dangling,
                            long mapEntries, long mapBytes, long testRunRows, double testRunSeconds,
                            double totalSeconds, VerifyOutcome verify, List<Step> steps) {

    public ConvertReport(int runId, String kind, String note, List<PartLine> parts, Map<String, Long> dangling,
                         long mapEntries, long mapBytes, long testRunRows, double testRunSeconds, double totalSeconds,
                         VerifyOutcome verify) {
        this(runId, kind, note, parts, dangling, mapEntries, mapBytes, testRunRows, testRunSeconds, totalSeconds,
                verify, List.of());
    }

    /** One step the job ran, numbered and named as in its "STEP 3 base tables" log line, and its seconds. */
    public record Step(int number, String name, double seconds) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", number);
            m.put("name", name);
            m.put("seconds", seconds);
            return m;
        }
    }

    public ConvertReport withSteps(List<Step> steps) {
        return new ConvertReport(runId, kind, note, parts, dangling, mapEntries, mapBytes, testRunRows, testRunSeconds,
                totalSeconds, verify, List.copyOf(steps));
    }

    public record PartLine(String key, long rows, String started, String finished, double seconds,
                           boolean thisProcess) {
    }

    /** What verify found wrong (empty when it found nothing or did not run). */
    public List<String> verifyMismatches() {
        return verify == null ? List.of() : verify.problems();
    }

    public double testRunRowsPerSecond() {
        return testRunSeconds > 0 ? testRunRows / testRunSeconds : 0;
    }

    public long rows(String prefix) {
        return parts.stream().filter(p -> p.key().startsWith(prefix)).mapToLong(PartLine::rows).sum();
    }

    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "convert run %d (%s)%s", runId, kind, note.isEmpty() ? "" : ": " + note));
        out.add(String.format(Locale.ROOT, "  %-58s %10s  %-19s  %-19s %9s", "part", "rows", "start", "end", "elapsed"));
        for (PartLine p : parts) {
            out.add(String.format(Locale.ROOT, "  %-58s %,10d  %-19s  %-19s %8.1fs%s", p.key(), p.rows(),
                    cut(p.started()), cut(p.finished()), p.seconds(), p.thisProcess() ? "" : " (earlier)"));
        }
        out.add("dangling references (set to 0):");
        if (dangling.isEmpty()) {
            out.add("  none");
        }
        dangling.forEach((k, v) -> out.add(String.format(Locale.ROOT, "  %-28s %,10d", k, v)));
        out.add(String.format(Locale.ROOT, "id maps: %,d entries, %s in memory", mapEntries, ByteSize.format(mapBytes)));
        out.add(String.format(Locale.ROOT, "test_run: %,d rows in %.2f s (%,.0f rows/s); total %.2f s", testRunRows,
                testRunSeconds, testRunRowsPerSecond(), totalSeconds));
        if (verify != null) {
            out.addAll(verify.lines());
        }
        steps.forEach(st -> out.add(String.format(Locale.ROOT, "STEP %d %-20s %8.1f s", st.number(), st.name(),
                st.seconds())));
        return out;
    }

    /** The JSON report (convert-FLAT.json); keys as {@link org.fastcopy.util.Json} says. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", runId);
        m.put("kind", kind);
        m.put("note", note);
        List<Map<String, Object>> ps = new ArrayList<>();
        for (PartLine p : parts) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("part", p.key());
            pm.put("rows", p.rows());
            pm.put("start", p.started());
            pm.put("end", p.finished());
            pm.put("elapsed_seconds", p.seconds());
            pm.put("this_process", p.thisProcess());
            ps.add(pm);
        }
        m.put("parts", ps);
        m.put("dangling", dangling);
        m.put("map_entries", mapEntries);
        m.put("map_bytes", mapBytes);
        m.put("test_run_rows", testRunRows);
        m.put("test_run_seconds", testRunSeconds);
        m.put("test_run_rows_per_second", testRunRowsPerSecond());
        m.put("total_seconds", totalSeconds);
        m.put("verify", verify == null ? null : verify.json());
        m.put("steps", steps.stream().map(Step::toJson).toList());
        return m;
    }

    private static String cut(String ts) {
        return ts == null ? "" : ts.length() > 19 ? ts.substring(0, 19) : ts;
    }
}
