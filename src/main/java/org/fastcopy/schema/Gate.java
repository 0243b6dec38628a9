package org.fastcopy.schema;

/**
 * A condition an item waits for besides its dependencies.
 *
 * @param key      e.g. {@code loaded:"public"."t"} or {@code keys:"public"."dim"}
 * @param external true when only the caller can open it ({@link EntryGraph#open}); false for a
 *                 countdown that opens by itself when the last item counting toward it is done
 *                 (and at once when none does)
 */
record Gate(String key, boolean external) {

    static Gate external(String key) {
        return new Gate(key, true);
    }

    static Gate countdown(String key) {
        return new Gate(key, false);
    }
}
