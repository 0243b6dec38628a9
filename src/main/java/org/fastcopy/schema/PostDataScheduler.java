package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds the post-data section on the target while the data phase runs: each table's indexes and
 * keys as soon as its rows are in, rather than all of them after the last table.
 *
 * <p>Order, beyond the archive's own dependencies:
 * <ul>
 * <li>INDEX, CONSTRAINT (primary key, unique, check) and TRIGGER of a table: after
 *     {@link #tableLoaded} for it, or for every leaf of a partitioned table (a trigger would fire
 *     on COPY; an index slows COPY down);</li>
 * <li>FK CONSTRAINT: after its own table's and the referenced table's data and after every
 *     index and key of the referenced table, which is resolved from the source catalogue
 *     ({@link EntryTables}, pg_constraint.confrelid); its VALIDATE after every key to the
 *     referenced table;</li>
 * <li>RULE: at once, overlapping the data copy (COPY ignores rules);</li>
 * <li>privileges, then event triggers, after everything else, as pg_restore does.</li>
 * </ul>
 *
 * <p>Lock groups: the foreign keys that reference one table run one batch at a time, since each
 * adds triggers to that table and they serialise on its lock anyway; different referenced tables
 * run on different connections. The rules of one table, and the keys and triggers of one table,
 * likewise. A foreign key is added NOT VALID and validated once every key to its referenced table
 * is in ({@link ForeignKeyValidation}), so it ends exactly as on the source. Keys to one table, and
 * validations on one table, go several to a transaction within the server's
 * max_locks_per_transaction. So do the items that take moments, because over a network a round
 * trip is most of what they cost: comments, grants and triggers of one table, and the indexes and
 * keys of small tables (a few lanes shared by all of them, see {@link #smallTables}). Every other
 * item commits in a transaction of its own.
 *
 * <p>Measured on an MTT-shaped database (1,620 children, 9,730 items, all tables loaded at once,
 * 2 cores shared with other work): 1 connection 55-91 s wall, 39.7 s server CPU; 2 connections
 * 44-66 s, 40.2 s CPU; 4 connections 46-61 s, 49.0 s CPU. Rules (quadratic per parent: each new
 * rule rebuilds the parent's rule list) and keys (each adds triggers to the referenced table)
 * dominate, so beyond one connection per core extra sessions only wait on those locks.
 *
 * <p>Lifecycle: {@link #start}, then {@link #tableLoaded} from the data phase (any thread, any
 * order, tables it skipped included), then {@link #awaitCompletion}, and {@link #close} in a
 * finally block.
 */
public final class PostDataScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PostDataScheduler.class);
    private static final String LOADED = "loaded:";
    private static final String KEYS = "keys:";
    private static final String FK_ADDED = "fk-added:";
    /**
     * Items per transaction for the batchable types (foreign keys to one table, validations on
     * one table): one commit, one ledger insert and one round trip for several items.
     */
    static final int MAX_ITEMS_PER_BATCH = 32;
    /** Lock-table slots kept out of each batch's budget, as in pre-data (see PreDataLoader). */
    private static final int RESERVED_LOCKS = 8;
    /**
     * Slots one foreign key added NOT VALID takes: its table (SHARE ROW EXCLUSIVE), the key and
     * the triggers' dependencies; an unsplit key plans its check query too, so it opens every
     * index of its table (ACCESS SHARE; an MTT child has up to 8). Estimated high on purpose:
     * measured at commit on PostgreSQL 15, five split keys to one table held 7 slots in all.
     */
    private static final int FK_LOCKS = 10;
    /** The referenced table and its indexes, once per batch (their keys share one lock group). */
    private static final int FK_GROUP_LOCKS = 4;
    /** A validation: the referenced table and its key index (one group: one child per batch). */
    private static final int VALIDATE_LOCKS = 3;
    /** The child and its indexes, opened to plan the check query, once per batch. */
    private static final int VALIDATE_GROUP_LOCKS = 10;

    private final Connections connections;
    private final Endpoint target;
    private final EntryTables tables;
    private final StepMarks marks;
    private String sessionSetup = "";
    private final Set<TableName> loadedEarly = new HashSet<>();
    private Set<TableName> smallTables = Set.of();
    private EntryGraph graph;
    private DdlWorkers workers;
    private boolean closed;
    private boolean splitForeignKeys = true;

    /** @param tables read from the source in the dump's snapshot, for the same items */
    public PostDataScheduler(Connections connections, Endpoint target, EntryTables tables) {
        this(connections, target, tables, StepMarks.NONE);
    }

    /** @param marks records each item as done in its own transaction (the copy's ledger) */
    public PostDataScheduler(Connections connections, Endpoint target, EntryTables tables, StepMarks marks) {
        this.connections = connections;
        this.target = target;
        this.tables = tables;
        this.marks = marks;
    }

    /**
     * SQL each post-data session runs once when it opens, before {@link #start}: index builds sort
     * in maintenance_work_mem, and a server's default (64MB) makes them spill to disk.
     */
    public synchronized PostDataScheduler sessionSetup(String sql) {
        this.sessionSetup = sql == null ? "" : sql;
        return this;
    }

    /**
     * Tables small enough that their indexes and keys take moments: these share transactions (one
     * round trip for several items) instead of one each. Call before {@link #start}.
     */
    public synchronized PostDataScheduler smallTables(Set<TableName> tables) {
        this.smallTables = Set.copyOf(tables);
        return this;
    }

    /** For measurements: foreign keys added valid in one step, as pg_restore does. */
    synchronized PostDataScheduler splitForeignKeys(boolean split) {
        this.splitForeignKeys = split;
        return this;
    }

    /**
     * Opens {@code jobs} target sessions and starts what needs no data (the rules). Call once,
     * after pre-data is on the target.
     */
    public synchronized void start(List<TocEntry> postData, int jobs) {
        if (graph != null || closed) {
            throw new IllegalStateException("post-data scheduler already started");
        }
        EntryGraph g = new EntryGraph(splitForeignKeys ? ForeignKeyValidation.split(postData, tables) : postData,
                planner(tables, smallTables));
        int maxLocks = BatchLimit.serverMaxLocks(connections, target, "fastcopy-post-data");
        workers = new DdlWorkers("post-data", g, batchLimit(maxLocks, tables, smallTables), connections, target, jobs,
                marks, sessionSetup);
        graph = g;
        loadedEarly.forEach(t -> g.open(LOADED + t));
        loadedEarly.clear();
        workers.start();
        log.info("post-data: {} items scheduled on {} connections", postData.size(), jobs);
    }

    /**
     * The data phase committed this table's rows (or skipped it): its indexes, keys and triggers
     * may be built. Thread-safe, idempotent; a table with no post-data items is ignored.
     */
    public synchronized void tableLoaded(String schema, String table) {
        TableName t = new TableName(schema, table);
        if (graph == null) {
            loadedEarly.add(t);
        } else {
            graph.open(LOADED + t);
        }
    }

    /**
     * Waits until every item is committed. Call after the data phase has reported every table: a
     * table never reported would leave its items waiting forever, so that is an error naming them.
     *
     * @throws FastcopyException the first failure: one line naming the item and the server's
     *                           message, the SQLException (with its SQLState) as cause
     */
    public DdlReport awaitCompletion() {
        EntryGraph g;
        synchronized (this) {
            if (graph == null) {
                throw new IllegalStateException("post-data scheduler not started");
            }
            g = graph;
        }
        List<String> missing = g.closedExternalGates();
        if (!missing.isEmpty()) {
            g.fail(new FastcopyException(FastcopyException.FAILED, "post-data: the data phase never reported "
                    + missing.size() + " table(s) as loaded, so their indexes and keys cannot be built: "
                    + names(missing)));
        }
        try {
            return workers.finish();
        } finally {
            close();
        }
    }

    /** Stops everything still running (cancelling it) and closes the sessions. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (workers != null) {
            workers.close();
        }
    }

    /**
     * The items as the scheduler runs them: every plain foreign key in two halves (see
     * {@link ForeignKeyValidation}), each with a ledger key of its own. Split before dropping what
     * a resumed run already did, so that a key added but not yet validated gets validated.
     */
    public static List<TocEntry> items(List<TocEntry> postData, EntryTables tables) {
        return ForeignKeyValidation.split(postData, tables);
    }

    /**
     * Foreign keys to one table, and validations on one table, go several to a transaction within
     * the lock budget; so do the small items ({@link #TINY_TYPES}, and indexes and keys of small
     * tables), a round trip being most of what they cost. Everything else goes alone (it costs
     * more than any budget). Not rules: a batch of them would hold its parent and several
     * children while it waits for a child that is being loaded or indexed, and keys added in
     * batches lock children too, so the two could deadlock.
     */
    static BatchLimit batchLimit(int maxLocksPerTransaction) {
        return batchLimit(maxLocksPerTransaction, null, Set.of());
    }

    static BatchLimit batchLimit(int maxLocksPerTransaction, EntryTables tables, Set<TableName> small) {
        int budget = Math.max(FK_LOCKS + FK_GROUP_LOCKS, maxLocksPerTransaction - RESERVED_LOCKS);
        return new BatchLimit(MAX_ITEMS_PER_BATCH, budget, (e, groupInBatch) -> switch (e.type()) {
            case ForeignKeyValidation.ADD_TYPE -> FK_LOCKS + (groupInBatch ? 0 : FK_GROUP_LOCKS);
            case ForeignKeyValidation.VALIDATE_TYPE -> VALIDATE_LOCKS + (groupInBatch ? 0 : VALIDATE_GROUP_LOCKS);
            // a lane's items are about several tables: each counts its table's locks
            default -> small(e, tables, small) ? SMALL_ITEM_LOCKS + SMALL_GROUP_LOCKS : Integer.MAX_VALUE / 2;
        }, true);
    }

    /**
     * Items that take moments whatever their table's size: a comment, a grant, a trigger (its
     * creation scans nothing). With thousands of them in an MTT-shaped schema, a round trip each
     * is most of what post-data costs over a network.
     */
    static final Set<String> TINY_TYPES = Set.of("COMMENT", "ACL", "TRIGGER", "SECURITY LABEL");
    /** Types whose cost grows with the table: cheap on a small one. */
    private static final Set<String> TABLE_SIZED_TYPES = Set.of("INDEX", "CONSTRAINT");
    /**
     * A small item's locks: an index build takes its table (SHARE), the new index and its
     * dependencies; a key the same plus its constraint; a trigger its table and the trigger.
     * Estimated high, as the foreign keys are.
     */
    private static final int SMALL_ITEM_LOCKS = 4;
    /** The item's table and its TOAST table. */
    private static final int SMALL_GROUP_LOCKS = 2;
    /** Lock group of the small items about no table (comments on indexes, ...): one lane. */
    private static final String TINY_GROUP = "tiny";

    /**
     * Lanes for the small tables' indexes and keys: a batch holds one lane, so a few lanes let a
     * few sessions build them at once, and a table's items all fall in the same lane.
     */
    static final int SMALL_LANES = 4;

    static String smallLane(TableName t) {
        return "small:" + Math.floorMod(t.hashCode(), SMALL_LANES);
    }

    private static boolean small(TocEntry e, EntryTables tables, Set<TableName> small) {
        if (TINY_TYPES.contains(e.type())) {
            return true;
        }
        return tables != null && TABLE_SIZED_TYPES.contains(e.type())
                && tables.table(e).map(small::contains).orElse(false);
    }

    static Function<TocEntry, EntryPlan> planner(EntryTables tables) {
        return planner(tables, Set.of());
    }

    static Function<TocEntry, EntryPlan> planner(EntryTables tables, Set<TableName> small) {
        // Gate and group keys name tables, and every item of a table names the same ones: one
        // String per key rather than one per item (the graph holds them for the whole phase).
        Map<String, String> keys = new HashMap<>();
        Function<String, String> one = k -> keys.computeIfAbsent(k, x -> x);
        Function<TocEntry, EntryPlan> plan = plannerOf(tables, small);
        return e -> {
            EntryPlan p = plan.apply(e);
            return new EntryPlan(p.group() == null ? null : one.apply(p.group()),
                    p.waitsFor().stream().map(g -> new Gate(one.apply(g.key()), g.external())).toList(),
                    p.countsToward().stream().map(one).toList());
        };
    }

    private static Function<TocEntry, EntryPlan> plannerOf(EntryTables tables, Set<TableName> small) {
        return e -> {
            RestorePass pass = RestorePass.of(e);
            List<Gate> waits = new ArrayList<>(pass.after());
            List<String> counts = new ArrayList<>(List.of(pass.gate()));
            Optional<TableName> table = tables.table(e);
            String group = null;
            switch (e.type()) {
                case "RULE" -> group = table.map(t -> "rule:" + t).orElse(null);
                case ForeignKeyValidation.ADD_TYPE -> {
                    // After its own table's indexes and keys too: a small table's are built in
                    // batches of several tables ({@link #smallLane}), and a batch of keys that
                    // locks children one after another could otherwise meet such a batch in the
                    // opposite order and deadlock.
                    table.ifPresent(t -> waits.add(Gate.countdown(KEYS + t)));
                    Optional<TableName> ref = tables.referenced(e);
                    if (ref.isPresent()) {
                        group = "fk:" + ref.get();
                        waits.add(Gate.countdown(KEYS + ref.get()));
                        counts.add(FK_ADDED + ref.get());
                        tables.referencedData(e).forEach(t -> waits.add(Gate.external(LOADED + t)));
                    }
                }
                case ForeignKeyValidation.VALIDATE_TYPE -> {
                    // after every key to the same table is added: each addition invalidates that
                    // table's cached triggers, which a validation in between would read again
                    group = table.map(t -> "table:" + t).orElse(null);
                    tables.referenced(e).ifPresent(ref -> waits.add(Gate.countdown(FK_ADDED + ref)));
                    tables.referencedData(e).forEach(t -> waits.add(Gate.external(LOADED + t)));
                }
                case "TRIGGER" -> group = table.map(t -> small.contains(t) ? smallLane(t) : "table:" + t).orElse(null);
                // A small table's indexes, keys, triggers, comments and grants go in one of a few
                // lanes shared with other small tables: one transaction for all of a table's items
                // as it finishes loading, several tables' when they finish together. A large
                // table's indexes are built side by side on several sessions.
                case "CONSTRAINT" -> group = table.map(t -> small.contains(t) ? smallLane(t) : "table:" + t).orElse(null);
                case "INDEX" -> group = table.filter(small::contains).map(PostDataScheduler::smallLane).orElse(null);
                default -> {
                }
            }
            if (group == null && TINY_TYPES.contains(e.type())) {
                group = table.map(t -> small.contains(t) ? smallLane(t) : "table:" + t).orElse(TINY_GROUP);
            }
            if (table.isPresent()) {
                if (!e.type().equals("RULE")) {
                    tables.tableData(e).forEach(t -> waits.add(Gate.external(LOADED + t)));
                }
                if (e.type().equals("INDEX") || e.type().equals("CONSTRAINT")) {
                    counts.add(KEYS + table.get());
                }
            }
            return new EntryPlan(group, waits, counts);
        };
    }

    private static String names(List<String> gates) {
        int shown = Math.min(5, gates.size());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shown; i++) {
            sb.append(i == 0 ? "" : ", ").append(gates.get(i).substring(LOADED.length()));
        }
        if (gates.size() > shown) {
            sb.append(" and ").append(gates.size() - shown).append(" more");
        }
        return sb.toString();
    }
}
