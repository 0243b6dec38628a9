package org.fastcopy.bench.report;

import java.util.List;
import java.util.Map;

/**
 * What one plot shows: per series (a tool or method) the successful runs' points {x, y}, and the x
 * of each failed run, whose value is not a time and so is only marked on the axis.
 *
 * @param wholeX the x values are counts (jobs): ticks at whole numbers only
 */
record ChartData(String title, String xLabel, String yLabel, boolean wholeX, Map<String, List<double[]>> points,
                 Map<String, List<Double>> failedAt) {

    List<Double> failed(String series) {
        return failedAt.getOrDefault(series, List.of());
    }

    boolean anyFailed() {
        return failedAt.values().stream().anyMatch(xs -> !xs.isEmpty());
    }

    boolean anySuccess() {
        return points.values().stream().anyMatch(xs -> !xs.isEmpty());
    }
}
