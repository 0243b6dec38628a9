package org.fastcopy.convert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@link FlatVerifier} found: the counts per part (v3, flat), the rows compared field by
 * field and how many differ (the first few in detail), and the dangling references in v3; as text
 * lines and JSON for the report ({@link #outcome}).
 */
record FlatVerifyResult(Map<String, long[]> counts, long rowsCompared, long differing, List<Diff> diffs,
                        List<DanglingRef> dangling, String how) {
    /** One row that differs, or is missing, extra or duplicated on the flat side. */
    record Diff(String table, long v3Id, Long flatId, String what) {
        @Override
        public String toString() {
            return table + " v3 " + table + "_id " + v3Id + (flatId == null ? "" : " (flat " + flatId + ")") + ": " + what;
        }
    }

    /** A reference with no match: {@code column} of {@code table}, how many rows, the first few v3 ids. */
    record DanglingRef(String kind, long count, List<Long> examples) {
    }

    /** Parts whose counts differ: key to {v3, flat}. */
    Map<String, long[]> countMismatches() {
        Map<String, long[]> m = new LinkedHashMap<>();
        counts.forEach((k, v) -> {
            if (v[0] != v[1]) {
                m.put(k, v);
            }
        });
        return m;
    }

    boolean ok() {
        return differing == 0 && countMismatches().isEmpty();
    }

    VerifyOutcome outcome() {
        List<String> lines = new ArrayList<>();
        Map<String, long[]> bad = countMismatches();
        lines.add(String.format(Locale.ROOT, "verify (%s): %d parts, counts %s; %,d rows compared field by field, %s",
                how, counts.size(), bad.isEmpty() ? "equal" : bad.size() + " differ", rowsCompared,
                differing == 0 ? "all equal" : differing + " differ"));
        problems().forEach(p -> lines.add("  differs: " + p));
        lines.add("dangling references in v3 (converted to 0):" + (dangling.isEmpty() ? " none" : ""));
        for (DanglingRef d : dangling) {
            lines.add(String.format(Locale.ROOT, "  %-28s %,10d  e.g. v3 ids %s", d.kind(), d.count(),
                    d.examples().stream().map(String::valueOf).collect(Collectors.joining(", "))));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("how", how);
        List<Map<String, Object>> parts = new ArrayList<>();
        counts.forEach((k, v) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("part", k);
            m.put("v3_rows", v[0]);
            m.put("flat_rows", v[1]);
            parts.add(m);
        });
        json.put("counts", parts);
        json.put("rows_compared", rowsCompared);
        json.put("rows_differing", differing);
        json.put("problems", problems());
        List<Map<String, Object>> ds = new ArrayList<>();
        for (DanglingRef d : dangling) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reference", d.kind());
            m.put("count", d.count());
            m.put("example_v3_ids", d.examples());
            ds.add(m);
        }
        json.put("dangling", ds);
        return new VerifyOutcome(lines, problems(), json);
    }

    /** One line per problem, for the report and the exit message. */
    List<String> problems() {
        List<String> out = new ArrayList<>();
        countMismatches().forEach((k, v) -> out.add(String.format(Locale.ROOT,
                "%s: %,d rows in v3, %,d in flat", k, v[0], v[1])));
        diffs.forEach(d -> out.add(d.toString()));
        if (differing > diffs.size()) {
            out.add((differing - diffs.size()) + " more differing row(s) not listed");
        }
        return out;
    }
}
