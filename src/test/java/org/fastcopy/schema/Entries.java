package org.fastcopy.schema;

import java.util.Arrays;
import java.util.List;

/** Builds items for tests that need no archive. */
final class Entries {
    private Entries() {
    }

    static TocEntry entry(int dumpId, String type, String name, String sql, Integer... deps) {
        return new TocEntry(dumpId, 0, 0, List.of(deps), name, type, "public", "postgres", sql, SessionSettings.EMPTY);
    }

    static List<Integer> ids(List<TocEntry> entries) {
        return entries.stream().map(TocEntry::dumpId).toList();
    }

    static List<TocEntry> list(TocEntry... e) {
        return Arrays.asList(e);
    }
}
