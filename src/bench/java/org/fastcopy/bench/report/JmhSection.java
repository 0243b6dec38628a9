package org.fastcopy.bench.report;

import java.util.ArrayList;
import java.util.List;
import org.fastcopy.bench.report.Results.CopyRun;
import org.fastcopy.bench.report.Results.StreamRow;

/** The JMH scores, each benchmark against its peer, and the hand-off next to PostgreSQL's own COPY rate. */
final class JmhSection {
    /** {fastcopy's way, its peer, the unit}: each pair in the same class and parameters. */
    private static final String[][] PEERS = {
        {"CopyHandoffBenchmark.disruptor", "CopyHandoffBenchmark.arrayBlockingQueue", "MiB/s"},
        {"ConvertTransformBenchmark.rowTransform", "ConvertTransformBenchmark.stringSplit", "rows/s"},
    };

    private JmhSection() {
    }

    static void write(Markdown md, List<JmhRow> jmh, List<JmhRow> jmh1, List<StreamRow> stream, List<CopyRun> copy) {
        md.line("## Hot paths (JMH, src/jmh/java)").blank();
        if (jmh.isEmpty() && jmh1.isEmpty()) {
            md.line("Not run.").blank();
            return;
        }
        md.line("Score +- JMH's 99.9% error over the measurement iterations of one fork; \"noisy\" marks an"
                + " error above a third of the score (a busy machine: compare with the load average above)."
                + " Hand-off: MiB/s"
                + " moved from reader to writer thread; transform: rows/s on one thread; planners: time per"
                + " plan of ten thousand weekly children; follower: time per streamed test_run row decoded"
                + " from pgoutput, and written as COPY text, on C1 as the launcher runs it.").blank();
        md.line("| benchmark | parameters | where | score | +- | unit |");
        md.line("|---|---|---|---:|---:|---|");
        List<JmhRow> all = new ArrayList<>(jmh);
        all.addAll(jmh1);
        for (JmhRow r : all) {
            boolean noisy = r.error() > r.score() / 3;
            md.line("| " + r.shortName() + " | " + r.params() + " | " + (r.where().isEmpty() ? "all cores" : r.where())
                    + " | " + Fmt.num(r.score(), r.score() >= 100 ? 0 : 2) + " | "
                    + Fmt.num(r.error(), r.error() >= 100 ? 0 : 2) + (noisy ? " (noisy)" : "") + " | " + r.unit() + " |");
        }
        md.blank();
        md.line("Peer ratios, same run:").blank();
        pairs(md, jmh, "all cores");
        pairs(md, jmh1, "one core");
        md.blank();
        bottleneck(md, jmh1.isEmpty() ? jmh : jmh1, !jmh1.isEmpty(), stream, copy);
    }

    private static void pairs(Markdown md, List<JmhRow> rows, String where) {
        for (String[] p : PEERS) {
            for (JmhRow a : rows) {
                if (!a.benchmark().endsWith(p[0])) {
                    continue;
                }
                rows.stream().filter(b -> b.benchmark().endsWith(p[1]) && b.params().equals(a.params())).findFirst()
                        .ifPresent(b -> md.line("- " + where + ", " + a.shortName() + " / " + b.shortName()
                                + (a.params().isEmpty() ? "" : " (" + a.params() + ")") + ": "
                                + Fmt.ratio(a.score(), b.score()) + " (" + p[2]
                                + ", above 1: fastcopy's way is faster)"));
            }
        }
    }

    /** The slowest hand-off against the fastest single COPY stream: twice as fast is "not the bottleneck". */
    private static void bottleneck(Markdown md, List<JmhRow> rows, boolean oneCore, List<StreamRow> stream,
                                   List<CopyRun> copy) {
        List<JmhRow> handoff = rows.stream()
                .filter(r -> r.benchmark().endsWith("CopyHandoffBenchmark.disruptor")).toList();
        if (handoff.isEmpty()) {
            return;
        }
        md.line("### Is the pipe ever the bottleneck?").blank();
        double slowest = handoff.stream().mapToDouble(JmhRow::score).min().orElse(Double.NaN);
        md.line("- hand-off through fastcopy's ring" + (oneCore ? " on one core" : "") + ": "
                + Fmt.num(slowest, 0) + " MiB/s at the slowest row size measured");
        for (StreamRow s : stream) {
            md.line("- PostgreSQL, " + s.what() + " (" + s.format() + "): "
                    + (s.ok() ? Fmt.num(s.mbps(), 1) + " MB/s (" + Fmt.num(s.mb(), 1) + " MB in "
                    + Fmt.num(s.seconds(), 2) + " s)" : s.status()));
        }
        Stats fc = Stats.of(copy.stream().filter(r -> r.ok() && r.tool().equals("fastcopy")).toList(), CopyRun::mbps);
        if (fc.n() > 0) {
            md.line("- fastcopy's whole-database copies in this run: " + fc.show(1) + " MB/s of database"
                    + " size (indexes included, which are rebuilt, not streamed)");
        }
        double pg = stream.stream().filter(StreamRow::ok).mapToDouble(StreamRow::mbps).max().orElse(Double.NaN);
        if (!Double.isNaN(pg)) {
            md.line("- so the hand-off moves " + Fmt.ratio(slowest, pg) + " x what the fastest single"
                    + " PostgreSQL COPY stream here sustains: "
                    + (slowest > 2 * pg ? "the pipe is not the bottleneck." : "the pipe may be a bottleneck."));
        }
        md.blank();
    }
}
