package org.fastcopy.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fastcopy.bench.report.Results.ConvertRun;

/** bench/convert: a table per scale, method and jobs with ratios to fastcopy-convert, rows/s against jobs. */
final class ConvertSection {
    static final String PNG = "convert-rows-per-s-vs-jobs.png";

    private ConvertSection() {
    }

    static void write(Markdown md, List<ConvertRun> runs, Path plots, Path report) throws IOException {
        md.line("## Convert: v3 to flat (bench/convert)").blank();
        if (runs.isEmpty()) {
            md.line("Not run (bench/convert was missing or produced no results).").blank();
            return;
        }
        md.line("Rows/s = test_run rows converted / wall time. Ratios are fastcopy-convert / method of the"
                + " median rows/s at the same scale and jobs in this run: above 1, fastcopy-convert was faster.")
                .blank();
        Map<Double, List<ConvertRun>> byScale = new TreeMap<>(Comparator.nullsFirst(Comparator.naturalOrder()));
        byScale.putAll(Stats.group(runs, ConvertRun::scale));
        table(md, byScale);
        boolean manyScales = byScale.size() > 1;
        Path png = plots.resolve(PNG);
        MinMaxLineChart.write(chart(runs, manyScales), png);
        md.line("![convert rows/s against jobs](" + Fmt.rel(report, png) + ")").blank();
        if (manyScales) {
            Map<String, List<double[]>> wallByRows = new LinkedHashMap<>();
            for (ConvertRun r : runs) {
                List<double[]> method = wallByRows.computeIfAbsent(r.method(), k -> new ArrayList<>());
                if (r.ok()) {
                    method.add(new double[] {r.rows(), r.wall()});
                }
            }
            LinearitySection.write(md, "convert", wallByRows, "rows");
        }
    }

    static void table(Markdown md, Map<Double, List<ConvertRun>> byScale) {
        md.line("| scale | method | jobs | ok runs | rows | wall s | rows/s | peak MB | rows/s fastcopy-convert/method |");
        md.line("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        List<String> failures = new ArrayList<>();
        for (Map.Entry<Double, List<ConvertRun>> s : byScale.entrySet()) {
            for (Map.Entry<String, List<ConvertRun>> m : Stats.group(s.getValue(), ConvertRun::method).entrySet()) {
                Map<Integer, List<ConvertRun>> byJobs = new TreeMap<>(Stats.group(m.getValue(), ConvertRun::jobs));
                for (Map.Entry<Integer, List<ConvertRun>> j : byJobs.entrySet()) {
                    List<ConvertRun> ok = j.getValue().stream().filter(ConvertRun::ok).toList();
                    Stats rps = Stats.of(ok, ConvertRun::rowsPerS);
                    Stats fc = Stats.of(s.getValue().stream().filter(r -> r.ok() && r.jobs() == j.getKey()
                            && r.method().equals("fastcopy-convert")).toList(), ConvertRun::rowsPerS);
                    md.line("| " + Fmt.scale(s.getKey()) + " | " + m.getKey() + " | " + j.getKey() + " | "
                            + ok.size() + "/" + j.getValue().size() + " | " + Stats.of(ok, ConvertRun::rows).show(0)
                            + " | " + Stats.of(ok, ConvertRun::wall).show(2) + " | " + rps.show(0) + " | "
                            + Stats.of(ok, ConvertRun::peak).show(0) + " | " + Fmt.ratio(fc.median(), rps.median())
                            + " |");
                    j.getValue().stream().filter(r -> !r.ok()).forEach(r -> failures.add("scale "
                            + Fmt.scale(r.scale()) + ", " + r.method() + " jobs " + r.jobs() + " run " + r.run() + ": "
                            + r.status()));
                }
            }
        }
        md.blank();
        if (!failures.isEmpty()) {
            md.line("Failed runs (not in the medians, not plotted):").blank();
            failures.forEach(f -> md.line("- " + f));
            md.blank();
        }
    }

    /** Rows/s against jobs, one series per method (per method and scale when there are several scales). */
    static ChartData chart(List<ConvertRun> runs, boolean manyScales) {
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        Map<String, List<Double>> failedAt = new LinkedHashMap<>();
        for (ConvertRun r : runs) {
            String series = manyScales ? r.method() + " @" + Fmt.scale(r.scale()) : r.method();
            List<double[]> method = points.computeIfAbsent(series, k -> new ArrayList<>());
            if (r.ok()) {
                method.add(new double[] {r.jobs(), r.rowsPerS()});
            } else {
                failedAt.computeIfAbsent(series, k -> new ArrayList<>()).add((double) r.jobs());
            }
        }
        return new ChartData("Convert: rows/s against jobs (median, bars: min-max)", "jobs", "rows/s", true, points,
                failedAt);
    }
}
