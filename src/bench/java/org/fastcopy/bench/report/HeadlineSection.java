package org.fastcopy.bench.report;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.fastcopy.bench.report.Results.ConvertRun;
import org.fastcopy.bench.report.Results.CopyRun;
import org.fastcopy.bench.report.Results.StreamRow;

/** The few ratios a reader wants first: fastcopy against each peer at the largest common scale. */
final class HeadlineSection {
    private HeadlineSection() {
    }

    static void write(Markdown md, Inputs in) {
        md.line("## Headline").blank();
        boolean any = copy(md, in.copy());
        any |= convert(md, in.convert());
        any |= jmh(md, in.jmh(), in.jmh1core(), in.stream());
        if (!any) {
            md.line("No results were given.");
        }
        md.blank();
    }

    /** At the largest scale at which fastcopy ran next to at least one peer. */
    private static boolean copy(Markdown md, List<CopyRun> copy) {
        if (copy.isEmpty()) {
            return false;
        }
        boolean any = false;
        double largest = copy.stream().filter(r -> !r.tool().equals("fastcopy")).mapToDouble(CopyRun::scale)
                .filter(sc -> copy.stream().anyMatch(r -> r.scale() == sc && r.tool().equals("fastcopy")))
                .max().orElse(Double.NaN);
        List<CopyRun> at = copy.stream().filter(r -> r.scale() == largest).toList();
        Stats fc = Stats.of(at.stream().filter(r -> r.ok() && r.tool().equals("fastcopy")).toList(), CopyRun::wall);
        for (Map.Entry<String, List<CopyRun>> e : Stats.group(at, CopyRun::tool).entrySet()) {
            if (e.getKey().equals("fastcopy")) {
                continue;
            }
            Stats t = Stats.of(e.getValue().stream().filter(CopyRun::ok).toList(), CopyRun::wall);
            String prefix = "- copy at scale " + Fmt.scale(largest) + " (" + Fmt.num(at.get(0).sizeMb(), 0) + " MB): ";
            if (fc.n() == 0 || t.n() == 0) {
                md.line(prefix + "no ratio against " + e.getKey() + ": "
                        + (fc.n() == 0 ? "fastcopy" : e.getKey()) + " had no successful run");
            } else {
                md.line(prefix + "fastcopy took " + Fmt.ratio(fc.median(), t.median()) + " x the wall time of "
                        + e.getKey() + " (" + Fmt.num(fc.median(), 1) + " s against " + Fmt.num(t.median(), 1) + " s)");
            }
            any = true;
        }
        return any;
    }

    /** At the largest scale, each method at the jobs where its median rows/s was best. */
    private static boolean convert(Markdown md, List<ConvertRun> convert) {
        if (convert.isEmpty()) {
            return false;
        }
        boolean any = false;
        double largest = convert.stream().mapToDouble(ConvertRun::scale).max().orElse(Double.NaN);
        List<ConvertRun> at = convert.stream().filter(r -> r.scale() == largest || Double.isNaN(largest)).toList();
        Map<String, List<ConvertRun>> byMethod = Stats.group(at, ConvertRun::method);
        List<ConvertRun> fcRuns = byMethod.getOrDefault("fastcopy-convert", List.of());
        int fcJobs = bestJobs(fcRuns);
        Stats fc = Stats.of(fcRuns.stream().filter(r -> r.ok() && r.jobs() == fcJobs).toList(), ConvertRun::rowsPerS);
        for (Map.Entry<String, List<ConvertRun>> e : byMethod.entrySet()) {
            if (e.getKey().equals("fastcopy-convert")) {
                continue;
            }
            int jobs = bestJobs(e.getValue());
            Stats t = Stats.of(e.getValue().stream().filter(r -> r.ok() && r.jobs() == jobs).toList(),
                    ConvertRun::rowsPerS);
            String prefix = "- convert at scale " + Fmt.scale(largest) + ": ";
            if (fc.n() == 0 || t.n() == 0) {
                md.line(prefix + "no ratio against " + e.getKey() + ": "
                        + (fc.n() == 0 ? "fastcopy-convert" : e.getKey()) + " had no successful run");
            } else {
                md.line(prefix + "fastcopy-convert converted " + Fmt.ratio(fc.median(), t.median())
                        + " x the rows/s of " + e.getKey() + ", each at its best jobs (" + fcJobs + " and " + jobs
                        + "): " + Fmt.num(fc.median(), 0) + " against " + Fmt.num(t.median(), 0) + " rows/s");
            }
            any = true;
        }
        return any;
    }

    private static boolean jmh(Markdown md, List<JmhRow> jmh, List<JmhRow> jmh1, List<StreamRow> stream) {
        boolean any = false;
        List<JmhRow> handoff = jmh1.isEmpty() ? jmh : jmh1;
        double disruptor = jmhScore(handoff, "CopyHandoffBenchmark.disruptor");
        double abq = jmhScore(handoff, "CopyHandoffBenchmark.arrayBlockingQueue");
        if (!Double.isNaN(disruptor)) {
            String where = jmh1.isEmpty() ? "" : " on one core";
            md.line("- reader-to-writer hand-off" + where + ": " + Fmt.num(disruptor, 0) + " MiB/s through fastcopy's"
                    + " Disruptor ring (the slower of the row sizes measured); an ArrayBlockingQueue: "
                    + Fmt.num(abq, 0) + " MiB/s");
            Stats pg = Stats.of(stream.stream().filter(StreamRow::ok).toList(), StreamRow::mbps);
            if (pg.n() > 0) {
                md.line("- PostgreSQL's fastest single COPY stream here: " + Fmt.num(pg.max(), 1)
                        + " MB/s; the hand-off is " + Fmt.ratio(disruptor, pg.max()) + " x faster");
            }
            any = true;
        }
        double rt = jmhScore(jmh, "ConvertTransformBenchmark.rowTransform");
        double split = jmhScore(jmh, "ConvertTransformBenchmark.stringSplit");
        if (!Double.isNaN(rt)) {
            md.line("- convert row transform: " + Fmt.num(rt, 0) + " rows/s on one thread, " + Fmt.ratio(rt, split)
                    + " x String.split-based decoding");
            any = true;
        }
        return any;
    }

    /** The jobs at which a method's median rows/s was highest, -1 when it never succeeded. */
    static int bestJobs(List<ConvertRun> runs) {
        return Stats.group(runs.stream().filter(ConvertRun::ok).toList(), ConvertRun::jobs).entrySet().stream()
                .max(Comparator.comparingDouble(e -> Stats.of(e.getValue(), ConvertRun::rowsPerS).median()))
                .map(Map.Entry::getKey).orElse(-1);
    }

    /** The lowest score of a benchmark over its parameters: the conservative figure. */
    static double jmhScore(List<JmhRow> rows, String suffix) {
        return rows.stream().filter(r -> r.benchmark().endsWith(suffix)).mapToDouble(JmhRow::score).min()
                .orElse(Double.NaN);
    }
}
