package org.fastcopy.generate;

/**
 * Derives independent random streams from the user's seed. Every table, partition and entity gets
 * its own stream keyed by a label and an index, so the rows do not depend on which thread loads
 * what, or in which order.
 */
final class Seeds {
    private Seeds() {
    }

    /** A 64-bit seed for (seed, label, index); stable across JVMs and releases. */
    static long of(long seed, String label, long index) {
        long h = mix(seed ^ 0x5DEECE66DL);
        for (int i = 0; i < label.length(); i++) {
            h = mix(h + label.charAt(i));
        }
        return mix(h + index * 0x9E3779B97F4A7C15L);
    }

    /** SplitMix64's finaliser: every input bit flips about half the output bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
