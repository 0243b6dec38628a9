package org.fastcopy.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fastcopy.bench.report.Results.FollowFile;
import org.fastcopy.bench.report.Results.FollowValue;

/**
 * bench/follow: fastcopy --follow against PostgreSQL's CREATE SUBSCRIPTION on the same source, one
 * table per file (one bench/follow invocation: its scale, years and backlog sizes are its own),
 * measure by measure, with the ratio fastcopy / subscription and the two goals judged from
 * those ratios: the initial copy at least 3x faster than a subscription's, the apply rate at least
 * equal at every transaction size. A run the file's .md lists a failure of is left out of the
 * medians; a figure that is not a number shows as n/a.
 */
final class FollowSection {
    static final String FASTCOPY = "fastcopy";
    static final String PEER = "subscription";
    static final String INITIAL_COPY = "initial_copy_s";
    /** The apply rates' measures: apply_rows_per_s_tx1, _tx100, ... one per transaction size. */
    static final String APPLY = "apply_rows_per_s";
    /** The initial copy's goal: fastcopy / subscription at most a third (3x faster). */
    static final double COPY_GOAL = 1.0 / 3;
    /** The apply rate's goal: fastcopy / subscription at least 1 at every transaction size. */
    static final double APPLY_GOAL = 1;

    private FollowSection() {
    }

    static void write(Markdown md, List<FollowFile> files) {
        if (files.isEmpty()) {
            return; // no CSV given: the section is left out, as bench/run-all --skip follow means
        }
        md.line("## Follow: fastcopy --follow against CREATE SUBSCRIPTION (bench/follow)").blank();
        md.line("Both follow the same generated MTT v3 source on flux1 into flux2 (local clusters, wal_level"
                + " logical). initial_copy_s: fastcopy from its start until it follows (schema, data, indexes, keys,"
                + " verify); the subscription from createdb and `pg_dump --schema-only | psql` (schema_s) until every"
                + " table is ready. apply_rows_per_s_txK: row changes (80% INSERT, 10% UPDATE, 10% DELETE) of a"
                + " backlog of K-row transactions written while the consumer was stopped, over the time from its"
                + " SIGCONT until the last row is visible. lag: sampled each second under a steady load; bytes ="
                + " WAL behind the slot's confirmed position, s = age of the newest row on the target. cutover_s:"
                + " `fastcopy cutover` until the follower exited; for the subscription, until its slot confirmed"
                + " the source's position, then DROP SUBSCRIPTION (no sequences). Cells: median [min-max] over the"
                + " runs. The ratio is fastcopy / subscription of the medians: for times and lag below 1 is"
                + " better for fastcopy, for apply rates above 1.").blank();
        for (FollowFile f : files) {
            if (files.size() > 1) {
                md.line("### " + f.csv().getFileName()).blank();
            }
            file(md, f);
        }
    }

    private static void file(Markdown md, FollowFile f) {
        long runs = f.values().stream().mapToInt(FollowValue::run).distinct().count();
        md.line("`" + f.csv().getFileName() + "`: scale " + Fmt.scale(f.scale()) + ", source "
                + (Double.isNaN(f.sourceMb()) ? "size unknown (no .md beside the CSV)"
                : Fmt.num(f.sourceMb(), 1) + " MB, " + f.sourceTables() + " tables") + ", " + runs + " run(s).")
                .blank();
        if (!f.notes().isEmpty()) {
            md.line("Notes added to its .md after the run, quoted:").blank();
            f.notes().forEach(n -> md.line("> " + n).blank());
        }
        if (f.values().isEmpty()) {
            md.line("No figures in this file.").blank();
        } else {
            table(md, f.values());
            goals(md, f.values());
        }
        if (!f.failures().isEmpty()) {
            md.line("Failures its .md lists (every figure of those runs is left out of the medians):").blank();
            f.failures().forEach(x -> md.line("- " + x));
            md.blank();
        }
        List<String> missing = f.values().stream().filter(v -> !v.failedRun() && Double.isNaN(v.value()))
                .map(v -> "run " + v.run() + ", " + v.tool() + ", " + v.measure() + ": '" + v.raw() + "'").toList();
        if (!missing.isEmpty()) {
            md.line("Figures that are not numbers (n/a above, not in the medians):").blank();
            missing.forEach(x -> md.line("- " + x));
            md.blank();
        }
    }

