package org.fastcopy.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Markdown of the report, from the result files of a real run. The expected lines are those of
 * bench/results/REPORT.md as the former generator (bench/report/Report.java) wrote them from the same
 * files: the rewrite keeps every table and ratio.
 */
class ReportMarkdownTest {
    @TempDir
    Path dir;

    private List<String> report(String... args) throws IOException {
        Fixtures.Outcome outcome = Fixtures.run(args);
        assertThat(outcome.err()).isEmpty();
        assertThat(outcome.exit()).isZero();
        return Files.readAllLines(dir.resolve("REPORT.md"));
    }

    @Test
    void sectionsComeInTheReportsOrder() throws IOException {
        List<String> md = report(Fixtures.wholeRun(dir.resolve("REPORT.md")));
        assertThat(md.stream().filter(l -> l.startsWith("## ")).toList()).containsExactly("## Machine",
                "## Headline", "## Copy: fastcopy against its peers (bench/copy)", "## Convert: v3 to flat (bench/convert)",
                "## Hot paths (JMH, src/jmh/java)", "## Inputs");
        assertThat(md).contains("- cores: 2; memory: 24105 MB; CPU: AMD EPYC",
                "- run-all arguments: `--scales 0.01,0.05 --runs 2 --jmh-quick`; total time 2820 s");
        assertThat(md.get(md.size() - 1)).isEqualTo("- `" + Fixtures.path(Fixtures.STREAM) + "`");
    }

    @Test
    void headlineGivesFastcopyAgainstEachPeerAtTheLargestScale() throws IOException {
        List<String> md = report(Fixtures.wholeRun(dir.resolve("REPORT.md")));
        assertThat(md).containsSubsequence(
                "- copy at scale 0.05 (307 MB): fastcopy took 0.74 x the wall time of pgdump-dir (86.2 s against 116.3 s)",
                "- copy at scale 0.05 (307 MB): fastcopy took 0.22 x the wall time of pgcopydb (86.2 s against 393.2 s)",
                "- convert at scale 0.01: fastcopy-convert converted 0.67 x the rows/s of row-by-row, each at its best"
                        + " jobs (4 and 1): 1750 against 2611 rows/s",
                "- reader-to-writer hand-off on one core: 2609 MiB/s through fastcopy's Disruptor ring (the slower of"
                        + " the row sizes measured); an ArrayBlockingQueue: 2983 MiB/s",
                "- PostgreSQL's fastest single COPY stream here: 47.3 MB/s; the hand-off is 55.15 x faster",
                "- convert row transform: 3 144 271 rows/s on one thread, 10.34 x String.split-based decoding");
    }

    @Test
    void copyTableHasMediansSpreadsAndRatiosPerScaleAndTool() throws IOException {
        List<String> md = report(Fixtures.wholeRun(dir.resolve("REPORT.md")));
        assertThat(md).containsSubsequence(
                "| scale | size MB | jobs | tool | ok runs | wall s | MB/s | peak MB | wall fastcopy/tool | peak fastcopy/tool |",
                "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
                "| 0.01 | 244.1 | 2 | fastcopy | 2/2 | 85.40 [80.07-90.72] | 2.9 [2.7-3.0] | 750 [638-861] | 1.00 | 1.00 |",
                "| 0.01 | 244.1 | 2 | pgdump-dir | 2/2 | 113.45 [112.51-114.39] | 2.2 [2.1-2.2] | 90 | 0.75 | 8.33 |",
                "| 0.01 | 244.1 | 2 | pgcopydb | 2/2 | 400.70 [397.38-404.02] | 0.6 | 2291 | 0.21 | 0.33 |",
                "| 0.05 | 307.1 | 2 | fastcopy | 2/2 | 86.23 [75.96-96.49] | 3.6 [3.2-4.0] | 779 [712-846] | 1.00 | 1.00 |",
                "| 0.05 | 307.1 | 2 | pgdump-dir | 2/2 | 116.26 [112.32-120.21] | 2.7 [2.6-2.7] | 90 | 0.74 | 8.66 |",
                "| 0.05 | 307.1 | 2 | pgcopydb | 2/2 | 393.25 [388.72-397.77] | 0.8 | 2290 | 0.22 | 0.34 |",
                "![wall time against size](plots/copy-wall-vs-size.png)",
                "![peak memory against size](plots/copy-peak-memory-vs-size.png)",
                "| fastcopy | 2 | 82.18 | 0.013 | 0.003 | 244: 0.350; 307: 0.281 | only two sizes: a line always fits;"
                        + " time per MB flat (x1.25) |",
                "| pgcopydb | 2 | 429.59 | -0.118 | 0.469 | 244: 1.642; 307: 1.281 | only two sizes: a line always"
                        + " fits; time per MB not flat (x1.28) |");
    }

