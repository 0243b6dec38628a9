package org.fastcopy.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing, empty or malformed input stops the report with exit 2 and one line that names the file. */
class ReportErrorsTest {
    @TempDir
    Path dir;

    private Fixtures.Outcome runWith(String option, Path file) {
        return Fixtures.run("--report", dir.resolve("REPORT.md").toString(), option, file.toString());
    }

    private void assertOneLineError(Fixtures.Outcome outcome, String line) {
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.err()).isEqualTo("Report: " + line + System.lineSeparator());
        assertThat(outcome.out()).isEmpty();
        assertThat(dir.resolve("REPORT.md")).doesNotExist();
    }

    @Test
    void aMissingFileIsNamedWithItsOption() {
        Path missing = dir.resolve("copy-scale0.01-nowhere.csv");
        assertOneLineError(runWith("--copy", missing), "--copy: no such file '" + missing + "'");
        assertOneLineError(runWith("--stream", missing), "--stream: no such file '" + missing + "'");
    }

    @Test
    void aMissingFollowOrConvertFollowFileOrRunbookIsNamedWithItsOption() {
        Path missing = dir.resolve("follow-scale0.01-nowhere.csv");
        for (String option : new String[] {"--follow", "--convert-follow", "--convert-follow-backlog",
            "--convert-follow-full", "--runbook"}) {
            assertOneLineError(runWith(option, missing), option + ": no such file '" + missing + "'");
        }
    }

    @Test
    void aFollowCsvWithoutItsValueColumnIsRefused() throws IOException {
        Path csv = Files.writeString(dir.resolve("follow-scale0.01-x.csv"), "run,tool,measure\n1,fastcopy,cutover_s\n");
        assertOneLineError(runWith("--follow", csv), csv + ": no column 'value' in header [run, tool, measure]");
    }

    @Test
    void aFullConversionCsvWithoutItsSecondsIsRefused() throws IOException {
        Path csv = Files.writeString(dir.resolve("convert-follow-full-scale0.01-x.csv"), "scale,test_run_rows\n0.01,5\n");
        assertOneLineError(runWith("--convert-follow-full", csv),
                csv + ": no column 'full_conversion_s' in header [scale, test_run_rows]");
    }

    @Test
    void aRunbookWithoutTheConversionsTimesIsRefused() throws IOException {
        Path runbook = Files.writeString(dir.resolve("runbook.txt"), "5) Setup\n   4/12 9:00 - start setup\n"
                + "6) Start the conversion process\n   ./run-convert-all-ranges.sh\n7) Redirect\n");
        assertOneLineError(runWith("--runbook", runbook), runbook + ": no step 6) with 'M/D H:MM - start' and"
                + " 'M/D H:MM - fin' lines (the conversion's log)");
    }

    @Test
    void anEmptyCsvIsRefused() throws IOException {
        Path empty = Files.writeString(dir.resolve("convert-scale0.2-x.csv"), "");
        assertOneLineError(runWith("--convert", empty), empty + " is empty: expected a CSV header line with"
                + " method, jobs, run, rows, wall_s, rows_per_s, peak_mb, status");
    }

    @Test
    void aCsvOfCommentsOnlyIsEmpty() throws IOException {
        Path comments = Files.writeString(dir.resolve("stream-x.csv"), "# server: 15\n\n# source: nothing\n");
        assertOneLineError(runWith("--stream", comments), comments + " is empty: expected a CSV header line with"
                + " what, format, mb, seconds, status");
    }

    @Test
    void aCsvWithoutARequiredColumnNamesTheColumn() throws IOException {
        Path csv = Files.writeString(dir.resolve("copy-scale1-x.csv"), "tool,run,wall_s,mb_per_s,peak_mb\nfastcopy,1,2,3,4\n");
        assertOneLineError(runWith("--copy", csv),
                csv + ": no column 'status' in header [tool, run, wall_s, mb_per_s, peak_mb]");
    }

    @Test
    void aCommandLineWithoutReportShowsTheUsage() {
        Fixtures.Outcome outcome = Fixtures.run("--copy", Fixtures.path(Fixtures.COPY_001));
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.err().lines()).containsExactly("Report: --report FILE is required", ReportOptions.USAGE);
    }

    @Test
    void anUnknownOptionShowsTheUsage() {
        Fixtures.Outcome outcome = Fixtures.run("--report", dir.resolve("REPORT.md").toString(), "--jhm", "x.csv");
        assertThat(outcome.err().lines()).containsExactly("Report: unknown argument '--jhm'", ReportOptions.USAGE);
    }
}
