package org.fastcopy.report;

import java.util.Locale;

/**
 * Rows (or bytes) per second over the run, as an SVG step line over filled area, on the same time
 * axis as the timelines above it.
 */
final class ThroughputChart {
    private static final int HEIGHT = 170;
    private static final int TOP = 10;
    private static final int BOTTOM = HEIGHT - 22;

    private ThroughputChart() {
    }

    /** @param perSecond one value per bucket of {@code bucketNanos}; {@code unit} labels the y axis */
    static String svg(String id, double[] perSecond, long bucketNanos, long total, String unit, double scale) {
        double max = 0;
        for (double v : perSecond) {
            max = Math.max(max, v / scale);
        }
        double top = niceCeiling(max);
        StringBuilder out = new StringBuilder();
        out.append("<svg class=\"chart throughput\" id=\"").append(id).append("\" viewBox=\"0 0 ").append(Svg.WIDTH)
                .append(' ').append(HEIGHT).append("\" width=\"").append(Svg.WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">");
        Svg.timeAxis(out, total, TOP, BOTTOM);
        out.append("<g class=\"axis\">");
        for (int i = 0; i <= 4; i++) {
            double v = top * i / 4;
            double y = y(v, top);
            out.append("<line x1=\"").append(Svg.LEFT).append("\" y1=\"").append(Svg.num(y)).append("\" x2=\"")
                    .append(Svg.WIDTH - Svg.RIGHT).append("\" y2=\"").append(Svg.num(y)).append("\"/>");
            out.append("<text x=\"").append(Svg.LEFT - 6).append("\" y=\"").append(Svg.num(y + 4))
                    .append("\" text-anchor=\"end\">").append(label(v)).append(' ').append(Svg.esc(unit)).append("</text>");
        }
        out.append("</g>");
        StringBuilder line = new StringBuilder();
        line.append("M").append(Svg.num(Svg.x(0, total))).append(',').append(Svg.num(y(0, top)));
        for (int i = 0; i < perSecond.length; i++) {
            long from = i * bucketNanos;
            long to = Math.min(total, (i + 1) * bucketNanos);
            if (from > total) {
                break;
            }
            double y = y(perSecond[i] / scale, top);
            line.append(" L").append(Svg.num(Svg.x(from, total))).append(',').append(Svg.num(y))
                    .append(" L").append(Svg.num(Svg.x(to, total))).append(',').append(Svg.num(y));
        }
        line.append(" L").append(Svg.num(Svg.x(total, total))).append(',').append(Svg.num(y(0, top))).append(" Z");
        out.append("<path class=\"series\" d=\"").append(line).append("\"><title>peak ").append(label(max)).append(' ')
                .append(Svg.esc(unit)).append("</title></path>");
        out.append("</svg>");
        return out.toString();
    }

    private static double y(double v, double top) {
        return BOTTOM - (BOTTOM - TOP) * (top <= 0 ? 0 : v / top);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v} (1 for an empty chart). */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[]{1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static String label(double v) {
        if (v == 0) {
            return "0";
        }
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, v >= 10 ? "%.0f" : "%.1f", v);
    }
}
