package org.fastcopy.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.fastcopy.bench.report.Results.ConvertFollow;
import org.fastcopy.bench.report.Results.ConvertFollowBacklog;
import org.fastcopy.bench.report.Results.ConvertFollowRun;
import org.fastcopy.bench.report.Results.FullConversion;

/**
 * bench/convert-follow: how closely {@code convert --follow} keeps a flat database current. Per scale
 * and transaction size, the live runs' medians (writer, follower, catch-up, lag) and the backlog runs
 * (the follower's own apply rate, also as a share of the full conversion's rows/s); the full
 * conversion of the final v3 the benchmark times for comparison; beside it the seed runbook's
 * reconversion of the production database, a figure from the runbook, never measured here.
 */
final class ConvertFollowSection {
    private static final double MB = 1024 * 1024;

    private ConvertFollowSection() {
    }

    static void write(Markdown md, ConvertFollow cf) {
        if (cf.files().isEmpty()) {
            return; // no CSV given: the section is left out, as bench/run-all --skip convert-follow means
        }
        md.line("## Convert --follow: keeping flat current (bench/convert-follow)").blank();
        if (!cf.notes().isEmpty()) {
            md.line("Notes added to the live runs' .md after the run, quoted:").blank();
            cf.notes().forEach(n -> md.line("> " + n).blank());
        }
        live(md, cf.live());
        backlog(md, cf.backlog(), cf.full());
        full(md, cf.full(), cf.backlog());
        runbook(md, cf.runbook(), cf.live());
    }

    static void live(Markdown md, List<ConvertFollowRun> runs) {
        md.line("### Live: a writer as fast as one session, the follower keeping up").blank();
        if (runs.isEmpty()) {
            md.line("No live runs in the files given.").blank();
            return;
        }
        md.line("A writer on v3's cluster inserts test_run rows in transactions of rows/txn rows, as fast as one"
                + " server session can for a fixed time, while `bin/convert --follow` keeps the flat database on the"
                + " same cluster current. writer rows/s = rows / writing time; follower rows/s (sustained) = rows /"
                + " time from the writer's start until flat held them all; follower / writer of the medians is 1"
                + " when the follower kept up; catch-up = time from the writer's stop until flat held every row;"
                + " lag = the follower's meters fastcopy_convert_follow_lag_seconds and _bytes read every second"
                + " (per run their median and maximum; MB = 2^20 bytes). Cells: median [min-max] over the runs.")
                .blank();
        md.line("| scale | rows/txn | runs | rows | writer rows/s | follower rows/s | follower / writer | catch-up s"
                + " | lag s median | lag s max | lag MB max |");
        md.line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        List<String> missing = new ArrayList<>();
        for (Map.Entry<Double, List<ConvertFollowRun>> s : byScale(runs, ConvertFollowRun::scale).entrySet()) {
            Map<Integer, List<ConvertFollowRun>> bySize = new TreeMap<>(Stats.group(s.getValue(),
                    ConvertFollowRun::rowsPerTxn));
            for (Map.Entry<Integer, List<ConvertFollowRun>> z : bySize.entrySet()) {
                List<ConvertFollowRun> r = z.getValue();
                Stats writer = Stats.of(r, ConvertFollowRun::writerRowsS);
                Stats follower = Stats.of(r, ConvertFollowRun::followerRowsS);
                md.line("| " + Fmt.scale(s.getKey()) + " | " + z.getKey() + " | " + r.size() + " | "
                        + Stats.of(r, ConvertFollowRun::rows).show(0) + " | " + writer.show(0) + " | "
                        + follower.show(0) + " | " + Fmt.ratio(follower.median(), writer.median()) + " | "
                        + Stats.of(r, ConvertFollowRun::catchUpS).show(1) + " | "
                        + Stats.of(r, ConvertFollowRun::lagSMedian).show(2) + " | "
                        + Stats.of(r, ConvertFollowRun::lagSMax).show(2) + " | "
                        + Stats.of(r, x -> x.lagBytesMax() / MB).show(1) + " |");
                r.stream().filter(x -> !x.missing().isEmpty()).forEach(x -> missing.add("scale "
                        + Fmt.scale(x.scale()) + ", " + x.rowsPerTxn() + " rows/txn run " + x.run() + ": "
                        + String.join(", ", x.missing())));
            }
        }
        md.blank();
        missingList(md, missing);
    }

