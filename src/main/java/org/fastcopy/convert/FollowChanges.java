package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.follow.decode.PgOutputMessage;

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
    /**
     * The relations (weekly children, or the parent itself, as "ONLY name" FROM items) that hold
     * the inserted and updated rows, as the stream named them: the batch reads just those, not
     * the parent, whose every child (hundreds) a query would plan, lock and scan.
     */
    final Map<FlatTable, TreeSet<String>> relations = new EnumMap<>(FlatTable.class);
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
            relations.put(t, new TreeSet<>());
            updated.put(t, new TreeSet<>());
            deleted.put(t, new TreeSet<>());
        }
        for (FollowDimension d : FollowDimension.values()) {
            dimensions.put(d, new TreeSet<>());
        }
    }

    /** @param relation the relation holding the row ("ONLY name") */
    void insert(FlatTable t, long id, String relation) {
        inserted.get(t).add(id);
        relations.get(t).add(relation);
    }

    /** An update that kept the row's id. */
    void update(FlatTable t, long id, String relation) {
        if (t == FlatTable.TEST_RUN) {
            runsRemoved.add(id);
        } else {
            updated.get(t).add(id);
        }
        insert(t, id, relation);
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
        relations.values().forEach(TreeSet::clear);
        updated.values().forEach(TreeSet::clear);
        deleted.values().forEach(TreeSet::clear);
        dimensions.values().forEach(TreeSet::clear);
        runsRemoved.clear();
        childrenCaughtUp.clear();
    }

    /**
     * Notes one decoded change: the ids it touched, by what the relation is to the follower.
     *
     * @param next flat's position, for the message of a refused TRUNCATE
     */
    void record(PgOutputMessage m, FollowRelations relations, Lsn next) {
        if (m instanceof PgOutputMessage.Insert i) {
            FollowRelations.Target t = relations.of(i.relationOid());
            if (t != null && t.table() != null) {
                t.id(i.newTuple()).ifPresent(id -> insert(t.table(), id, t.relation()));
            }
        } else if (m instanceof PgOutputMessage.Update u) {
            FollowRelations.Target t = relations.of(u.relationOid());
            if (t == null) {
                return;
            }
            var newId = t.id(u.newTuple());
            var oldId = u.oldOrKey() == null ? newId : t.id(u.oldOrKey());
            if (t.dimension() != null) {
                oldId.ifPresent(id -> dimension(t.dimension(), id));
                newId.ifPresent(id -> dimension(t.dimension(), id));
            } else {
                // A changed id: the old row is gone, the new one converted as a new row.
                if (oldId.isPresent() && !oldId.equals(newId)) {
                    delete(t.table(), oldId.getAsLong());
                }
                newId.ifPresent(id -> update(t.table(), id, t.relation()));
            }
        } else if (m instanceof PgOutputMessage.Delete d) {
            FollowRelations.Target t = relations.of(d.relationOid());
            if (t != null && t.dimension() != null) {
                t.id(d.oldOrKey()).ifPresent(id -> dimension(t.dimension(), id));
            } else if (t != null) {
                t.id(d.oldOrKey()).ifPresent(id -> delete(t.table(), id));
            }
        } else if (m instanceof PgOutputMessage.Truncate tr) {
            for (long oid : tr.relationOids()) {
                if (relations.of(oid) != null) {
                    // pgoutput names the tables, not the rows: which flat rows to remove would take
                    // reading every v3 id of the table; MTT never truncates its tables.
                    throw new FastcopyException(FastcopyException.FAILED, "convert --follow: a TRUNCATE of a v3 table "
                            + "flat depends on is not followed (the stream does not say which rows went); flat holds "
                            + "every transaction before it (" + next + "): convert again (a new --flat-db) to follow on");
                }
            }
        }
    }
}
