package org.fastcopy.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The follow section (bench/follow's CSV, --follow) and the convert-follow section (bench/convert-follow's
 * three CSVs and the seed runbook). Real inputs: the bench/results files of 2026-12-05 12:37 (3 runs,
 * 196 tables, with fastcopy-before) and 17:13 (1 run, 1,795 tables, a note added to its .md), and
 * of 2026-12-06 05:10 for convert-follow, whose full-conversion CSV holds the figures of that run's
 * .md (the script wrote them only there then); the runbook is steps 5-7 of the seed runbook. The
 * synthetic files hold failed runs and fields that are not numbers, with figures easy to check by hand.
 */
class ReportFollowTest {
    static final String FOLLOW_1237 = "follow-scale0.01-2026-12-05-1237.csv";
    static final String FOLLOW_1713 = "follow-scale0.01-2026-12-05-1713.csv";
    /** Run 3 failed (its .md says so); fastcopy's tx100 rates are "n/a" and blank. */
    static final String FOLLOW_SYNTHETIC = "follow-scale0.02-synthetic.csv";
    static final String CF_LIVE = "convert-follow-scale0.01-20261206-0510.csv";
    static final String CF_BACKLOG = "convert-follow-backlog-scale0.01-20261206-0510.csv";
    static final String CF_FULL = "convert-follow-full-scale0.01-20261206-0510.csv";
    static final String CF_LIVE_MISSING = "convert-follow-scale0.03-synthetic.csv";
    static final String CF_BACKLOG_MISSING = "convert-follow-backlog-scale0.03-synthetic.csv";
    static final String RUNBOOK = "seed-runbook-steps5-7.txt";

    @TempDir
    Path dir;

    private List<String> report(String... extra) throws IOException {
        return Fixtures.report(dir, extra);
    }

    @Test
    void followTableGivesEachToolsMedianAndTheRatioToTheSubscription() throws IOException {
        List<String> md = report("--follow", Fixtures.path(FOLLOW_1237));
        assertThat(md).containsSubsequence(
                "## Follow: fastcopy --follow against CREATE SUBSCRIPTION (bench/follow)",
                "`follow-scale0.01-2026-12-05-1237.csv`: scale 0.01, source 43.0 MB, 196 tables, 3 run(s).",
                "| measure | fastcopy | fastcopy-before | subscription | fastcopy / subscription |",
                "|---|---:|---:|---:|---:|",
                "| initial_copy_s | 9.18 [7.91-10.04] | 9.43 [8.97-10.62] | 23.93 [22.81-24.19] | 0.38 |",
                "| schema_s |  |  | 4.94 [4.10-5.59] |  |",
                "| apply_rows_per_s_tx1 | 5714 [5128-6250] | 4545 [4255-5882] | 12500 [7407-13333] | 0.46 |",
                "| apply_rows_per_s_tx100 | 23256 [22472-23529] | 11628 [10929-12579] | 43478 [42553-43478] | 0.53 |",
                "| apply_rows_per_s_tx10000 | 40000 [30769-40000] | 20202 [18519-21277] | 47619 [37736-47619] | 0.84 |",
                "| lag_s_median | 0.079 [0.074-0.085] | 0.082 [0.072-0.084] | 0.075 [0.074-0.085] | 1.05 |",
                "| cutover_s | 1.30 [1.20-1.73] | 1.14 [1.10-1.27] | 0.37 [0.36-0.41] | 3.51 |");
    }

    @Test
    void goalsNotMetWhenTheRatiosMissThem() throws IOException {
        List<String> md = report("--follow", Fixtures.path(FOLLOW_1237));
        assertThat(md).containsSubsequence(
                "- initial copy at least 3x faster than the subscription's (fastcopy / subscription at most 1/3):"
                        + " **not met**: 0.38 (9.18 s against 23.93 s: the subscription took 2.61x fastcopy's time)",
                "- apply rate at least the subscription's at every transaction size (fastcopy / subscription at"
                        + " least 1): **not met**: apply_rows_per_s_tx1 0.46 (5714 against 12500 rows/s);"
                        + " apply_rows_per_s_tx100 0.53 (23256 against 43478 rows/s); apply_rows_per_s_tx10000 0.84"
                        + " (40000 against 47619 rows/s)");
    }

