package org.fastcopy.generate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Orders the foreign keys of the weekly children, the slowest part of building the schema.
 * <p>
 * Every foreign key adds two triggers to the referenced dimension table, and every later key to
 * that table makes PostgreSQL reread all of its triggers, usually twice: once when the ALTER's
 * own invalidation is processed and once when the next transaction opens it. With a key per child
 * per column that is quadratic: tens of millions of trigger reads for the default ten years. Three
 * things cut it down:
 * <ul>
 *   <li>keys to one dimension table are added one after another, so its triggers lie together in
 *       pg_trigger and a reread touches few pages;</li>
 *   <li>ten keys share a transaction, which saves the reread that each commit would cause;</li>
 *   <li>the dimension tables are split over lanes, one connection each, balanced by the square of
 *       their key counts: a lane's backend rereads only its own tables' triggers, and lanes never
 *       wait for each other's dimension locks.</li>
 * </ul>
 * All lanes take the children's locks in one global order (table, then week), so a lane, an
 * index worker and the rules lane can wait for each other but never deadlock.
 */
final class ForeignKeyLanes {
    /** Keys per transaction: each locks a child and a dimension table, about 30 locks in all. */
    static final int BATCH = 10;

    private record Key(ResultTable table, Week week, ForeignKey key) {
    }

    private ForeignKeyLanes() {
    }

    /** The child foreign keys as {@code lanes} lists of tasks, each list to run in order. */
    static List<List<SqlTask>> plan(MttV3Schema schema, List<Week> weeks, int lanes) {
        Map<String, List<Key>> byReferenced = new LinkedHashMap<>();
        for (ResultTable t : ResultTable.values()) {
            for (Week w : weeks) {
                for (ForeignKey k : t.foreignKeys()) {
                    byReferenced.computeIfAbsent(k.table(), x -> new ArrayList<>()).add(new Key(t, w, k));
                }
            }
        }
        List<String> heaviestFirst = new ArrayList<>(byReferenced.keySet());
        heaviestFirst.sort(Comparator.comparingLong((String r) -> cost(byReferenced.get(r))).reversed());

        List<List<SqlTask>> plan = new ArrayList<>();
        long[] load = new long[lanes];
        for (int i = 0; i < lanes; i++) {
            plan.add(new ArrayList<>());
        }
        for (String referenced : heaviestFirst) {
            int lane = 0;
            for (int i = 1; i < lanes; i++) {
                lane = load[i] < load[lane] ? i : lane;
            }
            List<Key> keys = byReferenced.get(referenced);
            load[lane] += cost(keys);
            for (int i = 0; i < keys.size(); i += BATCH) {
                List<String> batch = keys.subList(i, Math.min(keys.size(), i + BATCH)).stream()
                        .map(k -> schema.childForeignKey(k.table(), k.week(), k.key())).toList();
                String name = "foreign keys to " + referenced + " from " + keys.get(i).week().childName(
                        keys.get(i).table().table()) + " on";
                plan.get(lane).add(new SqlTask(name, batch.size(), c -> Ddl.inOneTransaction(c, batch)));
            }
        }
        return plan;
    }

    /** Trigger rereads grow with the square of the keys to one table. */
    private static long cost(List<Key> keys) {
        return (long) keys.size() * keys.size();
    }
}
