package org.fastcopy.report;

import java.util.List;
import java.util.Map;

/**
 * A Gantt-like chart drawn as SVG on the server: one lane per worker (or per job, for the steps),
 * one bar per span on the run's time axis, its tooltip an SVG {@code <title>}, so the chart shows
 * and explains itself with no script and no network.
 */
final class TimelineChart {
    static final int LANE = 18;
    static final int GAP = 4;
    private static final int TOP = 6;
    /** Bars narrower than this are widened to it, so that a short unit is still seen. */
    private static final double MIN_WIDTH = 0.8;

    /** One bar: run-time start and end, CSS classes, tooltip. */
    record Bar(long start, long end, String css, String tooltip) {
    }

    /** One row of the chart: its name at the left, its bars; {@code css} classes the name. */
    record Lane(String name, String css, List<Bar> bars) {
    }

    private TimelineChart() {
    }

    static String svg(String id, Map<String, List<Bar>> lanes, long total) {
        return svg(id, lanes.entrySet().stream().map(e -> new Lane(e.getKey(), "", e.getValue())).toList(), total);
    }

    static String svg(String id, List<Lane> lanes, long total) {
        int height = TOP + lanes.size() * (LANE + GAP) + 24;
        int bottom = height - 22;
        StringBuilder out = new StringBuilder();
        out.append("<svg class=\"chart timeline\" id=\"").append(id).append("\" viewBox=\"0 0 ").append(Svg.WIDTH)
                .append(' ').append(height).append("\" width=\"").append(Svg.WIDTH).append("\" height=\"").append(height)
                .append("\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">");
        Svg.timeAxis(out, total, TOP, bottom);
        int y = TOP;
        for (Lane lane : lanes) {
            out.append("<g class=\"lane\"><text class=\"lane-name ").append(lane.css()).append("\" x=\"")
                    .append(Svg.LEFT - 6).append("\" y=\"").append(y + LANE - 5).append("\" text-anchor=\"end\">")
                    .append(Svg.esc(lane.name())).append("</text>");
            for (Bar b : lane.bars()) {
                double x0 = Svg.x(b.start(), total);
                double w = Math.max(MIN_WIDTH, Svg.x(b.end(), total) - x0);
                out.append("<rect class=\"span ").append(b.css()).append("\" x=\"").append(Svg.num(x0)).append("\" y=\"")
                        .append(y).append("\" width=\"").append(Svg.num(w)).append("\" height=\"").append(LANE)
                        .append("\"><title>").append(Svg.esc(b.tooltip())).append("</title></rect>");
            }
            out.append("</g>");
            y += LANE + GAP;
        }
        out.append("</svg>");
        return out.toString();
    }
}
