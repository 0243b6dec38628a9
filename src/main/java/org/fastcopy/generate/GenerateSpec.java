package org.fastcopy.generate;

import org.fastcopy.FastcopyException;

/**
 * What to generate, validated once up front so that a bad option fails before anything touches
 * the server. Errors name the command-line option.
 *
 * @param database     target database name (created, or dropped and recreated)
 * @param scale        1.0 is about 1 GB on disk; rows of the result tables grow in proportion
 * @param seed         same (seed, scale, years) gives the same rows, however they are loaded
 * @param years        calendar years of weekly partitions and of the results' start times
 * @param dangling     fraction of result-to-result references that point at a missing row
 * @param jobs         connections loading and indexing in parallel
 * @param dropIfExists drop an existing target database instead of refusing it
 */
public record GenerateSpec(String database, double scale, long seed, YearSpan years, double dangling,
                           int jobs, boolean dropIfExists) {
    public static final String DEFAULT_DATABASE = "mttv3";
    public static final double DEFAULT_SCALE = 0.01;
    public static final long DEFAULT_SEED = 42;
    public static final double DEFAULT_DANGLING = 0.001;
    public static final int DEFAULT_JOBS = 2;

    /** Far beyond what the disk holds; catches a typo like 1e9 before hours of work. */
    private static final double MAX_SCALE = 1000;
    /** Beyond half, "dangling" stops being the exception the converter must cope with. */
    private static final double MAX_DANGLING = 0.5;
    private static final int MAX_JOBS = 64;

    public GenerateSpec {
        if (database == null || database.isBlank()) {
            throw usage("--db must name a database");
        }
        if (!(scale > 0) || scale > MAX_SCALE) {
            throw usage("--scale " + scale + " is not in (0, " + MAX_SCALE + "]");
        }
        if (years == null) {
            throw usage("--years is missing");
        }
        if (!(dangling >= 0) || dangling > MAX_DANGLING) {
            throw usage("--dangling " + dangling + " is not in [0, " + MAX_DANGLING + "]");
        }
        if (jobs < 1 || jobs > MAX_JOBS) {
            throw usage("--jobs " + jobs + " is not in [1, " + MAX_JOBS + "]");
        }
    }

    /** The defaults of the command line, for tests and benchmarks that vary one or two settings. */
    public static GenerateSpec defaults(String database) {
        return new GenerateSpec(database, DEFAULT_SCALE, DEFAULT_SEED, YearSpan.DEFAULT, DEFAULT_DANGLING,
                DEFAULT_JOBS, false);
    }

    public GenerateSpec withScale(double newScale) {
        return new GenerateSpec(database, newScale, seed, years, dangling, jobs, dropIfExists);
    }

    public GenerateSpec withSeed(long newSeed) {
        return new GenerateSpec(database, scale, newSeed, years, dangling, jobs, dropIfExists);
    }

    public GenerateSpec withYears(YearSpan newYears) {
        return new GenerateSpec(database, scale, seed, newYears, dangling, jobs, dropIfExists);
    }

    public GenerateSpec withDangling(double newDangling) {
        return new GenerateSpec(database, scale, seed, years, newDangling, jobs, dropIfExists);
    }

    public GenerateSpec withJobs(int newJobs) {
        return new GenerateSpec(database, scale, seed, years, dangling, newJobs, dropIfExists);
    }

    public GenerateSpec withDropIfExists(boolean drop) {
        return new GenerateSpec(database, scale, seed, years, dangling, jobs, drop);
    }

    private static FastcopyException usage(String message) {
        return new FastcopyException(FastcopyException.USAGE, message);
    }
}