    static void backlog(Markdown md, List<ConvertFollowBacklog> runs, List<FullConversion> full) {
        md.line("### Backlog: the follower's own apply rate").blank();
        if (runs.isEmpty()) {
            md.line("No backlog runs in the files given.").blank();
            return;
        }
        md.line("One run per size: the follower was stopped (SIGSTOP) while the writer wrote, then continued;"
                + " apply rows/s = rows / time from SIGCONT until flat held them all, the rate the live runs cannot"
                + " show once the follower keeps up. The last column divides it by the full conversion's test_run"
                + " rows/s at the same scale (below).").blank();
        md.line("| scale | rows/txn | runs | rows | writer rows/s | applied in s | apply rows/s |"
                + " apply / full conversion rows/s |");
        md.line("|---:|---:|---:|---:|---:|---:|---:|---:|");
        List<String> missing = new ArrayList<>();
        for (Map.Entry<Double, List<ConvertFollowBacklog>> s : byScale(runs, ConvertFollowBacklog::scale).entrySet()) {
            double fullRate = fullRate(full, s.getKey());
            Map<Integer, List<ConvertFollowBacklog>> bySize = new TreeMap<>(Stats.group(s.getValue(),
                    ConvertFollowBacklog::rowsPerTxn));
            for (Map.Entry<Integer, List<ConvertFollowBacklog>> z : bySize.entrySet()) {
                List<ConvertFollowBacklog> r = z.getValue();
                Stats apply = Stats.of(r, ConvertFollowBacklog::applyRowsS);
                md.line("| " + Fmt.scale(s.getKey()) + " | " + z.getKey() + " | " + r.size() + " | "
                        + Stats.of(r, ConvertFollowBacklog::rows).show(0) + " | "
                        + Stats.of(r, ConvertFollowBacklog::writerRowsS).show(0) + " | "
                        + Stats.of(r, ConvertFollowBacklog::applyS).show(1) + " | " + apply.show(0) + " | "
                        + Fmt.ratio(apply.median(), fullRate) + " |");
                r.stream().filter(x -> !x.missing().isEmpty()).forEach(x -> missing.add("scale "
                        + Fmt.scale(x.scale()) + ", " + x.rowsPerTxn() + " rows/txn backlog: "
                        + String.join(", ", x.missing())));
            }
        }
        md.blank();
        missingList(md, missing);
    }

    static void full(Markdown md, List<FullConversion> full, List<ConvertFollowBacklog> backlog) {
        md.line("### Full conversion of the final v3, for comparison").blank();
        if (full.isEmpty()) {
            md.line("No full conversion in the files given.").blank();
            return;
        }
        md.line("Timed by bench/convert-follow after the runs above: `bin/convert --jobs 2` of the v3 the writers"
                + " left, into a new flat database on the same cluster.").blank();
        for (Map.Entry<Double, List<FullConversion>> s : byScale(full, FullConversion::scale).entrySet()) {
            List<FullConversion> f = s.getValue();
            double rate = fullRate(full, s.getKey());
            Stats share = Stats.of(Stats.group(backlog.stream().filter(b -> Double.compare(b.scale(), s.getKey()) == 0)
                    .toList(), ConvertFollowBacklog::rowsPerTxn).values().stream()
                    .map(b -> Stats.of(b, ConvertFollowBacklog::applyRowsS).median() / rate).toList());
            String check = String.join("; ", f.stream().map(FullConversion::flatCheck).filter(c -> !c.isEmpty())
                    .distinct().toList());
            md.line("- scale " + Fmt.scale(s.getKey()) + ": **" + Stats.of(f, FullConversion::seconds).show(1)
                    + " s** for " + Stats.of(f, FullConversion::testRunRows).show(0) + " test_run rows: "
                    + Fmt.num(rate, 0) + " test_run rows/s"
                    + (share.n() == 0 ? "" : "; the follower's backlog apply rate is " + Fmt.num(share.min(), 2)
                    + (share.min() == share.max() ? "" : " to " + Fmt.num(share.max(), 2)) + " of that")
                    + (check.isEmpty() ? "" : "; the followed flat against v3's counts: " + check));
        }
        md.blank();
    }

    /** The runbook's figure, kept apart from the measured ones: no ratio is drawn between them. */
    static void runbook(Markdown md, Runbook runbook, List<ConvertFollowRun> live) {
        md.line("### The seed runbook's reconversion (from the runbook, not measured here)").blank();
        if (runbook == null) {
            md.line("Not given (`--runbook`): no runbook figure to set beside the measured ones.").blank();
            return;
        }
        md.line("`" + runbook.file().getFileName() + "`, step " + Runbook.CONVERSION_STEP + " (\"" + runbook.title()
                + "\"), logs the production database's reconversion from " + runbook.first() + " to "
                + runbook.last() + ": **" + Fmt.num(runbook.hours(), 1) + " hours** (" + runbook.minutes() / 60 + " h "
                + runbook.minutes() % 60 + " min). That figure is the runbook's, for the production database on its"
                + " own servers; every other figure in this section was measured here, on a generated database on"
                + " this machine, so the report draws no ratio between them.").blank();
        Stats catchUp = Stats.of(Stats.group(live, ConvertFollowRun::rowsPerTxn).values().stream()
                .map(r -> Stats.of(r, ConvertFollowRun::catchUpS).median()).toList());
        if (catchUp.n() > 0) {
            md.line("A followed flat database is not reconverted: measured here, the follower held every row within "
                    + Fmt.num(catchUp.max(), 1) + " s of the writer stopping (the largest median catch-up above).")
                    .blank();
        }
    }

    /** The full conversion's test_run rows/s at a scale: median rows over median seconds; NaN without one. */
    static double fullRate(List<FullConversion> full, double scale) {
        List<FullConversion> at = full.stream().filter(f -> Double.compare(f.scale(), scale) == 0).toList();
        return Stats.of(at, FullConversion::testRunRows).median() / Stats.of(at, FullConversion::seconds).median();
    }

    private static <T> Map<Double, List<T>> byScale(List<T> rows, Function<T, Double> scale) {
        return new TreeMap<>(Stats.group(rows, scale));
    }

    private static void missingList(Markdown md, List<String> missing) {
        if (!missing.isEmpty()) {
            md.line("Fields that are not numbers (left out of their medians):").blank();
            missing.forEach(m -> md.line("- " + m));
            md.blank();
        }
    }
}
