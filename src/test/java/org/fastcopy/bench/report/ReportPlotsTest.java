package org.fastcopy.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each plot is a PNG of the chart's size with the data drawn on it: the series' own colours are on
 * it, not only the white background, the axes and the text.
 */
class ReportPlotsTest {
    /** Enough pixels of a series colour inside the axes for at least one dot (9 px wide) and its bar. */
    private static final int SERIES_PIXELS = 40;

    @TempDir
    Path dir;

    @Test
    void writesTheThreePlotsOfAWholeRun() throws IOException {
        assertThat(Fixtures.run(Fixtures.wholeRun(dir.resolve("REPORT.md"))).exit()).isZero();
        for (String png : List.of(CopySection.WALL_PNG, CopySection.PEAK_PNG, ConvertSection.PNG)) {
            BufferedImage img = read(dir.resolve("plots").resolve(png));
            assertThat(distinctColours(img)).as(png + ": distinct colours").isGreaterThan(50);
            assertThat(pixels(img, Color.WHITE)).as(png + ": background").isGreaterThan(img.getWidth() * img.getHeight() / 2);
            for (int series = 0; series < 3; series++) {
                assertThat(pixels(img, MinMaxLineChart.PALETTE[series])).as(png + ": series " + series).isPositive();
            }
        }
    }

    @Test
    void eachSeriesIsDrawnInsideTheAxes() throws IOException {
        List<Results.CopyRun> copy = new ArrayList<>(Results.copy(Path.of(Fixtures.path(Fixtures.COPY_001))));
        copy.addAll(Results.copy(Path.of(Fixtures.path(Fixtures.COPY_005))));
        List<Results.ConvertRun> convert = Results.convert(Path.of(Fixtures.path(Fixtures.CONVERT)));
        Map<String, ChartData> charts = Map.of(
                "wall", CopySection.chart(copy, "wall", "s", Results.CopyRun::wall),
                "convert", ConvertSection.chart(convert, false));
        for (Map.Entry<String, ChartData> chart : charts.entrySet()) {
            Path png = dir.resolve(chart.getKey() + ".png");
            Rectangle area = MinMaxLineChart.write(chart.getValue(), png).getBounds();
            BufferedImage img = read(png);
            int series = chart.getValue().points().size();
            assertThat(series).isGreaterThanOrEqualTo(3);
            for (int i = 0; i < series; i++) {
                assertThat(pixels(img, MinMaxLineChart.PALETTE[i], area)).as(chart.getKey() + ": series " + i)
                        .isGreaterThan(SERIES_PIXELS);
            }
        }
    }

    @Test
    void aSeriesWithoutRunsIsOnlyInTheLegend() throws IOException {
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        points.put("nothing", List.of());
        points.put("something", List.of(new double[] {1, 2}, new double[] {2, 3}));
        Path png = dir.resolve("legend.png");
        Rectangle area = MinMaxLineChart.write(new ChartData("t", "x", "y", false, points, Map.of()), png).getBounds();
        BufferedImage img = read(png);
        assertThat(pixels(img, MinMaxLineChart.PALETTE[0], area)).isZero();
        assertThat(pixels(img, MinMaxLineChart.PALETTE[0])).isPositive();
        assertThat(pixels(img, MinMaxLineChart.PALETTE[1], area)).isGreaterThan(SERIES_PIXELS);
    }

    @Test
    void failedRunsAreCrossesOnTheAxisInTheirSeriesColour() throws IOException {
        // fastcopy (series 0) has only a failed run: its colour is on the plot as the cross and the legend only
        ChartData data = new ChartData("t", "x", "y", false,
                Map.of("fastcopy", List.of()), Map.of("fastcopy", List.of(100.0)));
        Path png = dir.resolve("failed.png");
        Rectangle area = MinMaxLineChart.write(data, png).getBounds();
        BufferedImage img = read(png);
        assertThat(pixels(img, MinMaxLineChart.PALETTE[0], area)).isGreaterThan(20);
        assertThat(pixels(img, Color.RED)).as("'no successful run to plot'").isGreaterThan(50);
    }

    @Test
    void anEmptyChartIsStillAnImageThatSaysSo() throws IOException {
        Path png = dir.resolve("empty.png");
        MinMaxLineChart.write(new ChartData("t", "jobs", "rows/s", true, Map.of(), Map.of()), png);
        BufferedImage img = read(png);
        assertThat(pixels(img, Color.RED)).isGreaterThan(50);
    }

    private static BufferedImage read(Path png) throws IOException {
        assertThat(png).isRegularFile();
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).as(png + " is a PNG").isNotNull();
        assertThat(img.getWidth()).isEqualTo(MinMaxLineChart.WIDTH);
        assertThat(img.getHeight()).isEqualTo(MinMaxLineChart.HEIGHT);
        return img;
    }

    private static int distinctColours(BufferedImage img) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                colours.add(img.getRGB(x, y) & 0xffffff);
            }
        }
        return colours.size();
    }

    private static int pixels(BufferedImage img, Color colour) {
        return pixels(img, colour, new Rectangle(0, 0, img.getWidth(), img.getHeight()));
    }

    /** Pixels of exactly this colour (antialiased edges are not) within the area, its edges included. */
    private static int pixels(BufferedImage img, Color colour, Rectangle area) {
        int rgb = colour.getRGB() & 0xffffff;
        int n = 0;
        for (int y = Math.max(0, area.y - 1); y < Math.min(img.getHeight(), area.y + area.height + 2); y++) {
            for (int x = Math.max(0, area.x - 1); x < Math.min(img.getWidth(), area.x + area.width + 2); x++) {
                if ((img.getRGB(x, y) & 0xffffff) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }
}
