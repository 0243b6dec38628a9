package org.fastcopy.report;

import org.fastcopy.FastcopyException;
import org.fastcopy.util.ByteSize;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a {@link RunRecord} as one self-contained HTML file: inline CSS, charts as inline SVG
 * drawn here, and a few lines of script that only count the charts the browser laid out (the
 * page's {@code data-charts-drawn}, which the browser test reads). Nothing is fetched: the file
 * opens from a mail attachment or an air-gapped jump host as it does on the machine that wrote it.
 *
 * <p>Sections: the outcome (and, for a failed run, the step it failed in and why), the steps on a
 * time axis, the workers' timeline (one lane per worker), throughput, the verify result, and where
 * the time went (busy time per worker, the slowest units).
 */
public final class HtmlReport {
    private static final String CSS = """
            body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1100px}
            h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #ddd}
            .meta{color:#666}.outcome{padding:10px 14px;border-radius:4px;margin:14px 0;font-weight:600}
            .outcome.ok{background:#e3f4e1;color:#1d5e1a}.outcome.failed{background:#fbe3e3;color:#8a1c1c}
            svg.chart{width:100%;height:auto;display:block}svg text{font-size:11px;fill:#444}
            .axis line{stroke:#e4e4e4}
            .unit{fill:#4e79a7}.ddl{fill:#f28e2b}.range{fill:#59a14f}.base_table{fill:#b07aa1}.step{fill:#76b7b2}
            .step.skipped{fill:#bbb}.failed{fill:#e15759}.unfinished{fill:#bab0ac;stroke:#e15759;stroke-dasharray:2 2}
            .series{fill:#4e79a733;stroke:#4e79a7;stroke-width:1.2}
            table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
            td.n{text-align:right;font-variant-numeric:tabular-nums}.legend span{display:inline-block;margin-right:14px}
            .legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
            i.unit{background:#4e79a7}i.ddl{background:#f28e2b}i.range{background:#59a14f}i.base_table{background:#b07aa1}i.failed{background:#e15759}
            i.unfinished{background:#bab0ac;outline:1px dashed #e15759}.scope{fill:#c9dedd}text.scope{fill:#222;font-weight:600}
            pre.cmd{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:6px 10px;margin:4px 0;font-size:12px}
            .bad{color:#8a1c1c;font-weight:600}.good{color:#1d5e1a;font-weight:600}.note{color:#666;font-size:12px}
            """;
    /** Counts the charts the browser laid out with something in them: proof that they were drawn. */
    private static final String SCRIPT = """
            (function(){var n=0;document.querySelectorAll('svg.chart').forEach(function(s){var r=s.getBoundingClientRect();
            if(r.width>0&&r.height>0&&s.querySelectorAll('rect.span,path.series').length>0){n++;}});
            document.body.setAttribute('data-charts-drawn',String(n));})();
            """;

    private static final DateTimeFormatter STARTED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private HtmlReport() {
    }

    /** Writes the report to {@code file} (through a temporary file beside it, so a reader never sees half). */
    public static void write(RunRecord run, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            // Not Files.createTempFile: its owner-only mode would stick to the report, unlike the JSON reports.
            Path tmp = dir.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            Files.writeString(tmp, html(run), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "--report-html " + file + ": cannot write the report: " + e, e);
        }
    }

    /** The report as one HTML document. */
    public static String html(RunRecord run) {
        List<String> charts = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        header(run, body);
        steps(run, body, charts);
        workers(run, body, charts);
        throughput(run, body, charts);
        verify(run, body);
        timeWent(run, body);
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>" + Svg.esc(run.title()) + "</title><style>" + CSS + "</style></head>\n"
                + "<body data-charts=\"" + charts.size() + "\">\n" + body + "<script>" + SCRIPT + "</script></body></html>\n";
    }

    private static void header(RunRecord run, StringBuilder out) {
        out.append("<h1>fastcopy run report</h1>\n<pre class=\"cmd\" id=\"command\">").append(Svg.esc(run.title()))
                .append("</pre>\n<div class=\"meta\">started ").append(STARTED.format(run.started())).append(", ran ")
                .append(Svg.duration(run.elapsed())).append("</div>\n");
        if (run.failed()) {
            String where = run.steps().stream().filter(s -> s.status() == RunRecord.Step.Status.FAILED)
                    .reduce((a, b) -> b).map(s -> " in " + s.name() + " (" + s.scope() + ")").orElse("");
            out.append("<div class=\"outcome failed\" id=\"outcome\">FAILED").append(Svg.esc(where)).append(" after ")
                    .append(Svg.duration(run.elapsed())).append(": ").append(Svg.esc(run.failure())).append("</div>\n");
        } else {
            out.append("<div class=\"outcome ok\" id=\"outcome\">Succeeded in ").append(Svg.duration(run.elapsed()))
                    .append("</div>\n");
        }
    }

    private static void steps(RunRecord run, StringBuilder out, List<String> charts) {
        out.append("<h2 id=\"steps\">Steps</h2>\n");
        if (run.steps().isEmpty()) {
            out.append("<p class=\"note\">No step started.</p>\n");
            return;
        }
        charts.add("steps-chart");
        out.append(TimelineChart.svg("steps-chart", stepLanes(run.steps()), run.elapsed())).append('\n');
        out.append("<table id=\"steps-table\"><tr><th>scope</th><th>step</th><th>started</th><th>took</th><th>outcome</th></tr>\n");
        for (RunRecord.Step s : run.steps()) {
            out.append("<tr class=\"").append(s.status().name().toLowerCase(Locale.ROOT)).append("\"><td>")
                    .append(Svg.esc(s.scope())).append("</td><td>").append(Svg.esc(s.name())).append("</td><td class=\"n\">")
                    .append(Svg.clock(s.start() / 1e9)).append("</td><td class=\"n\">")
                    .append(s.status() == RunRecord.Step.Status.SKIPPED ? "" : Svg.duration(s.end() - s.start()))
                    .append("</td><td").append(s.status() == RunRecord.Step.Status.FAILED ? " class=\"bad\"" : "").append('>')
                    .append(Svg.esc(stepOutcome(s))).append("</td></tr>\n");
        }
        out.append("</table>\n");
    }

    /**
     * A Gantt of the steps: per scope (a copied database, convert, migrate) a bar from its first
     * step's start to its last step's end, then one lane per step under it.
     */
    private static List<TimelineChart.Lane> stepLanes(List<RunRecord.Step> steps) {
        Map<String, List<RunRecord.Step>> byScope = new LinkedHashMap<>();
        steps.forEach(s -> byScope.computeIfAbsent(s.scope(), k -> new ArrayList<>()).add(s));
        List<TimelineChart.Lane> lanes = new ArrayList<>();
        byScope.forEach((scope, list) -> {
            long start = list.stream().mapToLong(RunRecord.Step::start).min().orElse(0);
            long end = list.stream().mapToLong(RunRecord.Step::end).max().orElse(0);
            lanes.add(new TimelineChart.Lane(scope, "scope", List.of(new TimelineChart.Bar(start, end, "scope",
                    scope + ": " + Svg.duration(end - start)))));
            for (RunRecord.Step s : list) {
                String css = "step" + switch (s.status()) {
                    case SKIPPED -> " skipped";
                    case FAILED -> " failed";
                    case UNFINISHED -> " unfinished";
                    case DONE -> "";
                };
                lanes.add(new TimelineChart.Lane(s.name(), "", List.of(new TimelineChart.Bar(s.start(), s.end(), css,
                        s.name() + " (" + s.scope() + "): " + stepOutcome(s)))));
            }
        });
        return lanes;
    }

    private static String stepOutcome(RunRecord.Step s) {
        String base = switch (s.status()) {
            case DONE -> "done in " + Svg.duration(s.end() - s.start());
            case SKIPPED -> "skipped";
            case FAILED -> "FAILED";
            case UNFINISHED -> "unfinished";
        };
        return s.detail().isEmpty() ? base : base + ": " + s.detail();
    }

    private static void workers(RunRecord run, StringBuilder out, List<String> charts) {
        out.append("<h2 id=\"workers\">Workers</h2>\n");
        if (run.lanes().isEmpty()) {
            out.append("<p class=\"note\">No worker ran a unit, batch or range.</p>\n");
            return;
        }
        out.append("<div class=\"legend\">");
        for (Span.Kind k : Span.Kind.values()) {
            out.append("<span><i class=\"").append(css(k)).append("\"></i>").append(k.title).append("</span>");
        }
        out.append("<span><i class=\"failed\"></i>failed attempt</span><span><i class=\"unfinished\"></i>in flight at the end</span></div>\n");
        Map<String, List<TimelineChart.Bar>> lanes = new LinkedHashMap<>();
        workerOrder(run.lanes().keySet()).forEach(lane -> lanes.put(lane, run.lanes().get(lane).stream()
                .map(s -> new TimelineChart.Bar(s.startNanos(), s.endNanos(), css(s.kind()) + (s.status() == Span.Status.OK
                        ? "" : " " + s.status().name().toLowerCase(Locale.ROOT)), describe(s))).toList()));
        charts.add("workers-chart");
        out.append(TimelineChart.svg("workers-chart", lanes, run.elapsed())).append('\n');
        if (run.resolution() > 0) {
            out.append("<p class=\"note\">More units than the report keeps apart: neighbouring bars of a worker closer than ")
                    .append(Svg.duration(run.resolution())).append(" are drawn as one (their tooltip counts them); "
                            + "the totals below are exact.</p>\n");
        }
    }

    /**
     * Pools in the order they first worked ({@code fastcopy-pre-data}, {@code copy-worker},
     * {@code fastcopy-post-data}), the workers of a pool by number: threads are named
     * {@code pool-N} (work/Workers).
     */
    static List<String> workerOrder(java.util.Collection<String> lanes) {
        List<String> pools = lanes.stream().map(HtmlReport::pool).distinct().toList();
        return lanes.stream().sorted(java.util.Comparator.comparingInt((String l) -> pools.indexOf(pool(l)))
                .thenComparingLong(HtmlReport::number).thenComparing(l -> l)).toList();
    }

    private static String pool(String lane) {
        return lane.matches(".*-\\d+") ? lane.substring(0, lane.lastIndexOf('-')) : lane;
    }

    private static long number(String lane) {
        return lane.matches(".*-\\d{1,9}") ? Long.parseLong(lane.substring(lane.lastIndexOf('-') + 1)) : 0;
    }

    private static String css(Span.Kind k) {
        return k.name().toLowerCase(Locale.ROOT);
    }

    private static String describe(Span s) {
        StringBuilder sb = new StringBuilder(s.label());
        if (s.count() > 1) {
            sb.append(" and ").append(s.count() - 1).append(" more");
        }
        sb.append(": ").append(Svg.duration(s.nanos()));
        if (s.rows() > 0) {
            sb.append(String.format(Locale.ROOT, ", %,d rows", s.rows()));
        }
        if (s.bytes() > 0) {
            sb.append(", ").append(ByteSize.format(s.bytes()));
        }
        if (s.status() != Span.Status.OK) {
            sb.append(" (").append(s.status().name().toLowerCase(Locale.ROOT)).append(')');
        }
        return sb.toString();
    }

    private static void throughput(RunRecord run, StringBuilder out, List<String> charts) {
        out.append("<h2 id=\"throughput\">Throughput</h2>\n");
        RunRecord.Rates r = run.rates();
        boolean rows = false;
        boolean bytes = false;
        for (int i = 0; i < r.rows().length; i++) {
            rows |= r.rows()[i] > 0;
            bytes |= r.bytes()[i] > 0;
        }
        if (!rows && !bytes) {
            out.append("<p class=\"note\">No rows were moved.</p>\n");
            return;
        }
        out.append("<p class=\"note\">Committed rows and bytes, each unit's spread over its duration, in buckets of ")
                .append(Svg.duration(r.bucketNanos())).append(".</p>\n");
        if (rows) {
            charts.add("rows-chart");
            out.append(ThroughputChart.svg("rows-chart", r.rows(), r.bucketNanos(), run.elapsed(), "rows/s", 1)).append('\n');
        }
        if (bytes) {
            charts.add("bytes-chart");
            out.append(ThroughputChart.svg("bytes-chart", r.bytes(), r.bucketNanos(), run.elapsed(), "MB/s", 1 << 20))
                    .append('\n');
        }
    }

    private static void verify(RunRecord run, StringBuilder out) {
        out.append("<h2 id=\"verify\">Verify</h2>\n");
        if (run.verifies().isEmpty()) {
            out.append("<p class=\"note\" id=\"verify-none\">No verify ran")
                    .append(run.failed() ? " (the run failed before it)" : "").append(".</p>\n");
            return;
        }
        out.append("<table id=\"verify-table\"><tr><th>scope</th><th>result</th><th>compared</th><th>details</th></tr>\n");
        for (RunRecord.Verify v : run.verifies()) {
            out.append("<tr><td>").append(Svg.esc(v.scope())).append("</td><td class=\"").append(v.ok() ? "good" : "bad")
                    .append("\">").append(v.ok() ? "equal" : "DIFFERENT").append("</td><td>").append(Svg.esc(v.summary()))
                    .append("</td><td>");
            v.details().forEach(d -> out.append(Svg.esc(d)).append("<br>"));
            out.append("</td></tr>\n");
        }
        out.append("</table>\n");
    }

    private static void timeWent(RunRecord run, StringBuilder out) {
        out.append("<h2 id=\"time\">Where the time went</h2>\n");
        if (run.totals().isEmpty()) {
            out.append("<p class=\"note\">No worker spans recorded.</p>\n");
            return;
        }
        out.append("<table id=\"lanes-table\"><tr><th>worker</th><th>work</th><th>items</th><th>busy</th>"
                + "<th>of the run</th><th>rows</th><th>bytes</th></tr>\n");
        List<String> order = workerOrder(run.totals().stream().map(RunRecord.LaneTotal::lane).distinct().toList());
        List<RunRecord.LaneTotal> totals = run.totals().stream()
                .sorted(java.util.Comparator.comparingInt(t -> order.indexOf(t.lane()))).toList();
        for (RunRecord.LaneTotal t : totals) {
            out.append("<tr><td>").append(Svg.esc(t.lane())).append("</td><td>").append(t.kind().title)
                    .append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%,d", t.count()))
                    .append("</td><td class=\"n\">").append(Svg.duration(t.busyNanos())).append("</td><td class=\"n\">")
                    .append(String.format(Locale.ROOT, "%.0f%%", 100.0 * t.busyNanos() / Math.max(1, run.elapsed())))
                    .append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%,d", t.rows()))
                    .append("</td><td class=\"n\">").append(t.bytes() > 0 ? ByteSize.format(t.bytes()) : "")
                    .append("</td></tr>\n");
        }
        out.append("</table>\n<h3>Slowest units, batches and ranges</h3>\n<table id=\"slowest-table\">"
                + "<tr><th>what</th><th>worker</th><th>started</th><th>took</th></tr>\n");
        for (Span s : run.slowest()) {
            out.append("<tr><td>").append(Svg.esc(s.kind().title + " " + s.label())).append("</td><td>")
                    .append(Svg.esc(s.lane())).append("</td><td class=\"n\">").append(Svg.clock(s.startNanos() / 1e9))
                    .append("</td><td class=\"n\">").append(Svg.duration(s.nanos())).append("</td></tr>\n");
        }
        out.append("</table>\n");
    }
}
