package org.fastcopy.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.util.ShapeUtils;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The report's one kind of plot, drawn by JFreeChart: per series a line through the median at each
 * x with a min-max bar, and each failed run as a cross on the x axis (its wall time is that of a
 * failure, so it is never drawn as a time). The series colour is shared by its line and its crosses.
 */
final class MinMaxLineChart {
    static final int WIDTH = 900;
    static final int HEIGHT = 560;
    static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
        new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf),
    };
    private static final Color GRID = new Color(0xdddddd);

    static {
        // Set before JFreeChart touches AWT: the report runs on servers without a display.
        System.setProperty("java.awt.headless", "true");
    }

    private MinMaxLineChart() {
    }

    /** @return the plot's data area in the image (inside the axes, without titles and legend) */
    static Rectangle2D write(ChartData data, Path png) throws IOException {
        ChartRenderingInfo info = new ChartRenderingInfo();
        ChartUtils.saveChartAsPNG(png.toFile(), chart(data), WIDTH, HEIGHT, info);
        return info.getPlotInfo().getDataArea();
    }

    static JFreeChart chart(ChartData data) {
        YIntervalSeriesCollection medians = new YIntervalSeriesCollection();
        XYSeriesCollection failures = new XYSeriesCollection();
        double yMax = 0;
        for (Map.Entry<String, List<double[]>> e : data.points().entrySet()) {
            List<Double> failed = data.failed(e.getKey());
            YIntervalSeries line = new YIntervalSeries(
                    e.getKey() + (failed.isEmpty() ? "" : " (" + failed.size() + " failed)"));
            Map<Double, List<Double>> byX = new TreeMap<>();
            for (double[] p : e.getValue()) {
                byX.computeIfAbsent(p[0], k -> new ArrayList<>()).add(p[1]);
            }
            for (Map.Entry<Double, List<Double>> p : byX.entrySet()) {
                Stats s = Stats.of(p.getValue());
                line.add(p.getKey(), s.median(), s.min(), s.max());
                yMax = Math.max(yMax, s.max());
            }
            medians.addSeries(line);
            XYSeries crosses = new XYSeries(e.getKey() + " failed", false, true);
            failed.forEach(x -> crosses.add(x.doubleValue(), 0.0));
            failures.addSeries(crosses);
        }

        XYPlot plot = new XYPlot();
        plot.setDataset(0, medians);
        plot.setRenderer(0, lineRenderer(medians.getSeriesCount()));
        plot.setDataset(1, failures);
        plot.setRenderer(1, crossRenderer(failures.getSeriesCount()));
        plot.setDomainAxis(xAxis(data));
        plot.setRangeAxis(yAxis(data, yMax));
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setDomainGridlineStroke(new BasicStroke(1f));
        plot.setRangeGridlineStroke(new BasicStroke(1f));
        plot.setOutlinePaint(Color.BLACK);

        JFreeChart chart = new JFreeChart(data.title(), new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getLegend().setPosition(RectangleEdge.RIGHT);
        if (data.anyFailed()) {
            TextTitle note = new TextTitle("x on the x axis: a failed run (its value is not plotted)",
                    new Font(Font.SANS_SERIF, Font.ITALIC, 12));
            note.setPaint(Color.DARK_GRAY);
            note.setPosition(RectangleEdge.BOTTOM);
            chart.addSubtitle(note);
        }
        if (!data.anySuccess()) {
            TextTitle none = new TextTitle("no successful run to plot", new Font(Font.SANS_SERIF, Font.BOLD, 18));
            none.setPaint(Color.RED);
            chart.addSubtitle(none);
        }
        return chart;
    }

    private static XYErrorRenderer lineRenderer(int series) {
        XYErrorRenderer r = new XYErrorRenderer();
        r.setDrawXError(false);
        r.setDrawYError(true);
        r.setDefaultLinesVisible(true);
        r.setDefaultShapesVisible(true);
        r.setCapLength(10);
        r.setErrorStroke(new BasicStroke(1.5f));
        for (int i = 0; i < series; i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(2f));
            r.setSeriesShape(i, new Ellipse2D.Double(-4.5, -4.5, 9, 9));
        }
        return r;
    }

    private static XYLineAndShapeRenderer crossRenderer(int series) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        for (int i = 0; i < series; i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesShape(i, ShapeUtils.createDiagonalCross(6, 1.2f));
            r.setSeriesVisibleInLegend(i, false);
        }
        return r;
    }

    private static NumberAxis xAxis(ChartData data) {
        NumberAxis x = new NumberAxis(data.xLabel());
        x.setAutoRangeIncludesZero(true);
        if (data.wholeX()) {
            x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        return x;
    }

    /**
     * From zero up; when there are crosses to show on the axis, a little below zero too, so that
     * they are not cut in half by the plot's edge.
     */
    private static NumberAxis yAxis(ChartData data, double yMax) {
        NumberAxis y = new NumberAxis(data.yLabel());
        y.setAutoRangeIncludesZero(true);
        if (data.anyFailed() && yMax > 0) {
            y.setRange(-0.03 * yMax, yMax * 1.08);
        }
        return y;
    }
}