    /** A column per tool, fastcopy first, the subscription last; empty where a tool has no such measure. */
    static void table(Markdown md, List<FollowValue> values) {
        List<String> tools = tools(values);
        StringBuilder head = new StringBuilder("| measure |");
        StringBuilder align = new StringBuilder("|---|");
        for (String t : tools) {
            head.append(' ').append(t).append(" |");
            align.append("---:|");
        }
        md.line(head + " fastcopy / subscription |");
        md.line(align + "---:|");
        for (Map.Entry<String, List<FollowValue>> m : Stats.group(values, FollowValue::measure).entrySet()) {
            Map<String, List<FollowValue>> byTool = Stats.group(m.getValue(), FollowValue::tool);
            StringBuilder row = new StringBuilder("| " + m.getKey() + " |");
            for (String t : tools) {
                row.append(' ').append(byTool.containsKey(t) ? stats(byTool.get(t)).show(decimals(m.getKey())) : "")
                        .append(" |");
            }
            boolean both = byTool.containsKey(FASTCOPY) && byTool.containsKey(PEER);
            row.append(' ').append(both ? Fmt.ratio(median(values, FASTCOPY, m.getKey()), median(values, PEER,
                    m.getKey())) : "").append(" |");
            md.line(row.toString());
        }
        md.blank();
    }

    static void goals(Markdown md, List<FollowValue> values) {
        md.line("Goals from the issue, judged from the medians above:").blank();
        md.line("- " + copyGoal(values));
        md.line("- " + applyGoal(values));
        md.blank();
    }

    static String copyGoal(List<FollowValue> values) {
        String goal = "initial copy at least 3x faster than the subscription's (fastcopy / subscription at most 1/3): ";
        double fc = median(values, FASTCOPY, INITIAL_COPY);
        double sub = median(values, PEER, INITIAL_COPY);
        double r = ratio(fc, sub);
        if (Double.isNaN(r)) {
            return goal + "cannot be judged: the ratio is n/a (" + INITIAL_COPY + " median " + Fmt.num(fc, 2)
                    + " s against " + Fmt.num(sub, 2) + " s)";
        }
        return goal + (r <= COPY_GOAL ? "**met**" : "**not met**") + ": " + Fmt.ratio(fc, sub) + " (" + Fmt.num(fc, 2)
                + " s against " + Fmt.num(sub, 2) + " s: the subscription took " + Fmt.ratio(sub, fc)
                + "x fastcopy's time)";
    }

    /** Met only when every transaction size is; not met when one is below; otherwise not judged. */
    static String applyGoal(List<FollowValue> values) {
        String goal = "apply rate at least the subscription's at every transaction size (fastcopy / subscription"
                + " at least 1): ";
        List<String> measures = values.stream().map(FollowValue::measure).filter(m -> m.startsWith(APPLY)).distinct()
                .toList();
        if (measures.isEmpty()) {
            return goal + "cannot be judged: no " + APPLY + " figures";
        }
        List<String> parts = new ArrayList<>();
        boolean below = false;
        boolean missing = false;
        for (String m : measures) {
            double fc = median(values, FASTCOPY, m);
            double sub = median(values, PEER, m);
            double r = ratio(fc, sub);
            missing |= Double.isNaN(r);
            below |= r < APPLY_GOAL;
            parts.add(m + " " + (Double.isNaN(r) ? "n/a" : Fmt.ratio(fc, sub) + " (" + Fmt.num(fc, 0) + " against "
                    + Fmt.num(sub, 0) + " rows/s)"));
        }
        String verdict = below ? "**not met**" : missing ? "cannot be judged (a ratio is n/a)" : "**met**";
        return goal + verdict + ": " + String.join("; ", parts);
    }

    static double median(List<FollowValue> values, String tool, String measure) {
        return stats(values.stream().filter(v -> v.tool().equals(tool) && v.measure().equals(measure)).toList())
                .median();
    }

    private static Stats stats(List<FollowValue> values) {
        return Stats.of(values.stream().filter(FollowValue::ok).toList(), FollowValue::value);
    }

    /** a / b, NaN when either is missing or b is 0 (a ratio that judges nothing). */
    private static double ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? Double.NaN : a / b;
    }

    private static List<String> tools(List<FollowValue> values) {
        List<String> tools = new ArrayList<>(Stats.group(values, FollowValue::tool).keySet());
        tools.sort((a, b) -> Integer.compare(rank(a), rank(b))); // stable: the others keep the file's order
        return tools;
    }

    private static int rank(String tool) {
        return tool.equals(FASTCOPY) ? 0 : tool.equals(PEER) ? 2 : 1;
    }

    /** Rates and bytes are whole numbers; lag seconds are milliseconds; other seconds hundredths. */
    static int decimals(String measure) {
        if (measure.startsWith(APPLY) || measure.contains("bytes")) {
            return 0;
        }
        return measure.startsWith("lag_s") ? 3 : 2;
    }
}
