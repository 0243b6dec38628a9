package org.fastcopy.load;

import org.fastcopy.plan.CopyPlan;
import org.fastcopy.plan.SourceTable;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per table, what the workers have loaded so far: the units still to commit (the worker that
 * commits the last one reports the table loaded), the rows this run committed (to choose ANALYZE
 * or VACUUM) and whether it has had its statistics. Shared by all workers; thread-safe.
 */
final class TableLoads {
    private final Map<String, AtomicInteger> remaining = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> rows = new ConcurrentHashMap<>();
    private final Set<String> analysed = ConcurrentHashMap.newKeySet();

    TableLoads(CopyPlan plan) {
        for (SourceTable t : plan.tables()) {
            remaining.put(CopyPlan.tableKey(t), new AtomicInteger(plan.unitsOf(t)));
        }
    }

    /** Counts one of the table's units as committed; true when it was the last. */
    boolean lastUnit(SourceTable t) {
        return remaining.get(CopyPlan.tableKey(t)).decrementAndGet() == 0;
    }

    void addRows(SourceTable t, long n) {
        rows.computeIfAbsent(CopyPlan.tableKey(t), k -> new LongAdder()).add(n);
    }

    /** Rows this run committed into the table (a resumed table's earlier rows are not counted). */
    long rows(SourceTable t) {
        LongAdder n = rows.get(CopyPlan.tableKey(t));
        return n == null ? 0 : n.sum();
    }

    void analysed(SourceTable t) {
        analysed.add(CopyPlan.tableKey(t));
    }

    /** Keys ({@link CopyPlan#tableKey}) of the tables analysed after their load. */
    Set<String> analysed() {
        return Set.copyOf(analysed);
    }
}
