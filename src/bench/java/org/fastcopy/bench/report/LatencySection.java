package org.fastcopy.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fastcopy.bench.report.Results.CopyRun;

/**
 * bench/copy at one scale, directly and through `fastcopy delay-proxy` at each delay: every tool's
 * wall time and its slowdown against its own loopback time, side by side. The goal is
 * fastcopy at 2 ms round trip within 1.25x of its loopback time.
 */
final class LatencySection {
    static final String PNG = "latency-wall-vs-round-trip.png";

    private LatencySection() {
    }

    static void write(Markdown md, List<CopyRun> runs, Path plots, Path report) throws IOException {
        if (runs.isEmpty()) {
            return; // no CSV given: the section is left out, as bench/run-all --skip latency means
        }
        md.line("## Latency: copy through a delaying proxy (bench/copy --delay)").blank();
        md.line("Each tool reaches both servers through `fastcopy delay-proxy`, which holds every chunk the"
                + " given time per direction (round trip: twice that); 0 is loopback, direct. Slowdown = the"
                + " tool's median wall at that delay / its own median at 0 in the same input files.").blank();
        md.line("| scale | round trip ms | tool | ok runs | wall s | slowdown vs own loopback | wall fastcopy/tool |");
        md.line("|---:|---:|---|---:|---:|---:|---:|");
        List<String> failures = new ArrayList<>();
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        Map<String, List<Double>> failedAt = new LinkedHashMap<>();
        Map<Double, List<CopyRun>> byScale = new TreeMap<>(Stats.group(runs, CopyRun::scale));
        for (Map.Entry<Double, List<CopyRun>> s : byScale.entrySet()) {
            Map<Double, List<CopyRun>> byDelay = new TreeMap<>(Stats.group(s.getValue(), CopyRun::delayMs));
            Map<String, Double> loopback = new LinkedHashMap<>();
            List<CopyRun> direct = byDelay.getOrDefault(0.0, List.of());
            Stats.group(direct, CopyRun::tool).forEach((tool, rs) ->
                    loopback.put(tool, Stats.of(rs.stream().filter(CopyRun::ok).toList(), CopyRun::wall).median()));
            for (Map.Entry<Double, List<CopyRun>> d : byDelay.entrySet()) {
                double roundTrip = 2 * d.getKey();
                double fcWall = Stats.of(d.getValue().stream().filter(r -> r.ok() && r.tool().equals("fastcopy"))
                        .toList(), CopyRun::wall).median();
                for (Map.Entry<String, List<CopyRun>> t : Stats.group(d.getValue(), CopyRun::tool).entrySet()) {
                    List<CopyRun> ok = t.getValue().stream().filter(CopyRun::ok).toList();
                    Stats wall = Stats.of(ok, CopyRun::wall);
                    md.line("| " + Fmt.scale(s.getKey()) + " | " + Fmt.num(roundTrip, 1) + " | " + t.getKey() + " | "
                            + ok.size() + "/" + t.getValue().size() + " | " + wall.show(2) + " | "
                            + Fmt.ratio(wall.median(), loopback.getOrDefault(t.getKey(), Double.NaN)) + " | "
                            + Fmt.ratio(fcWall, wall.median()) + " |");
                    for (CopyRun r : t.getValue()) {
                        if (r.ok()) {
                            points.computeIfAbsent(t.getKey(), k -> new ArrayList<>()).add(new double[] {roundTrip, r.wall()});
                        } else {
                            points.computeIfAbsent(t.getKey(), k -> new ArrayList<>());
                            failedAt.computeIfAbsent(t.getKey(), k -> new ArrayList<>()).add(roundTrip);
                            failures.add("scale " + Fmt.scale(r.scale()) + ", " + Fmt.num(roundTrip, 1) + " ms, "
                                    + r.tool() + " run " + r.run() + ": " + r.status());
                        }
                    }
                }
            }
        }
        md.blank();
        if (!failures.isEmpty()) {
            md.line("Failed runs (not in the medians):").blank();
            failures.forEach(f -> md.line("- " + f));
            md.blank();
        }
        Path png = plots.resolve(PNG);
        MinMaxLineChart.write(new ChartData("Latency: wall time against round trip (median, bars: min-max)",
                "round trip (ms)", "wall time (s)", false, points, failedAt), png);
        md.line("![wall time against round trip](" + Fmt.rel(report, png) + ")").blank();
    }
}