    @Test
    void convertTableRatesEachMethodAgainstFastcopyConvertAtTheSameJobs() throws IOException {
        List<String> md = report(Fixtures.wholeRun(dir.resolve("REPORT.md")));
        assertThat(md).containsSubsequence(
                "| 0.01 | fastcopy-convert | 1 | 2/2 | 6000 | 4.12 [4.01-4.22] | 1459 [1422-1496] | 133 [128-137] | 1.00 |",
                "| 0.01 | fastcopy-convert | 4 | 2/2 | 6000 | 3.43 [3.40-3.46] | 1750 [1734-1765] | 130 [123-136] | 1.00 |",
                "| 0.01 | row-by-row | 1 | 2/2 | 6000 | 2.30 [2.24-2.36] | 2611 [2542-2679] | 170 [163-177] | 0.56 |",
                "| 0.01 | set-based-fdw | 1 | 2/2 | 6000 | 1.40 [1.36-1.43] | 4304 [4196-4412] | 12 | 0.34 |",
                "![convert rows/s against jobs](plots/convert-rows-per-s-vs-jobs.png)");
        assertThat(md).noneMatch(l -> l.startsWith("### Linearity (convert)")); // one scale: nothing to fit
    }

    @Test
    void jmhSectionPairsEachBenchmarkWithItsPeerAndAnswersTheBottleneckQuestion() throws IOException {
        List<String> md = report(Fixtures.wholeRun(dir.resolve("REPORT.md")));
        assertThat(md).containsSubsequence(
                "| ConvertTransformBenchmark.rowTransform |  | all cores | 3 144 271 | n/a | rows/s |",
                "| CopyHandoffBenchmark.disruptor gc.alloc.rate.norm | rowBytes=100 | all cores | 33.41 | n/a | B/MiB moved |",
                "| CopyHandoffBenchmark.disruptor | rowBytes=1000 | one core | 3811 | n/a | MiB/s |",
                "- all cores, CopyHandoffBenchmark.disruptor / CopyHandoffBenchmark.arrayBlockingQueue (rowBytes=100):"
                        + " 1.04 (MiB/s, above 1: fastcopy's way is faster)",
                "- one core, CopyHandoffBenchmark.disruptor / CopyHandoffBenchmark.arrayBlockingQueue (rowBytes=1000):"
                        + " 0.64 (MiB/s, above 1: fastcopy's way is faster)",
                "- PostgreSQL, COPY FROM STDIN (flux2; new table + FREEZE) (text): 47.3 MB/s (10.9 MB in 0.23 s)",
                "- fastcopy's whole-database copies in this run: 3.1 [2.7-4.0] MB/s of database size (indexes"
                        + " included, which are rebuilt, not streamed)",
                "- so the hand-off moves 55.15 x what the fastest single PostgreSQL COPY stream here sustains: the"
                        + " pipe is not the bottleneck.");
        // -prof gc's counts and times are left out; only the allocation rates stay
        assertThat(md).noneMatch(l -> l.contains("gc.count") || l.contains("gc.time"));
    }

    @Test
    void failedRunsAreListedAndLeftOutOfMediansAndRatios() throws IOException {
        List<String> md = report("--report", dir.resolve("REPORT.md").toString(), "--copy",
                Fixtures.path(Fixtures.COPY_FAILURES));
        assertThat(md).containsSubsequence(
                "- copy at scale 0.005 (232 MB): no ratio against pgdump-psql: fastcopy had no successful run",
                "| 0.005 | 232.0 | 2 | fastcopy | 0/1 | n/a | n/a | n/a | n/a | n/a |",
                "| 0.005 | 232.0 | 2 | pgdump-psql | 1/1 | 295.20 | 0.8 | 98 | n/a | n/a |",
                "| 0.005 | 232.0 | 2 | pgcopydb | 0/1 | n/a | n/a | n/a | n/a | n/a |",
                "- scale 0.005, fastcopy run 1: failed (exit 4) (after 12.5 s)",
                "- scale 0.005, pgcopydb run 1: failed (exit 12) (after 21.9 s)",
                "| fastcopy | 0 | | | | | fewer than two sizes with a successful run: nothing to check |");
    }

    @Test
    void aReportWithNoInputsSaysSoInEachSection() throws IOException {
        List<String> md = report("--report", dir.resolve("REPORT.md").toString());
        assertThat(md).containsSubsequence("## Headline", "", "No results were given.", "",
                "## Copy: fastcopy against its peers (bench/copy)", "", "Not run.",
                "## Convert: v3 to flat (bench/convert)", "", "Not run (bench/convert was missing or produced no results).",
                "## Hot paths (JMH, src/jmh/java)", "", "Not run.");
        assertThat(md).contains("- cores: ?; memory: ? MB; CPU: ?");
        assertThat(dir.resolve("plots")).isEmptyDirectory();
    }
}
