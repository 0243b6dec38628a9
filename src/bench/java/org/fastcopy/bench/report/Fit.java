package org.fastcopy.bench.report;

import java.util.List;

/** Least squares y = a + b * x over points {x, y}, and R^2 (1 when every y is the same). */
record Fit(double a, double b, double r2, int n) {

    static Fit of(List<double[]> xy) {
        int n = xy.size();
        double sx = 0;
        double sy = 0;
        for (double[] p : xy) {
            sx += p[0];
            sy += p[1];
        }
        double mx = sx / n;
        double my = sy / n;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (double[] p : xy) {
            sxx += (p[0] - mx) * (p[0] - mx);
            sxy += (p[0] - mx) * (p[1] - my);
            syy += (p[1] - my) * (p[1] - my);
        }
        double b = sxx == 0 ? Double.NaN : sxy / sxx;
        double a = my - b * mx;
        double r2 = syy == 0 ? 1 : sxy * sxy / (sxx * syy);
        return new Fit(a, b, r2, n);
    }
}
