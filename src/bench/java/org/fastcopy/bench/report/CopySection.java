package org.fastcopy.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.fastcopy.bench.report.Results.CopyRun;

/** bench/copy: a table per scale and tool with ratios to fastcopy, two plots, and the linearity check. */
final class CopySection {
    static final String WALL_PNG = "copy-wall-vs-size.png";
    static final String PEAK_PNG = "copy-peak-memory-vs-size.png";

    private CopySection() {
    }

    static void write(Markdown md, List<CopyRun> runs, Path plots, Path report) throws IOException {
        md.line("## Copy: fastcopy against its peers (bench/copy)").blank();
        if (runs.isEmpty()) {
            md.line("Not run.").blank();
            return;
        }
        md.line("Full copy of the generated MTT v3 database between the two local clusters. Size = source"
                + " `pg_database_size` (MB = 2^20 bytes); wall s includes createdb and JVM start-up; peak MB"
                + " is client-side RSS (see bench/README.md). Ratios are fastcopy / tool of the medians at"
                + " the same scale in this run: below 1, fastcopy took less.").blank();
        table(md, runs);
        ChartData wall = chart(runs, "Copy: wall time against database size (median, bars: min-max)",
                "wall time (s)", CopyRun::wall);
        ChartData peak = chart(runs, "Copy: client peak memory against database size (median, bars: min-max)",
                "peak RSS (MB)", CopyRun::peak);
        Path wallPng = plots.resolve(WALL_PNG);
        Path peakPng = plots.resolve(PEAK_PNG);
        MinMaxLineChart.write(wall, wallPng);
        MinMaxLineChart.write(peak, peakPng);
        md.line("![wall time against size](" + Fmt.rel(report, wallPng) + ")").blank();
        md.line("![peak memory against size](" + Fmt.rel(report, peakPng) + ")").blank();
        LinearitySection.write(md, "copy", wall.points(), "MB");
    }

    /** One row per scale and tool, then the failed runs, which the medians leave out. */
    static void table(Markdown md, List<CopyRun> runs) {
        md.line("| scale | size MB | jobs | tool | ok runs | wall s | MB/s | peak MB | wall fastcopy/tool | peak fastcopy/tool |");
        md.line("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        Map<Double, List<CopyRun>> byScale = new TreeMap<>(Stats.group(runs, CopyRun::scale));
        List<String> failures = new ArrayList<>();
        for (Map.Entry<Double, List<CopyRun>> s : byScale.entrySet()) {
            List<CopyRun> fcRuns = s.getValue().stream().filter(r -> r.ok() && r.tool().equals("fastcopy")).toList();
            Stats fcWall = Stats.of(fcRuns, CopyRun::wall);
            Stats fcPeak = Stats.of(fcRuns, CopyRun::peak);
            for (Map.Entry<String, List<CopyRun>> t : Stats.group(s.getValue(), CopyRun::tool).entrySet()) {
                List<CopyRun> ok = t.getValue().stream().filter(CopyRun::ok).toList();
                Stats wall = Stats.of(ok, CopyRun::wall);
                Stats peak = Stats.of(ok, CopyRun::peak);
                CopyRun first = t.getValue().get(0);
                md.line("| " + Fmt.scale(s.getKey()) + " | " + Fmt.num(first.sizeMb(), 1) + " | " + first.jobs()
                        + " | " + t.getKey() + " | " + ok.size() + "/" + t.getValue().size() + " | " + wall.show(2)
                        + " | " + Stats.of(ok, CopyRun::mbps).show(1) + " | " + peak.show(0) + " | "
                        + Fmt.ratio(fcWall.median(), wall.median()) + " | " + Fmt.ratio(fcPeak.median(), peak.median())
                        + " |");
                t.getValue().stream().filter(r -> !r.ok()).forEach(r -> failures.add("scale " + Fmt.scale(r.scale())
                        + ", " + r.tool() + " run " + r.run() + ": " + r.status() + " (after " + Fmt.num(r.wall(), 1)
                        + " s)"));
            }
        }
        md.blank();
        if (!failures.isEmpty()) {
            md.line("Failed runs (not in the medians, not plotted as times; the first error line of each is in"
                    + " the bench/copy .md report of its scale):").blank();
            failures.forEach(f -> md.line("- " + f));
            md.blank();
        }
    }

    /** A figure of each run against the database size; a run with no known size cannot be placed. */
    static ChartData chart(List<CopyRun> runs, String title, String yLabel,
                           ToDoubleFunction<CopyRun> y) {
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        Map<String, List<Double>> failedAt = new LinkedHashMap<>();
        for (CopyRun r : runs) {
            if (Double.isNaN(r.sizeMb())) {
                continue;
            }
            List<double[]> tool = points.computeIfAbsent(r.tool(), k -> new ArrayList<>());
            if (r.ok()) {
                tool.add(new double[] {r.sizeMb(), y.applyAsDouble(r)});
            } else {
                failedAt.computeIfAbsent(r.tool(), k -> new ArrayList<>()).add(r.sizeMb());
            }
        }
        return new ChartData(title, "source database size (MB)", yLabel, false, points, failedAt);
    }
}
