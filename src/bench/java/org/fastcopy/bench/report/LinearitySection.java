package org.fastcopy.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Does cost grow linearly with data? A straight-line fit and the time per unit at each size. */
final class LinearitySection {
    /** Time per unit counts as flat when its largest and smallest value differ by at most this factor. */
    static final double FLAT_TOLERANCE = 1.25;
    /** R^2 at or above which time = a + b * size counts as a straight line. */
    static final double LINEAR_R2 = 0.98;

    private LinearitySection() {
    }

    /** @param points per tool, {size, wall s} of every successful run */
    static void write(Markdown md, String what, Map<String, List<double[]>> points, String unit) {
        md.line("### Linearity (" + what + ")").blank();
        md.line("Fit over every successful run: wall s = a + b x size (" + unit + "). A straight line with"
                + " R^2 >= " + LINEAR_R2 + " means cost grows linearly (a is the fixed cost: start-up, schema,"
                + " catalogue). Time per " + unit + " = median wall / size at each size; it counts as flat when"
                + " its largest and smallest values are within a factor " + FLAT_TOLERANCE + ".").blank();
        md.line("| tool | sizes | a (s) | b (s per " + unit + ") | R^2 | time per " + unit + " by size | verdict |");
        md.line("|---|---:|---:|---:|---:|---|---|");
        for (Map.Entry<String, List<double[]>> e : points.entrySet()) {
            md.line(row(e.getKey(), e.getValue(), unit));
        }
        md.blank();
    }

    static String row(String tool, List<double[]> points, String unit) {
        Map<Double, List<Double>> bySize = new TreeMap<>();
        for (double[] p : points) {
            bySize.computeIfAbsent(p[0], k -> new ArrayList<>()).add(p[1]);
        }
        if (bySize.size() < 2) {
            return "| " + tool + " | " + bySize.size() + " | | | | | fewer than two sizes with a"
                    + " successful run: nothing to check |";
        }
        Fit fit = Fit.of(points);
        List<String> perUnit = new ArrayList<>();
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Map.Entry<Double, List<Double>> s : bySize.entrySet()) {
            double per = Stats.of(s.getValue()).median() / s.getKey();
            lo = Math.min(lo, per);
            hi = Math.max(hi, per);
            perUnit.add(Fmt.num(s.getKey(), 0) + ": " + Fmt.perUnit(per));
        }
        return "| " + tool + " | " + bySize.size() + " | " + Fmt.num(fit.a(), 2) + " | " + Fmt.perUnit(fit.b())
                + " | " + Fmt.num(fit.r2(), 3) + " | " + String.join("; ", perUnit) + " | "
                + verdict(bySize.size(), fit, hi / lo, unit) + " |";
    }

    /** @param spread largest / smallest time per unit over the sizes */
    static String verdict(int sizes, Fit fit, double spread, String unit) {
        boolean line = fit.r2() >= LINEAR_R2;
        boolean flat = spread <= FLAT_TOLERANCE;
        if (sizes == 2) {
            return "only two sizes: a line always fits; time per " + unit + (flat ? " flat" : " not flat")
                    + " (x" + Fmt.num(spread, 2) + ")";
        }
        if (line && flat) {
            return "linear: straight line and flat time per " + unit;
        }
        if (line) {
            return "linear with a fixed cost: straight line, but time per " + unit + " varies x"
                    + Fmt.num(spread, 2) + (fit.a() > 0 ? " (the fixed cost a weighs on small sizes)" : "");
        }
        return "NOT linear at these sizes (R^2 " + Fmt.num(fit.r2(), 3) + ")";
    }
}
