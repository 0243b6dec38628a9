package org.fastcopy.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.fastcopy.bench.report.Results.ManyTablesRun;

/**
 * bench/many-tables-bench: fastcopy against {@code pg_dump | psql} at each table count of the
 * synthetic schema, a table with the ratios, two plots against the table count, and whether wall
 * time grows linearly with it (the goal: linear growth, at most 0.5x at 20,000 tables).
 */
final class ManyTablesSection {
    static final String WALL_PNG = "many-tables-wall-vs-tables.png";
    static final String PEAK_PNG = "many-tables-peak-memory-vs-tables.png";
    static final String PEER = "pgdump-psql";

    private ManyTablesSection() {
    }

    static void write(Markdown md, List<ManyTablesRun> runs, Path plots, Path report) throws IOException {
        if (runs.isEmpty()) {
            return; // no CSV given: the section is left out, as bench/run-all --skip many means
        }
        md.line("## Table count: fastcopy against pg_dump | psql (bench/many-tables-bench)").blank();
        md.line("Full copy of the synthetic MTT-shaped schema of bench/many-tables (inheritance children with a"
                + " CHECK, a key, two indexes, a foreign key and a rule each, 10 rows each) at each table count."
                + " A run is ok only when the target's catalogue counts and every table's row count equal the"
                + " source's. Peak MB is client-side RSS: fastcopy's process; pg_dump's and psql's summed."
                + " Ratios are fastcopy / pg_dump | psql of the medians: below 1, fastcopy took less.").blank();
        table(md, runs);
        ChartData wall = chart(runs, "Table count: wall time against tables (median, bars: min-max)", "wall time (s)",
                ManyTablesRun::wall);
        ChartData peak = chart(runs, "Table count: client peak memory against tables (median, bars: min-max)",
                "peak RSS (MB)", ManyTablesRun::peak);
        Path wallPng = plots.resolve(WALL_PNG);
        Path peakPng = plots.resolve(PEAK_PNG);
        MinMaxLineChart.write(wall, wallPng);
        MinMaxLineChart.write(peak, peakPng);
        md.line("![wall time against table count](" + Fmt.rel(report, wallPng) + ")").blank();
        md.line("![peak memory against table count](" + Fmt.rel(report, peakPng) + ")").blank();
        LinearitySection.write(md, "table count", wall.points(), "table");
    }

    static void table(Markdown md, List<ManyTablesRun> runs) {
        md.line("| tables | tool | ok runs | wall s | peak MB | wall fastcopy/pg_dump\\|psql | peak fastcopy/pg_dump\\|psql |");
        md.line("|---:|---|---:|---:|---:|---:|---:|");
        List<String> failures = new ArrayList<>();
        Map<Integer, List<ManyTablesRun>> byCount = new TreeMap<>(Stats.group(runs, ManyTablesRun::tables));
        for (Map.Entry<Integer, List<ManyTablesRun>> c : byCount.entrySet()) {
            List<ManyTablesRun> peer = c.getValue().stream().filter(r -> r.ok() && r.tool().equals(PEER)).toList();
            Stats peerWall = Stats.of(peer, ManyTablesRun::wall);
            Stats peerPeak = Stats.of(peer, ManyTablesRun::peak);
            for (Map.Entry<String, List<ManyTablesRun>> t : Stats.group(c.getValue(), ManyTablesRun::tool).entrySet()) {
                List<ManyTablesRun> ok = t.getValue().stream().filter(ManyTablesRun::ok).toList();
                Stats wall = Stats.of(ok, ManyTablesRun::wall);
                Stats peak = Stats.of(ok, ManyTablesRun::peak);
                boolean peerRow = t.getKey().equals(PEER);
                md.line("| " + c.getKey() + " | " + t.getKey() + " | " + ok.size() + "/" + t.getValue().size() + " | "
                        + wall.show(2) + " | " + peak.show(0) + " | "
                        + (peerRow ? "" : Fmt.ratio(wall.median(), peerWall.median())) + " | "
                        + (peerRow ? "" : Fmt.ratio(peak.median(), peerPeak.median())) + " |");
                t.getValue().stream().filter(r -> !r.ok()).forEach(r -> failures.add(r.tables() + " tables, "
                        + r.tool() + " run " + r.run() + ": " + r.status()));
            }
        }
        md.blank();
        if (!failures.isEmpty()) {
            md.line("Failed or inexact runs (not in the medians; the first error line of each is in the"
                    + " many-tables .md of its run):").blank();
            failures.forEach(f -> md.line("- " + f));
            md.blank();
        }
    }

    static ChartData chart(List<ManyTablesRun> runs, String title, String yLabel, ToDoubleFunction<ManyTablesRun> y) {
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        Map<String, List<Double>> failedAt = new LinkedHashMap<>();
        for (ManyTablesRun r : runs) {
            List<double[]> tool = points.computeIfAbsent(r.tool(), k -> new ArrayList<>());
            if (r.ok()) {
                tool.add(new double[] {r.tables(), y.applyAsDouble(r)});
            } else {
                failedAt.computeIfAbsent(r.tool(), k -> new ArrayList<>()).add((double) r.tables());
            }
        }
        return new ChartData(title, "tables", yLabel, true, points, failedAt);
    }
}
