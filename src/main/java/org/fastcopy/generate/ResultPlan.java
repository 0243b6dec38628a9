package org.fastcopy.generate;

import java.util.List;
import java.util.SplittableRandom;

/**
 * How many rows each weekly child of each result table gets, and therefore every result id.
 * Fixed by (seed, scale, years) before anything loads, so any worker can generate any week.
 * <p>
 * Volume grows year over year as MTT grew (about 1.28x a year: the last of ten years has about
 * nine times the rows of the first) and wobbles from week to week; a week 5 gets rows in
 * proportion to its few days.
 */
final class ResultPlan {
    /** Calibrated so that scale 1 is about 1 GB in pg_database_size. */
    static final double TEST_RUNS_AT_SCALE_ONE = 600_000;
    static final double RUNS_PER_BUILD = 25;
    static final double BUILDS_PER_INSTALL = 6;
    static final double GROWTH_PER_YEAR = 1.28;

    final List<Week> weeks;
    final IdSpace mpiInstall;
    final IdSpace testBuild;
    final IdSpace testRun;

    ResultPlan(long seed, double scale, YearSpan years) {
        this.weeks = WeeklyCalendar.weeks(years);
        double[] weights = weights(seed, weeks, years);
        long runs = testRuns(scale);
        long builds = Math.max(1, Math.round(runs / RUNS_PER_BUILD));
        long installs = Math.max(1, Math.round(builds / BUILDS_PER_INSTALL));
        this.testRun = new IdSpace(distribute(runs, weights));
        this.testBuild = new IdSpace(distribute(builds, weights));
        this.mpiInstall = new IdSpace(distribute(installs, weights));
    }

    /** The test_run rows at a scale, over all weeks. */
    static long testRuns(double scale) {
        return Math.max(1, Math.round(scale * TEST_RUNS_AT_SCALE_ONE));
    }

    IdSpace ids(ResultTable table) {
        return switch (table) {
            case MPI_INSTALL -> mpiInstall;
            case TEST_BUILD -> testBuild;
            case TEST_RUN -> testRun;
        };
    }

    /** Where in the span a week lies, 0 at the first week and 1 at the last. */
    double timeFraction(int week) {
        return weeks.size() <= 1 ? 0 : (double) week / (weeks.size() - 1);
    }

    private static double[] weights(long seed, List<Week> weeks, YearSpan years) {
        double[] weights = new double[weeks.size()];
        for (int w = 0; w < weeks.size(); w++) {
            Week week = weeks.get(w);
            SplittableRandom rng = new SplittableRandom(Seeds.of(seed, "volume", w));
            double yearsIn = week.year() - years.first() + (week.month() - 1) / 12.0;
            weights[w] = week.seconds() / 604_800.0 * Math.pow(GROWTH_PER_YEAR, yearsIn)
                    * (0.75 + 0.5 * rng.nextDouble());
        }
        return weights;
    }

    /**
     * Splits total over the weeks in proportion to the weights, rounding the running sum so the
     * parts add up to exactly the total.
     */
    static long[] distribute(long total, double[] weights) {
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        long[] parts = new long[weights.length];
        double running = 0;
        long assigned = 0;
        for (int i = 0; i < weights.length; i++) {
            running += weights[i];
            long upTo = i == weights.length - 1 ? total : Math.round(total * running / sum);
            parts[i] = upTo - assigned;
            assigned = upTo;
        }
        return parts;
    }
}
