package org.fastcopy.convert;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * What one batch of v3 transactions changed, as ids only (the rows are read from v3 when the
 * batch is applied). Sets, not lists: a row inserted and then updated in the same batch is
 * converted once, with its newest values.
 */
final class FollowChanges {
    /** Inserted (or re-keyed, or updated) rows: converted unless flat holds them already. */
    final Map<FlatTable, TreeSet<Long>> inserted = new EnumMap<>(FlatTable.class);
    /** Base rows updated in place: their flat row is converted again and keeps its flat id. */
    final Map<FlatTable, TreeSet<Long>> updated = new EnumMap<>(FlatTable.class);
    /** Base rows deleted (or re-keyed away): their flat row goes, its dependants fall back to the sentinel 0. */
    final Map<FlatTable, TreeSet<Long>> deleted = new EnumMap<>(FlatTable.class);
    /** test_run ids updated or deleted: their flat rows go before the batch converts them again. */
    final TreeSet<Long> runsRemoved = new TreeSet<>();
    /** Dimension rows updated or deleted: the flat rows inlining them are rewritten. */
    final Map<FollowDimension, TreeSet<Long>> dimensions = new EnumMap<>(FollowDimension.class);
    /** Weekly children added to the publication whose earlier rows this batch converts ({@link FollowChildren}). */
    final TreeSet<String> childrenCaughtUp = new TreeSet<>();

    FollowChanges() {
        for (FlatTable t : FlatTable.values()) {
            inserted.put(t, new TreeSet<>());
            updated.put(t, new TreeSet<>());
            deleted.put(t, new TreeSet<>());
        }
        for (FollowDimension d : FollowDimension.values()) {
            dimensions.put(d, new TreeSet<>());
        }
    }

    void insert(FlatTable t, long id) {
        inserted.get(t).add(id);
    }

    /** An update that kept the row's id. */
    void update(FlatTable t, long id) {
        if (t == FlatTable.TEST_RUN) {
            runsRemoved.add(id);
        } else {
            updated.get(t).add(id);
        }
        inserted.get(t).add(id);
    }

    void delete(FlatTable t, long id) {
        if (t == FlatTable.TEST_RUN) {
            runsRemoved.add(id);
        } else {
            deleted.get(t).add(id);
        }
    }

    void dimension(FollowDimension d, long id) {
        dimensions.get(d).add(id);
    }

    boolean dimensionsChanged() {
        return dimensions.values().stream().anyMatch(s -> !s.isEmpty());
    }

    /** Ids held, to bound a batch's memory and its SQL arrays. */
    int size() {
        int n = runsRemoved.size() + childrenCaughtUp.size();
        for (FlatTable t : FlatTable.values()) {
            n += inserted.get(t).size() + updated.get(t).size() + deleted.get(t).size();
        }
        for (TreeSet<Long> s : dimensions.values()) {
            n += s.size();
        }
        return n;
    }

    boolean isEmpty() {
        return size() == 0;
    }

    void clear() {
        inserted.values().forEach(TreeSet::clear);
        updated.values().forEach(TreeSet::clear);
        deleted.values().forEach(TreeSet::clear);
        dimensions.values().forEach(TreeSet::clear);
        runsRemoved.clear();
        childrenCaughtUp.clear();
    }
}
