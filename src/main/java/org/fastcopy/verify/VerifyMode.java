package org.fastcopy.verify;

/** How much of each table {@code verify} compares. */
public enum VerifyMode {
    /** No comparison (not recommended; the summary still reports rows copied). */
    NONE,
    /** Row counts per table on both sides. */
    COUNTS,
    /** Row counts plus an order-independent hash of every row's text form. */
    CHECKSUMS
}