    @Test
    void goalsMetAtExactlyTheirBoundsAThirdAndEqual() throws IOException {
        Path csv = Files.writeString(dir.resolve("follow-scale0.01-bounds.csv"), """
                run,tool,measure,value
                1,fastcopy,initial_copy_s,10
                1,subscription,initial_copy_s,30
                1,fastcopy,apply_rows_per_s_tx1,3000
                1,subscription,apply_rows_per_s_tx1,2000
                1,fastcopy,apply_rows_per_s_tx100,5000
                1,subscription,apply_rows_per_s_tx100,5000
                """);
        List<String> md = report("--follow", csv.toString());
        assertThat(md).contains(
                "- initial copy at least 3x faster than the subscription's (fastcopy / subscription at most 1/3):"
                        + " **met**: 0.33 (10.00 s against 30.00 s: the subscription took 3.00x fastcopy's time)",
                "- apply rate at least the subscription's at every transaction size (fastcopy / subscription at"
                        + " least 1): **met**: apply_rows_per_s_tx1 1.50 (3000 against 2000 rows/s);"
                        + " apply_rows_per_s_tx100 1.00 (5000 against 5000 rows/s)");
        assertThat(md).contains("`follow-scale0.01-bounds.csv`: scale 0.01, source size unknown (no .md beside the"
                + " CSV), 1 run(s).");
    }

    @Test
    void aFailedRunIsLeftOutAndAFigureThatIsNotANumberShowsAsMissing() throws IOException {
        List<String> md = report("--follow", Fixtures.path(FOLLOW_SYNTHETIC));
        assertThat(md).containsSubsequence(
                "`follow-scale0.02-synthetic.csv`: scale 0.02, source 50.0 MB, 196 tables, 3 run(s).",
                "| measure | fastcopy | subscription | fastcopy / subscription |",
                "| initial_copy_s | 11.00 [10.00-12.00] | 50.00 [40.00-60.00] | 0.22 |",
                "| schema_s |  | 6.00 [5.00-7.00] |  |",
                "| apply_rows_per_s_tx1 | 4000 [3000-5000] | 2000 | 2.00 |",
                "| apply_rows_per_s_tx100 | n/a | 5000 [4000-6000] | n/a |",
                "| lag_s_median | 0.300 | 0.150 [0.100-0.200] | 2.00 |",
                "| cutover_s | 2.00 [1.50-2.50] | 0.60 [0.50-0.70] | 3.33 |",
                "- initial copy at least 3x faster than the subscription's (fastcopy / subscription at most 1/3):"
                        + " **met**: 0.22 (11.00 s against 50.00 s: the subscription took 4.55x fastcopy's time)",
                "- apply rate at least the subscription's at every transaction size (fastcopy / subscription at"
                        + " least 1): cannot be judged (a ratio is n/a): apply_rows_per_s_tx1 2.00 (4000 against 2000"
                        + " rows/s); apply_rows_per_s_tx100 n/a",
                "Failures its .md lists (every figure of those runs is left out of the medians):",
                "- run 3: fastcopy cutover failed (see bench/work/logs/follow-run3-fastcopy.log)",
                "Figures that are not numbers (n/a above, not in the medians):",
                "- run 1, fastcopy, apply_rows_per_s_tx100: 'n/a'",
                "- run 1, fastcopy, lag_s_median: 'n/a'",
                "- run 2, fastcopy, apply_rows_per_s_tx100: ''");
    }

    @Test
    void aNoteAddedToTheMdIsQuotedBeforeItsTable() throws IOException {
        List<String> md = report("--follow", Fixtures.path(FOLLOW_1713), Fixtures.path(FOLLOW_1237));
        assertThat(md).containsSubsequence(
                "### follow-scale0.01-2026-12-05-1713.csv",
                "`follow-scale0.01-2026-12-05-1713.csv`: scale 0.01, source 244.2 MB, 1795 tables, 1 run(s).",
                "Notes added to its .md after the run, quoted:",
                "> **Note (added after the run):** fastcopy's initial_copy_s below (0.06) is wrong: the script's"
                        + " first grep for `following slot` read the previous run's log before the background job"
                        + " truncated it (fixed in 180408a). From fastcopy's log: started 17:13:18, `following slot` at"
                        + " 17:15:49: 151 s, 0.29x the subscription's 523 s. One run, on a machine loaded by two other"
                        + " engineers' builds and tests.",
                "| initial_copy_s | 0.06 | 523.03 | 0.00 |",
                "### follow-scale0.01-2026-12-05-1237.csv");
    }

