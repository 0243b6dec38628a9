package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Creates the pre-data section on the target: schemas, types, functions, tables, defaults,
 * sequences, views.
 *
 * <p>Never in one transaction: a transaction that creates thousands of tables holds a lock on each
 * until it commits and exhausts the shared lock table of a server with default settings ("out of
 * shared memory", as pgcopydb's single-transaction pg_restore does). Items go in batches whose
 * estimated locks stay within the target's max_locks_per_transaction, one round trip each.
 *
 * <p>Items whose locks would collide share a lock group and never run at once: an inheritance
 * child's CREATE TABLE locks its parent, so the children of one parent form a group (one lane per
 * parent, instead of sessions queueing on the parent's lock); the defaults and comments of one
 * table form a group. Beyond that, order comes from the archive's dependencies (reliable for
 * pre-data since pg_dump 9.2, which is why pg_restore -j still runs pre-data serially for older
 * archives), and privileges wait for everything else ({@link RestorePass}).
 *
 * <p>Measured on an MTT-shaped database (3 parents x 540 weekly children, 32,468 items,
 * PostgreSQL 15, 2 cores shared with other work, so wall times are ranges over runs; server CPU
 * read from the postmaster's cutime): one item per transaction 26-49 s; batches on 1 connection
 * 16-30 s (13.9 s server CPU); on 2 connections 12-20 s (11.3 s CPU); on 4, 9-17 s (14.3 s CPU).
 * Parallel costs the server no extra CPU and the three parents' children proceed side by side,
 * so it stays: pass as many connections as the target has cores.
 */
public final class PreDataLoader {
    /** Items per round trip; in practice the lock budget ends a batch first (about 50 defaults). */
    static final int MAX_ITEMS_PER_BATCH = 64;
    private static final Set<String> TABLE_TYPES = Set.of("TABLE", "FOREIGN TABLE");
    private static final int NEW_RELATION_LOCKS = 4;
    /**
     * Slots left out of each batch's budget for what every transaction takes besides its items: its
     * transaction id, and catalogue locks. DDL locks a catalogue table or index around each access
     * and releases it after, normally on the fast path; such a lock goes to the shared table when
     * the backend's 16 fast-path slots are full, or when any session holds a strong lock that
     * hashes to the same of the 1,024 fast-path partitions, so a few may be there for a moment.
     * Measured at commit on PostgreSQL 15 (SchemaPhasesTest, LockProbe): no batch held more than
     * its estimate plus its transaction id (at most 55 slots, for 52 defaults), and none held a
     * catalogue lock outside the fast path.
     */
    private static final int RESERVED_LOCKS = 8;

    private final Connections connections;
    private final Endpoint target;

    public PreDataLoader(Connections connections, Endpoint target) {
        this.connections = connections;
        this.target = target;
    }

    /**
     * Runs the script on {@code jobs} sessions and returns when every item is committed.
     *
     * @throws FastcopyException naming the first item that failed and the server's message
     */
    public DdlReport load(RestoreScript preData, int jobs) {
        return load(preData, jobs, MAX_ITEMS_PER_BATCH);
    }

    /** With another batch size: for measurements. */
    DdlReport load(RestoreScript preData, int jobs, int maxItemsPerBatch) {
        return load(preData, jobs, maxItemsPerBatch, StepMarks.NONE);
    }

    /**
     * @param marks SQL appended to every batch, run in its transaction (a test records there the
     *              lock-table slots each transaction holds when it commits)
     */
    DdlReport load(RestoreScript preData, int jobs, int maxItemsPerBatch, StepMarks marks) {
        if (preData.entries().stream().anyMatch(e -> e.dumpId() < 0)) {
            throw new IllegalArgumentException("pre-data script lacks TOC entry ids: render it with pg_restore --verbose");
        }
        int maxLocks = maxLocksPerTransaction();
        BatchLimit limit = new BatchLimit(maxItemsPerBatch, maxLocks, PreDataLoader::locks);
        EntryGraph graph = new EntryGraph(preData.entries(), planner(preData.entries()));
        try (DdlWorkers workers = new DdlWorkers("pre-data", graph, limit, connections, target, jobs, marks)) {
            workers.start();
            return workers.finish();
        }
    }

    /**
     * Measured on PostgreSQL 15 (pg_locks, fast-path slots excluded): a new child table takes 3
     * slots (itself, its TOAST table and TOAST index exclusively; 4 pg_locks rows, since the TOAST
     * table is also locked Share for its index build), counted as 4, plus its parent once per
     * batch; ALTER COLUMN SET DEFAULT takes one object lock per default, plus its table once per
     * batch. Other items are counted like a default.
     */
    static int locks(TocEntry e, boolean groupInBatch) {
        int group = groupInBatch ? 0 : 1;
        return (TABLE_TYPES.contains(e.type()) || e.type().equals("MATERIALIZED VIEW") ? NEW_RELATION_LOCKS : 1) + group;
    }

    /**
     * Lock group: the table the item is about. For a table that is its first parent (the tables
     * it depends on are its inheritance parents, or tables whose row type it uses); for a parent
     * itself, and for any other item, the first table it depends on. Items about no table run
     * free, ordered by their dependencies alone.
     */
    static java.util.function.Function<TocEntry, EntryPlan> planner(List<TocEntry> entries) {
        Map<Integer, TocEntry> byId = new HashMap<>();
        for (TocEntry e : entries) {
            byId.put(e.dumpId(), e);
        }
        return e -> {
            Integer table = null;
            for (Integer dep : e.dependencies()) {
                TocEntry d = byId.get(dep);
                if (d != null && TABLE_TYPES.contains(d.type())) {
                    table = dep;
                    break;
                }
            }
            if (table == null && TABLE_TYPES.contains(e.type())) {
                table = e.dumpId();
            }
            RestorePass pass = RestorePass.of(e);
            return new EntryPlan(table == null ? null : "table:" + table, pass.after(), List.of(pass.gate()));
        };
    }

    private int maxLocksPerTransaction() {
        return Math.max(NEW_RELATION_LOCKS + 1,
                BatchLimit.serverMaxLocks(connections, target, "fastcopy-pre-data") - RESERVED_LOCKS);
    }
}
