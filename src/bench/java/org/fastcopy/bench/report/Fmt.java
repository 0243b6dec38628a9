package org.fastcopy.bench.report;

import java.nio.file.Path;
import java.util.Locale;

/** How the report writes numbers: Locale.ROOT, "n/a" for a missing figure. */
final class Fmt {
    private Fmt() {
    }

    /** A fixed number of decimals; millions and more with spaces between thousands when decimals <= 1. */
    static String num(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (Math.abs(v) >= 1e6 && decimals <= 1) {
            return String.format(Locale.ROOT, "%,.0f", v).replace(',', ' ');
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** a / b with two decimals, "n/a" when either is missing or b is 0. */
    static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "n/a" : num(a / b, 2);
    }

    /** A scale as given on the command line: 0.05, 1. */
    static String scale(double scale) {
        if (Double.isNaN(scale)) {
            return "?";
        }
        String s = String.format(Locale.ROOT, "%.4f", scale).replaceFirst("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** Seconds per unit: three decimals, or three significant digits when that would show 0.00x. */
    static String perUnit(double v) {
        return Math.abs(v) >= 0.01 ? num(v, 3) : String.format(Locale.ROOT, "%.3g", v);
    }

    /** A path as a link from the report's directory. */
    static String rel(Path report, Path target) {
        return report.toAbsolutePath().getParent().relativize(target.toAbsolutePath()).toString();
    }
}
