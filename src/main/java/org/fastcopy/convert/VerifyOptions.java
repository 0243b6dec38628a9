package org.fastcopy.convert;

import org.fastcopy.FastcopyException;

/**
 * What {@code convert --verify} / {@code --verify-only} checks.
 *
 * @param enabled verify at all (after the conversion, or instead of it when {@code only})
 * @param only    convert nothing; verify what earlier runs converted
 * @param full    compare every row field by field, not a sample
 * @param sample  rows compared field by field per test_run range and per base table, when not {@code full}
 * @param seed    picks the sample: the same seed picks the same rows of the same data
 */
public record VerifyOptions(boolean enabled, boolean only, boolean full, int sample, long seed) {
    public static final VerifyOptions OFF = new VerifyOptions(false, false, false, 0, 0);

    public VerifyOptions {
        if (sample < 0) {
            throw new FastcopyException(FastcopyException.USAGE, "--sample " + sample + " must be at least 0");
        }
        if ((only || full) && !enabled) {
            throw new FastcopyException(FastcopyException.USAGE, (full ? "--full" : "--verify-only")
                    + " needs --verify or --verify-only");
        }
    }

    /** Counts, a seeded sample of {@code sample} rows per part, dangling references. */
    public static VerifyOptions sampled(int sample, long seed) {
        return new VerifyOptions(true, false, false, sample, seed);
    }

    public String describe() {
        return full ? "all rows" : String.format(java.util.Locale.ROOT, "a sample of %d rows per range and table, seed %d",
                sample, seed);
    }
}
