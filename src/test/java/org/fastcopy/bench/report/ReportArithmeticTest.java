package org.fastcopy.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fastcopy.bench.report.Results.CopyRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure functions under the tables: medians, fits, verdicts, number formats, CSV fields. */
class ReportArithmeticTest {
    @TempDir
    Path dir;

    @Test
    void medianAndSpreadLeaveMissingFiguresOut() {
        assertThat(Stats.of(List.of(3.0, 1.0, Double.NaN, 2.0))).isEqualTo(new Stats(3, 2.0, 1.0, 3.0));
        assertThat(Stats.of(List.of(4.0, 1.0)).median()).isEqualTo(2.5);
        assertThat(Stats.of(List.of(1.0, 3.0)).show(1)).isEqualTo("2.0 [1.0-3.0]");
        assertThat(Stats.of(List.of(5.0, 5.0)).show(0)).isEqualTo("5");
        assertThat(Stats.of(List.of(Double.NaN)).show(2)).isEqualTo("n/a");
    }

    @Test
    void fitOfAStraightLineIsExact() {
        Fit fit = Fit.of(List.of(new double[] {100, 70}, new double[] {200, 90}, new double[] {400, 130}));
        assertThat(fit.a()).isCloseTo(50, within(1e-9));
        assertThat(fit.b()).isCloseTo(0.2, within(1e-12));
        assertThat(fit.r2()).isCloseTo(1, within(1e-12));
    }

    @Test
    void verdictSeparatesLinearFixedCostAndNotLinear() {
        Fit line = new Fit(50, 0.2, 0.999, 3);
        assertThat(LinearitySection.verdict(3, line, 1.1, "MB")).isEqualTo("linear: straight line and flat time per MB");
        assertThat(LinearitySection.verdict(3, line, 2, "MB")).isEqualTo("linear with a fixed cost: straight line,"
                + " but time per MB varies x2.00 (the fixed cost a weighs on small sizes)");
        assertThat(LinearitySection.verdict(3, new Fit(0, 1, 0.5, 3), 1, "rows"))
                .isEqualTo("NOT linear at these sizes (R^2 0.500)");
        assertThat(LinearitySection.verdict(2, line, 1.3, "MB"))
                .isEqualTo("only two sizes: a line always fits; time per MB not flat (x1.30)");
    }

    @Test
    void linearityRowGivesTimePerUnitAtEachSize() {
        String row = LinearitySection.row("fastcopy",
                List.of(new double[] {100, 70}, new double[] {200, 90}, new double[] {400, 130}), "MB");
        assertThat(row).isEqualTo("| fastcopy | 3 | 50.00 | 0.200 | 1.000 | 100: 0.700; 200: 0.450; 400: 0.325 |"
                + " linear with a fixed cost: straight line, but time per MB varies x2.15 (the fixed cost a weighs"
                + " on small sizes) |");
    }

    @Test
    void numbersAndRatios() {
        assertThat(Fmt.num(3144271.4, 0)).isEqualTo("3 144 271");
        assertThat(Fmt.num(12.345, 2)).isEqualTo("12.35");
        assertThat(Fmt.ratio(1, 0)).isEqualTo("n/a");
        assertThat(Fmt.ratio(Double.NaN, 2)).isEqualTo("n/a");
        assertThat(Fmt.ratio(86.23, 116.26)).isEqualTo("0.74");
        assertThat(Fmt.scale(0.05)).isEqualTo("0.05");
        assertThat(Fmt.scale(4)).isEqualTo("4");
        assertThat(Fmt.perUnit(0.00123)).isEqualTo("0.00123");
    }

    @Test
    void csvFieldsMayBeQuotedWithCommasAndQuotes() {
        assertThat(Csv.split("a,\"b, c\",\"say \"\"hi\"\"\",")).containsExactly("a", "b, c", "say \"hi\"", "");
        assertThat(Csv.num(" 1,5")).isEqualTo(1.5);
        assertThat(Csv.num("n/a")).isNaN();
    }

    @Test
    void withoutItsMdACopyFileTakesOneSizeForAllRunsFromMbPerSecondTimesWall() throws IOException {
        Path csv = Files.writeString(dir.resolve("copy-scale0.5-x.csv"), """
                tool,run,wall_s,mb_per_s,peak_mb,status
                fastcopy,1,10,10,100,"ok"
                fastcopy,2,20,6,100,"ok"
                pgcopydb,1,1,1,100,"failed (exit 12)"
                """);
        List<CopyRun> runs = Results.copy(csv);
        assertThat(runs).extracting(CopyRun::sizeMb).containsOnly(110.0); // median of 100 and 120
        assertThat(runs).extracting(CopyRun::scale).containsOnly(0.5);
        assertThat(runs).extracting(CopyRun::jobs).containsOnly("?");
    }
}
