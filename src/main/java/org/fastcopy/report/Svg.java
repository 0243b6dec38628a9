package org.fastcopy.report;

import java.util.Locale;

/**
 * The little SVG and HTML text the charts need: escaping, numbers in a fixed locale, and the
 * time axis every chart shares, so that bars of the steps chart and the workers chart line up.
 */
final class Svg {
    /** Width of every chart in user units; the page scales it to the window. */
    static final int WIDTH = 1000;
    /** Left margin for lane names. */
    static final int LEFT = 220;
    static final int RIGHT = 20;
    private static final double[] TICK_SECONDS = {0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
            3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600, 48 * 3600};

    private Svg() {
    }

    /** Escapes text for HTML and SVG content and attribute values. */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
            }
        }
        return sb.toString();
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** x of run time {@code nanos} on a chart spanning {@code total} nanos. */
    static double x(long nanos, long total) {
        return LEFT + (WIDTH - LEFT - RIGHT) * (double) nanos / Math.max(1, total);
    }

    /** Vertical grid lines and labels of the time axis, at y from {@code top} to {@code bottom}. */
    static void timeAxis(StringBuilder out, long total, int top, int bottom) {
        double seconds = total / 1e9;
        double step = TICK_SECONDS[TICK_SECONDS.length - 1];
        for (double s : TICK_SECONDS) {
            if (seconds / s <= 10) {
                step = s;
                break;
            }
        }
        out.append("<g class=\"axis\">");
        for (int i = 0; i * step <= seconds + 1e-9; i++) {
            double x = x((long) (i * step * 1e9), total);
            out.append("<line x1=\"").append(num(x)).append("\" y1=\"").append(top).append("\" x2=\"").append(num(x))
                    .append("\" y2=\"").append(bottom).append("\"/>");
            out.append("<text x=\"").append(num(x)).append("\" y=\"").append(bottom + 14)
                    .append("\" text-anchor=\"middle\">").append(clock(i * step)).append("</text>");
        }
        out.append("</g>");
    }

    /** 0.5 s, 12 s, 1:05, 1:02:03. */
    static String clock(double seconds) {
        if (seconds < 10 && seconds != Math.rint(seconds)) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /** A duration for tables and tooltips: 850 ms, 12.3 s, 1:05:03. */
    static String duration(long nanos) {
        double s = nanos / 1e9;
        if (s < 1) {
            return Math.round(nanos / 1e6) + " ms";
        }
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        return clock(s);
    }
}
