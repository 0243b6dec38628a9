package org.fastcopy.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table-count section (bench/many-tables-bench's CSV, --many) and the latency section
 * (bench/copy's CSVs with and without --delay, --latency). Their inputs are small synthetic files
 * in src/test/resources whose figures make every ratio easy to check by hand.
 */
class ReportTableCountAndLatencyTest {
    static final String MANY = "many-tables-synthetic.csv";
    static final String LOOPBACK = "copy-scale0.05-2026-12-05-0001.csv";
    static final String DELAY_1MS = "copy-scale0.05-delay1ms-2026-12-05-0002.csv";

    @TempDir
    Path dir;

    private List<String> report(String... extra) throws IOException {
        return Fixtures.report(dir, extra);
    }

    @Test
    void tableCountRowsGiveMediansAndRatiosToPgDumpPsqlPerCount() throws IOException {
        List<String> md = report("--many", Fixtures.path(MANY));
        assertThat(md).containsSubsequence(
                "## Table count: fastcopy against pg_dump | psql (bench/many-tables-bench)",
                "| 1000 | fastcopy | 2/2 | 11.00 [10.00-12.00] | 205 [200-210] | 0.50 | 4.88 |",
                "| 1000 | pgdump-psql | 2/2 | 22.00 [20.00-24.00] | 42 [40-44] |  |  |",
                "| 5000 | fastcopy | 0/1 | n/a | n/a | n/a | n/a |",
                "| 5000 | pgdump-psql | 1/1 | 100.00 | 90 |  |  |",
                "- 5000 tables, fastcopy run 1: not exact: copied 4999 tables",
                "### Linearity (table count)");
        assertThat(dir.resolve("plots").resolve(ManyTablesSection.WALL_PNG)).isNotEmptyFile();
        assertThat(dir.resolve("plots").resolve(ManyTablesSection.PEAK_PNG)).isNotEmptyFile();
    }

    @Test
    void latencyRowsGiveEachToolsSlowdownAgainstItsOwnLoopbackTime() throws IOException {
        List<String> md = report("--latency", Fixtures.path(LOOPBACK), Fixtures.path(DELAY_1MS));
        assertThat(md).containsSubsequence(
                "## Latency: copy through a delaying proxy (bench/copy --delay)",
                "| 0.05 | 0.0 | fastcopy | 1/1 | 40.00 | 1.00 | 1.00 |",
                "| 0.05 | 0.0 | pgdump-psql | 1/1 | 100.00 | 1.00 | 0.40 |",
                "| 0.05 | 2.0 | fastcopy | 1/1 | 60.00 | 1.50 | 1.00 |",
                "| 0.05 | 2.0 | pgdump-psql | 1/2 | 250.00 | 2.50 | 0.24 |",
                "- scale 0.05, 2.0 ms, pgdump-psql run 2: failed (exit 1)");
        assertThat(dir.resolve("plots").resolve(LatencySection.PNG)).isNotEmptyFile();
    }

    @Test
    void withoutTheirFilesNeitherSectionIsWritten() throws IOException {
        List<String> md = report("--copy", Fixtures.path(Fixtures.COPY_005));
        assertThat(md).noneMatch(l -> l.startsWith("## Table count") || l.startsWith("## Latency"));
    }

    @Test
    void aTableCountFileWithoutItsColumnsIsRefusedNamingIt() {
        Fixtures.Outcome outcome = Fixtures.run("--report", dir.resolve("REPORT.md").toString(),
                "--many", Fixtures.path(LOOPBACK));
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.err()).contains(LOOPBACK).contains("no column 'tables'");
    }
}
