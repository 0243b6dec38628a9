package org.fastcopy.convert;

/**
 * Hooks into a conversion's progress. Called on the worker thread right after a range committed;
 * an exception thrown here fails the run as a failing range would (tests inject failures so).
 */
public interface ConvertListener {
    ConvertListener NONE = new ConvertListener() {
    };

    /** {@code committed}: ranges committed by this process so far, this one included. */
    default void rangeCommitted(String rangeKey, long rows, int committed) {
    }
}