    @Test
    void convertFollowGivesLiveMediansBacklogRatesAgainstTheFullConversionAndTheRunbookApart() throws IOException {
        List<String> md = report("--convert-follow", Fixtures.path(CF_LIVE), "--convert-follow-backlog",
                Fixtures.path(CF_BACKLOG), "--convert-follow-full", Fixtures.path(CF_FULL), "--runbook",
                Fixtures.path(RUNBOOK));
        assertThat(md).containsSubsequence(
                "## Convert --follow: keeping flat current (bench/convert-follow)",
                "| scale | rows/txn | runs | rows | writer rows/s | follower rows/s | follower / writer | catch-up s"
                        + " | lag s median | lag s max | lag MB max |",
                "| 0.01 | 1 | 3 | 37196 [36117-42517] | 2376 [2316-2555] | 2122 [2087-2362] | 0.89 | 1.4 [1.4-2.2]"
                        + " | 0.10 [0.00-3.57] | 0.24 [0.23-4.66] | 2.2 [2.1-52.4] |",
                "| 0.01 | 10000 | 3 | 110000 [110000-120000] | 6869 [6429-7142] | 5708 [5661-5947] | 0.83"
                        + " | 3.4 [2.2-3.4] | 0.25 [0.24-0.26] | 0.41 [0.37-0.55] | 51.8 [47.1-279.1] |",
                "| scale | rows/txn | runs | rows | writer rows/s | applied in s | apply rows/s |"
                        + " apply / full conversion rows/s |",
                "| 0.01 | 1 | 1 | 41760 | 2745 | 12.5 | 3339 | 0.15 |",
                "| 0.01 | 100 | 1 | 132800 | 8771 | 19.7 | 6726 | 0.29 |",
                "| 0.01 | 10000 | 1 | 160000 | 10093 | 23.5 | 6801 | 0.30 |",
                "- scale 0.01: **45.3 s** for 1 033 890 test_run rows: 22823 test_run rows/s; the follower's backlog"
                        + " apply rate is 0.15 to 0.30 of that; the followed flat against v3's counts: ok",
                "### The seed runbook's reconversion (from the runbook, not measured here)",
                "`seed-runbook-steps5-7.txt`, step 6 (\"Start the conversion process\"), logs the production"
                        + " database's reconversion from 4/12 10:14 to 4/13 10:05: **23.9 hours** (23 h 51 min)."
                        + " That figure is the runbook's, for the production database on its own servers; every other"
                        + " figure in this section was measured here, on a generated database on this machine, so the"
                        + " report draws no ratio between them.",
                "A followed flat database is not reconverted: measured here, the follower held every row within 3.4 s"
                        + " of the writer stopping (the largest median catch-up above).");
    }

    @Test
    void convertFollowFieldsThatAreNotNumbersShowAsMissingWithoutAFullConversionOrRunbook() throws IOException {
        List<String> md = report("--convert-follow", Fixtures.path(CF_LIVE_MISSING), "--convert-follow-backlog",
                Fixtures.path(CF_BACKLOG_MISSING));
        assertThat(md).containsSubsequence(
                "| 0.03 | 1 | 2 | 1500 [1000-2000] | 150 [100-200] | 135 [90-180] | 0.90 | 2.0 [1.0-3.0] | 0.50 | 1.00"
                        + " | 1.0 |",
                "- scale 0.03, 1 rows/txn run 1: lag_s_median, lag_s_max, lag_bytes_max",
                "| 0.03 | 1 | 1 | 3000 | 300 | n/a | n/a | n/a |",
                "- scale 0.03, 1 rows/txn backlog: apply_s, apply_rows_s",
                "No full conversion in the files given.",
                "Not given (`--runbook`): no runbook figure to set beside the measured ones.");
    }

    @Test
    void withoutTheirFilesNeitherSectionIsWritten() throws IOException {
        List<String> md = report("--many", Fixtures.path(ReportTableCountAndLatencyTest.MANY));
        assertThat(md).noneMatch(l -> l.startsWith("## Follow") || l.startsWith("## Convert --follow"));
    }

    @Test
    void runbookSpanRunsFromTheFirstStartToTheLastFinOfStepSix() throws IOException {
        Runbook r = Runbook.read(Path.of(Fixtures.path(RUNBOOK)));
        assertThat(r.first()).isEqualTo("4/12 10:14");
        assertThat(r.last()).isEqualTo("4/13 10:05");
        assertThat(r.minutes()).isEqualTo(23 * 60 + 51);
        Path newYear = Files.writeString(dir.resolve("runbook.txt"), """
                5) Setup
                   12/30 8:00 - start setup
                6) Start the conversion process
                   12/31 23:00 - start base
                   1/1  1:30 - fin (2:30:00)
                7) Redirect
                   1/2 9:00 - fin (nothing)
                """);
        Runbook y = Runbook.read(newYear);
        assertThat(y.minutes()).isEqualTo(150);
        assertThat(y.first()).isEqualTo("12/31 23:00");
    }
}
