package org.fastcopy.follow;

import org.fastcopy.follow.decode.PgOutputMessage;
import org.fastcopy.follow.decode.PgOutputMessage.Column;
import org.fastcopy.follow.decode.PgOutputMessage.Delete;
import org.fastcopy.follow.decode.PgOutputMessage.Insert;
import org.fastcopy.follow.decode.PgOutputMessage.Relation;
import org.fastcopy.follow.decode.PgOutputMessage.ReplicaIdentity;
import org.fastcopy.follow.decode.PgOutputMessage.Truncate;
import org.fastcopy.follow.decode.PgOutputMessage.Update;
import org.fastcopy.follow.decode.RelationCache;
import org.fastcopy.follow.decode.TupleData;
import org.fastcopy.pg.RoundTrip;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;
import static org.fastcopy.util.Sql.qualified;

/**
 * Turns decoded row changes into work on the target, inside the caller's open transaction, in
 * arrival order, paying as few round trips as that order allows:
 * <ul>
 * <li>A long run of INSERTs into one table streams into one COPY ({@link InsertCopy}), whose
 * values are the bytes the walsender sent. Long means long enough to pay for COPY's own two round
 * trips ({@link #copyFrom(long)}): 16 rows on loopback, about 80 at a 2 ms round trip.</li>
 * <li>An UPDATE or DELETE that arrives during such a run, of another table or of a row of the
 * run's table that none of the run's later INSERTs has the key of, is held back and goes right
 * after the run ({@link HeldChanges} says when that gives the same target), so a transaction whose
 * INSERTs are mixed with changes of older rows still sends its INSERTs as one COPY. When the run
 * ends, the held changes of one table and shape, each of a different row, go as one statement
 * over arrays of their values ({@link #queueGroup}): one statement's overhead on the server
 * instead of one per row.</li>
 * <li>Every other change is an {@code EXECUTE} of a statement prepared on the server once per
 * table and shape, with its values as literals, queued in one pipeline
 * ({@link Statement#addBatch(String)}) that goes with one Sync when something must wait for it: a
 * COPY, a TRUNCATE, a Relation, the commit (whose ledger marks and COMMIT ride along), 500
 * statements or 1 MB of SQL. A mix of INSERT, UPDATE and DELETE, or a backlog of single-row
 * transactions, costs one round trip per pipeline instead of one per change of kind; the server
 * parses a short EXECUTE and runs the cached plan, as it would for a protocol-level Bind.</li>
 * </ul>
 * Every statement names the physical table the change happened in with ONLY (UPDATE, DELETE,
 * TRUNCATE; INSERT touches its table alone anyway), and the session runs with
 * {@code session_replication_role = replica}, as a subscriber's apply does: ordinary triggers and
 * rules stay quiet, so a parent's routing rule does not send a row a second time (the source's
 * rule already did, and its result arrives as a change of the child).
 *
 * <p>Values travel in pgoutput's text form as string literals (the session pins
 * {@code standard_conforming_strings = on}, so a backslash is itself) into parameters whose types
 * the server infers from the columns, and reads with each column's own input function, exactly as
 * COPY's text format would.
 *
 * <p>A statement is prepared per table and shape (which columns an UPDATE sets: an unchanged
 * TOASTed value is not sent, so it is left out of SET, and neither is a key that did not change)
 * and deallocated when the table's Relation message changes.
 */
final class RowApplier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RowApplier.class);

    /** Statements per pipeline at most. */
    static final int BATCH = 500;
    /** INSERTs into one table in a row from which the run goes through COPY, at least... */
    static final int RUN = 16;
    /** ...and at most. */
    static final int RUN_MAX = 1_000;
    /**
     * The server's extra work for a row sent as an EXECUTE rather than in a COPY. Measured
     * 2026-12-06 by bench/apply-row-cost (20,000 rows of a test_run week into empty copies with
     * its indexes, the backend's CPU from /proc, 4 runs): COPY 0.68-0.94 s, EXECUTEs of a prepared
     * INSERT sent by psql 1.60-2.36 s, so 42-84 us more per row; 50 us, near the low end, as the pipeline
     * also saves psql's round trip per statement.
     */
    private static final long EXECUTE_ROW_NANOS = 50_000;
    /** SQL queued in the pipeline before it is sent, at most (a value longer than that goes alone). */
    static final int PIPELINE_BYTES = 1 << 20;
    /** UPDATEs and DELETEs held at most ({@link #heldMax(long)}), over the slowest network. */
    static final int HELD_MAX = 5_000;
    /** The round trip per step of {@link #perRoundTrip}: {@link #heldMax(long)}, and the follower's transactions per commit. */
    private static final long PER_ROUND_TRIP_NANOS = 250_000;
    /** What the count of a pipelined INSERT means: a row inserted. */
    private static final Object INSERTED = new Object();

    private final Connection target;
    private final RelationCache relations = new RelationCache();
    /** The server-side statement of each table, kind and shape ("oid:U[set][where]"), by name. */
    private final Map<String, String> prepared = new HashMap<>();
    private int preparedCount;
    /** UPDATEs and DELETEs that found no row, per table: the target had diverged, or a TRUNCATE raced the copy. */
    private final Map<String, Long> missing = new HashMap<>();
    /** {@link #all}'s lists, by column count: a row with every value sent reuses its table's. */
    private final Map<Integer, List<Integer>> allColumns = new HashMap<>();
    private long rows;
    /** Rows of them that went through a COPY. */
    private long copied;
    /** COPY writes a GENERATED ALWAYS identity column as given; an INSERT only when told to (PostgreSQL 10 on). */
    private final String overriding;
    /** INSERTs into one table in a row from which the run goes through COPY: {@link #copyFrom(long)}. */
    private final int copyFrom;
    /** UPDATEs and DELETEs held at most, and their values' size: {@link #heldMax(long)}. */
    private final int heldMax;
    private final long heldBytes;
    private final long roundTripNanos;

    /** Whether changes may be held behind a run at all: no trigger or rule fires in the apply's session. */
    private final boolean mayHold;
    /** Per table oid: whether its own UPDATEs and DELETEs may be held behind a run of its INSERTs. */
    private final Map<Long, Boolean> keyOrdersAlone = new HashMap<>();
    /** Per table oid: each column's type as the cast target of an array of its values, or null ({@link TargetShape#check}). */
    private final Map<Long, List<String>> elementTypes = new HashMap<>();
    /** Statements that applied a group of held changes at once, and the changes in them. */
    private long groupStatements;
    private long groupedChanges;
    /** UPDATEs and DELETEs held until the current run of INSERTs ends. */
    private final HeldChanges held = new HeldChanges();

    /** A long run of INSERTs into one table streams into this COPY; anything else ends it first. */
    private InsertCopy copy;
    /** The INSERTs of the current run while it is shorter than {@link #copyFrom}: EXECUTEs, or a COPY's first rows. */
    private final List<TupleData> insertRun = new ArrayList<>();
    private Relation insertRelation;
    private List<Integer> insertCols;
    private long insertRunBytes;

    /**
     * Statements not sent yet, in order, and for each what its count means: the table an UPDATE
     * or DELETE changes, {@link #INSERTED}, or null (PREPARE, the caller's own).
     */
    private final Statement pipeline;
    private final List<Object> pipelined = new ArrayList<>();
    private long pipelinedBytes;
    private long pipelinedRows;

    RowApplier(Connection target) throws SQLException {
        this(target, roundTripNanos(target), 0);
    }

    /** With the run length from which INSERTs go through COPY given (tests choose the way), holding as on loopback. */
    RowApplier(Connection target, int copyFrom) throws SQLException {
        this(target, -1, copyFrom);
    }

    /** With {@code roundTripNanos} measured, or -1 and {@code copyFrom} given. */
    private RowApplier(Connection target, long roundTripNanos, int copyFrom) throws SQLException {
        this.target = target;
        this.roundTripNanos = roundTripNanos;
        this.copyFrom = roundTripNanos >= 0 ? copyFrom(roundTripNanos) : copyFrom;
        this.heldMax = roundTripNanos >= 0 ? heldMax(roundTripNanos) : BATCH;
        this.heldBytes = (long) PIPELINE_BYTES * heldMax / BATCH;
        this.pipeline = target.createStatement();
        // The pipeline's statements are this class's own, with no JDBC escapes ({fn ...}) in them:
        // the driver need not scan them for one, and a grouped statement's arrays can be long.
        this.pipeline.setEscapeProcessing(false);
        this.overriding = target.getMetaData().getDatabaseMajorVersion() >= 10 ? " OVERRIDING SYSTEM VALUE" : "";
        try (Statement st = target.createStatement()) {
            st.execute("SET session_replication_role = replica");
            // literals: a backslash is a backslash, as in the text the stream sends
            st.execute("SET standard_conforming_strings = on");
            // read values back in the styles the stream's session was pinned to
            st.execute("SET DateStyle = ISO, YMD");
            st.execute("SET IntervalStyle = postgres");
        }
        this.mayHold = !TargetShape.somethingFiresOnReplica(target);
    }

    /**
     * Applies one decoded message of a transaction being applied: a table's description or a row
     * change. Begin and Commit are the caller's (it owns the target transaction); Type (user types
     * are matched by the column check), Origin (followed like any change) and Message (not
     * requested) need nothing.
     */
    void apply(PgOutputMessage m) throws SQLException {
        if (m instanceof Relation r) {
            relation(r);
        } else if (m instanceof Insert i) {
            insert(i);
        } else if (m instanceof Update u) {
            update(u);
        } else if (m instanceof Delete d) {
            delete(d);
        } else if (m instanceof Truncate t) {
            truncate(t);
        }
    }

    /** Remembers a table's description after checking it against the target. */
    void relation(Relation r) throws SQLException {
        flush();
        elementTypes.put(r.oid(), TargetShape.check(target, r));
        if (relations.accept(r).filter(old -> !old.equals(r)).isPresent()) {
            deallocate(r.oid() + ":");
        }
        keyOrdersAlone.put(r.oid(), mayHold && HeldChanges.keyOrdersAlone(r, TargetShape.uniqueIndexes(target, r)));
    }

    void insert(Insert m) throws SQLException {
        Relation r = relations.require(m.relationOid());
        List<Integer> cols = sent(m.newTuple(), r.columns().size());
        boolean continues = copy != null ? copy.isFor(r.oid(), cols)
                : !insertRun.isEmpty() && insertRelation.oid() == r.oid() && insertCols.equals(cols);
        if (continues && held.hasKeys() && held.collides(HeldChanges.key(r, m.newTuple()))) {
            continues = false; // a held change of this key goes first
        }
        if (continues && copy != null) {
            copy.row(m.newTuple(), cols);
            return;
        }
        if (!continues) {
            endRun();
        }
        insertRelation = r;
        insertCols = cols;
        insertRun.add(m.newTuple());
        insertRunBytes += textBytes(m.newTuple());
        if (insertRun.size() >= copyFrom || insertRunBytes >= PIPELINE_BYTES) {
            // a long run: COPY it, after what the pipeline holds
            sendPipeline();
            StringJoiner names = new StringJoiner(", ");
            cols.forEach(i -> names.add(ident(r.columns().get(i).name())));
            copy = InsertCopy.start(target, r.oid(), cols, "COPY " + qualified(r.namespace(), r.name()) + " (" + names + ") FROM STDIN");
            for (TupleData t : insertRun) {
                copy.row(t, cols);
            }
            clearInsertRun();
        }
    }

    void update(Update m) throws SQLException {
        Relation r = relations.require(m.relationOid());
        TupleData old = m.oldOrKey() != null ? m.oldOrKey() : m.newTuple();
        List<Integer> where = identity(r, old);
        List<Integer> sent = sent(m.newTuple(), r.columns().size());
        boolean keyKept = m.oldOrKey() == null && r.replicaIdentity() != ReplicaIdentity.FULL;
        if (keyKept) {
            // No old key sent: the key did not change. Leaving it out of SET spares the server
            // work, and a key GENERATED ALWAYS AS IDENTITY can only be SET to DEFAULT.
            List<Integer> nonKey = sent.stream().filter(i -> !r.columns().get(i).isKey()).toList();
            if (!nonKey.isEmpty()) {
                sent = nonKey;
            }
        }
        List<Integer> set = sent;
        List<String> values = new ArrayList<>(set.size() + where.size());
        for (int i : set) {
            values.add(m.newTuple().text(i));
        }
        for (int i : where) {
            values.add(old.text(i));
        }
        String key = keyKept ? HeldChanges.key(r, old) : null;
        HeldChanges.Change c = new HeldChanges.Change(r, false, set, where, values, key, keyKept && groupable(r, set, where));
        if (mayHoldBehindRun(r)) {
            if (r.oid() == runOid()) {
                held.holdKey(key != null ? key : HeldChanges.key(r, old));
                if (m.oldOrKey() != null) {
                    held.holdKey(HeldChanges.key(r, m.newTuple())); // the key changed: the new one too
                }
            }
            held.hold(c);
            return;
        }
        holdAfterRun(c);
    }

    void delete(Delete m) throws SQLException {
        Relation r = relations.require(m.relationOid());
        List<Integer> where = identity(r, m.oldOrKey());
        List<String> values = new ArrayList<>(where.size());
        for (int i : where) {
            values.add(m.oldOrKey().text(i));
        }
        boolean keyed = r.replicaIdentity() != ReplicaIdentity.FULL;
        String key = keyed ? HeldChanges.key(r, m.oldOrKey()) : null;
        HeldChanges.Change c = new HeldChanges.Change(r, true, List.of(), where, values, key, keyed && groupable(r, List.of(), where));
        if (mayHoldBehindRun(r)) {
            if (r.oid() == runOid()) {
                held.holdKey(key != null ? key : HeldChanges.key(r, m.oldOrKey()));
            }
            held.hold(c);
            return;
        }
        holdAfterRun(c);
    }

    /**
     * Ends the run of INSERTs (and sends what was held behind it), then holds {@code c} anyway
     * when nothing on the target may see the order: held with no run going on, it waits for the
     * next INSERT, TRUNCATE, Relation or commit, so that the UPDATEs and DELETEs between two of
     * those still go in groups.
     */
    private void holdAfterRun(HeldChanges.Change c) throws SQLException {
        endRun();
        if (mayHold) {
            held.hold(c);
        } else {
            queueChange(c);
        }
    }

    /**
     * Whether a change of {@code r} that sets {@code set} and finds its row by {@code where} may
     * share a statement with others of its shape: its table's key alone orders its changes
     * ({@link HeldChanges}), and every value it carries can travel in an array.
     */
    private boolean groupable(Relation r, List<Integer> set, List<Integer> where) {
        if (!keyOrdersAlone.getOrDefault(r.oid(), false)) {
            return false;
        }
        List<String> types = elementTypes.get(r.oid());
        return types != null && travelInArrays(types, set) && travelInArrays(types, where);
    }

    /** Whether every column of {@code cols} has an array element type. */
    private static boolean travelInArrays(List<String> types, List<Integer> cols) {
        for (int i : cols) {
            if (i >= types.size() || types.get(i) == null) {
                return false;
            }
        }
        return true;
    }

    /** One UPDATE or DELETE as an EXECUTE of its table's statement for its shape, prepared the first time. */
    private void queueChange(HeldChanges.Change c) throws SQLException {
        Relation r = c.table();
        List<Integer> set = c.set();
        List<Integer> where = c.where();
        String name;
        if (c.delete()) {
            name = prepare(r.oid() + ":D" + where, p -> "DELETE FROM ONLY " + qualified(r.namespace(), r.name()) + where(r, where, p));
        } else {
            name = prepare(r.oid() + ":U" + set + where, p -> {
                StringJoiner assignments = new StringJoiner(", ");
                for (int k = 0; k < set.size(); k++) {
                    assignments.add(ident(r.columns().get(set.get(k)).name()) + " = " + p.apply(k));
                }
                return "UPDATE ONLY " + qualified(r.namespace(), r.name()) + " SET " + assignments + where(r, where, k -> p.apply(set.size() + k));
            });
        }
        queue(execute(name, c.values()), new Changed(r, 1), 1);
    }

    /**
     * Changes of one table and shape, all of different rows, as one statement: their values in
     * one array per column, unnested and joined to the table by its key.
     * {@code UPDATE ONLY t AS t SET "c" = v.a1 FROM unnest('{"x","y"}'::text[], '{"1","2"}'::integer[]) AS v(a1, a2) WHERE t."id" = v.a2}.
     * Each array element goes through its column's input function, as a literal would.
     */
    private void queueGroup(List<HeldChanges.Change> group) throws SQLException {
        HeldChanges.Change first = group.get(0);
        Relation r = first.table();
        List<String> types = elementTypes.get(r.oid());
        List<Integer> cols = new ArrayList<>(first.set());
        cols.addAll(first.where());
        String table = qualified(r.namespace(), r.name());
        // one builder for the whole statement: the arrays are most of it, and copying them again
        // into a joiner, then into the statement, cost as much as building them
        StringBuilder sql = new StringBuilder(64 + 2 * (int) Math.min(Integer.MAX_VALUE / 4, groupBytes(group)));
        if (first.delete()) {
            sql.append("DELETE FROM ONLY ").append(table).append(" AS t USING ");
        } else {
            sql.append("UPDATE ONLY ").append(table).append(" AS t SET ");
            for (int k = 0; k < first.set().size(); k++) {
                sql.append(k == 0 ? "" : ", ").append(ident(r.columns().get(first.set().get(k)).name())).append(" = v.a").append(k + 1);
            }
            sql.append(" FROM ");
        }
        sql.append("unnest(");
        for (int k = 0; k < cols.size(); k++) {
            sql.append(k == 0 ? "'{" : ", '{");
            for (int j = 0; j < group.size(); j++) {
                if (j > 0) {
                    sql.append(',');
                }
                appendElement(sql, group.get(j).values().get(k));
            }
            sql.append("}'::").append(types.get(cols.get(k))).append("[]");
        }
        sql.append(") AS v(");
        for (int k = 0; k < cols.size(); k++) {
            sql.append(k == 0 ? "a" : ", a").append(k + 1);
        }
        sql.append(')');
        for (int k = 0; k < first.where().size(); k++) {
            sql.append(k == 0 ? " WHERE t." : " AND t.").append(ident(r.columns().get(first.where().get(k)).name()))
                    .append(" = v.a").append(first.set().size() + k + 1);
        }
        groupStatements++;
        groupedChanges += group.size();
        queue(sql.toString(), new Changed(r, group.size()), group.size());
    }

    private static long groupBytes(List<HeldChanges.Change> group) {
        long n = 0;
        for (HeldChanges.Change c : group) {
            for (String v : c.values()) {
                n += v == null ? 4 : v.length() + 3;
            }
        }
        return n;
    }

    /**
     * One array element inside a string literal ({@code '{...}'}): NULL, or the text
     * double-quoted, each double quote and backslash escaped by a backslash (array_in's rules)
     * and each single quote doubled (the literal's; standard_conforming_strings is on). Runs with
     * nothing to escape, nearly all of a long value, are appended whole.
     *
     * @throws IllegalArgumentException for a NUL character, which no text value can hold
     */
    static void appendElement(StringBuilder out, String value) {
        if (value == null) {
            out.append("NULL");
            return;
        }
        out.append('"');
        int from = 0;
        for (int i = 0, n = value.length(); i < n; i++) {
            char ch = value.charAt(i);
            if (ch == '"' || ch == '\\' || ch == '\'' || ch == '\0') {
                if (ch == '\0') {
                    throw new IllegalArgumentException("SQL literal holds a NUL byte");
                }
                out.append(value, from, i).append(ch == '\'' ? '\'' : '\\').append(ch);
                from = i + 1;
            }
        }
        out.append(value, from, value.length()).append('"');
    }

    /** What the count of an UPDATE or DELETE statement means: rows of {@code table}, {@code changes} of them expected. */
    private record Changed(Relation table, int changes) {
    }

    /**
     * Whether an UPDATE or DELETE of {@code r} may be held without ending the current run of
     * INSERTs ({@link HeldChanges}): fewer are held than {@link #heldMax}, and no run is going on, or the change is of another table or of one whose key alone orders its changes.
     */
    private boolean mayHoldBehindRun(Relation r) {
        if (!mayHold || held.size() >= heldMax || held.bytes() >= heldBytes) {
            return false;
        }
        long run = runOid();
        return run == 0 || r.oid() != run || keyOrdersAlone.getOrDefault(r.oid(), false);
    }

    /** The table of the current run of INSERTs, or 0 when none is going on (0 is never a table's oid). */
    private long runOid() {
        return copy != null ? copy.oid() : insertRun.isEmpty() ? 0 : insertRelation.oid();
    }

    /**
     * Ends the run of INSERTs (EXECUTEs or its COPY) and queues what was held behind it. The held
     * changes' statements are built, and parsed by the driver, while the COPY is still open, after
     * its last rows went out: the server is then still storing them, where building the statements
     * after the COPY's end kept it waiting (a group's arrays hold every value, long ones included:
     * a third of the follower's CPU in a profile of 2026-12-07). They are sent after the COPY's end,
     * so they still run after its rows.
     */
    private void endRun() throws SQLException {
        endInsertRun();
        if (copy != null) {
            copy.push();
        }
        try {
            for (List<HeldChanges.Change> group : held.groups()) {
                if (group.size() == 1) {
                    queueChange(group.get(0));
                } else {
                    queueGroup(group);
                }
            }
        } finally {
            held.clear();
        }
        if (copy != null) {
            endCopy();
            sendIfFull();
        }
    }

    void truncate(Truncate m) throws SQLException {
        flush();
        StringJoiner names = new StringJoiner(", ");
        for (long oid : m.relationOids()) {
            Relation r = relations.require(oid);
            names.add("ONLY " + qualified(r.namespace(), r.name()));
        }
        try (Statement st = target.createStatement()) {
            st.execute("TRUNCATE " + names + (m.restartIdentity() ? " RESTART IDENTITY" : "") + (m.cascade() ? " CASCADE" : ""));
        }
    }

    /**
     * A COPY costs two round trips of its own (its start waits for the server's CopyInResponse,
     * its end for the count), where statements in the pipeline wait for none; per row, COPY costs
     * the server less. A run goes through COPY when it is long enough for the rows' saving to pay
     * for the round trips: from 16 rows on loopback, from about 80 at a 2 ms round trip.
     */
    static int copyFrom(long roundTripNanos) {
        long rows = (2 * roundTripNanos) / EXECUTE_ROW_NANOS;
        return (int) Math.max(RUN, Math.min(RUN_MAX, rows));
    }

    /**
     * How many UPDATEs and DELETEs to hold at most. When they go, a run of INSERTs ends: its COPY's
     * end, the groups and the next COPY's start cost three round trips. On loopback that is
     * nothing, and 500 held changes cost the target less per row than 5,000 (bench/follow,
     * 2026-12-07 00:00: 0.68 against 0.76 CPU-s per 100,000 changes); over a network the round
     * trips are what the apply waits for (at 2 ms, 100-row transactions went at 0.83x a
     * subscription's). So 500 per 250 us of round trip: 500 on loopback, 4,000 at 2 ms, at most 5,000.
     */
    static int heldMax(long roundTripNanos) {
        return perRoundTrip(BATCH, HELD_MAX, roundTripNanos);
    }

    /** {@code base} per 250 us of round trip, at least {@code base}, at most {@code max}. */
    static int perRoundTrip(int base, int max, long roundTripNanos) {
        long n = base * roundTripNanos / PER_ROUND_TRIP_NANOS;
        return (int) Math.max(base, Math.min(max, n));
    }

    /** The round trip to the target measured at the start, or -1 when the tests chose the way. */
    long roundTripNanos() {
        return roundTripNanos;
    }

    /** The quickest of five {@code SELECT 1}: the round trip to the target, as the apply session sees it. */
    private static long roundTripNanos(Connection target) throws SQLException {
        long best = RoundTrip.nanos(target);
        log.debug("round trip to the target: {} us; runs of INSERTs from {} rows go through COPY; up to {} UPDATEs and "
                + "DELETEs held", best / 1000, copyFrom(best), heldMax(best));
        return best;
    }

    /** Ends whatever is open and sends the pipeline: before a Relation, a TRUNCATE and the target's commit. */
    void flush() throws SQLException {
        flushWith(List.of());
    }

    /**
     * {@link #flush()}, with {@code statements} (the ledger's marks, COMMIT) sent after the
     * pipeline's in the same round trip. The first failure skips the rest, COMMIT included.
     */
    void flushWith(List<String> statements) throws SQLException {
        endRun();
        for (String sql : statements) {
            pipeline.addBatch(sql);
            pipelined.add(null);
        }
        sendPipeline();
    }

    /** Rows inserted, updated or deleted so far, those still in an open COPY or the pipeline included. */
    long rows() {
        InsertCopy c = copy; // read once: the progress line asks from another thread
        return rows + (c == null ? 0 : c.rows()) + pipelinedRows + insertRun.size() + held.size();
    }

    /** INSERTs that went through a COPY (the rest went as EXECUTEs), those of an open COPY left out. */
    long copiedRows() {
        return copied;
    }

    /** Statements that applied several held changes at once, and how many changes they held. */
    long[] groups() {
        return new long[] {groupStatements, groupedChanges};
    }

    /** UPDATEs and DELETEs that found no row, per table (logged as they happen). */
    Map<String, Long> missing() {
        return Map.copyOf(missing);
    }

    /** The short run of INSERTs: an EXECUTE per row into the pipeline. */
    private void endInsertRun() throws SQLException {
        if (insertRun.isEmpty()) {
            return;
        }
        Relation r = insertRelation;
        List<Integer> cols = insertCols;
        String name = prepare(r.oid() + ":I" + cols, p -> {
            StringJoiner names = new StringJoiner(", ");
            StringJoiner values = new StringJoiner(", ");
            for (int k = 0; k < cols.size(); k++) {
                names.add(ident(r.columns().get(cols.get(k)).name()));
                values.add(p.apply(k));
            }
            return "INSERT INTO " + qualified(r.namespace(), r.name()) + " (" + names + ")" + overriding + " VALUES (" + values + ")";
        });
        List<TupleData> run = new ArrayList<>(insertRun);
        clearInsertRun();
        for (TupleData t : run) {
            List<String> values = new ArrayList<>(cols.size());
            for (int i : cols) {
                values.add(t.text(i));
            }
            queue(execute(name, values), INSERTED, 1);
        }
    }

    private void clearInsertRun() {
        insertRun.clear();
        insertRelation = null;
        insertCols = null;
        insertRunBytes = 0;
    }

    private void endCopy() throws SQLException {
        if (copy != null) {
            InsertCopy c = copy;
            copy = null;
            try {
                long n = c.end();
                rows += n;
                copied += n;
            } catch (SQLException e) {
                c.cancel();
                throw e;
            }
        }
    }

    private interface Text {
        /** The statement, with {@code parameter.apply(k)} for the k-th value (0-based). */
        String sql(IntFunction<String> parameter);
    }

    /**
     * The name of the statement prepared for {@code key}; the first time, its PREPARE goes into
     * the pipeline ahead of its first EXECUTE. Prepared statements are the session's, whatever
     * becomes of the transaction.
     */
    private String prepare(String key, Text text) throws SQLException {
        String name = prepared.get(key);
        if (name == null) {
            name = "fastcopy_apply_" + (++preparedCount);
            queue("PREPARE " + name + " AS " + text.sql(k -> "$" + (k + 1)), null, 0);
            prepared.put(key, name);
        }
        return name;
    }

    /** {@code EXECUTE name('value', NULL, ...)}. */
    private static String execute(String name, List<String> values) {
        StringBuilder sql = new StringBuilder(32 + 16 * values.size()).append("EXECUTE ").append(name);
        for (int k = 0; k < values.size(); k++) {
            sql.append(k == 0 ? "(" : ", ").append(literal(values.get(k)));
        }
        return (values.isEmpty() ? sql : sql.append(')')).toString();
    }

    /** Queues one statement; sends the pipeline when it is full. */
    private void queue(String sql, Object counts, int changes) throws SQLException {
        pipeline.addBatch(sql);
        pipelined.add(counts);
        pipelinedBytes += sql.length();
        pipelinedRows += changes;
        // During a COPY the session can send nothing else: what comes here then (PREPAREs of held
        // changes, and the held changes themselves as the run ends) waits for the COPY's end,
        // bounded by heldMax and heldBytes.
        if (copy == null) {
            sendIfFull();
        }
    }

    private void sendIfFull() throws SQLException {
        if (pipelined.size() >= BATCH || pipelinedBytes >= PIPELINE_BYTES) {
            sendPipeline();
        }
    }

    /** Sends the queued statements with one Sync and counts what each changed. */
    private void sendPipeline() throws SQLException {
        if (pipelined.isEmpty()) {
            return;
        }
        List<Object> what = new ArrayList<>(pipelined);
        pipelined.clear();
        pipelinedBytes = 0;
        int[] counts;
        try {
            counts = pipeline.executeBatch();
        } finally {
            pipeline.clearBatch();
            pipelinedRows = 0;
        }
        for (int i = 0; i < counts.length; i++) {
            Object w = what.get(i);
            if (w == INSERTED) {
                rows += counts[i] == Statement.SUCCESS_NO_INFO ? 1 : counts[i];
            } else if (w instanceof Changed c) {
                count(c.table(), counts[i], c.changes());
            }
        }
    }

    private static long textBytes(TupleData t) {
        long n = 0;
        for (int i = 0; i < t.size(); i++) {
            if (t.get(i) instanceof TupleData.Text x) {
                n += x.utf8().length;
            }
        }
        return n;
    }

    /**
     * The columns that find the old row: the replica identity's key columns, or with REPLICA
     * IDENTITY FULL (or insert-only tables' absent key) every column that was sent.
     */
    private List<Integer> identity(Relation r, TupleData old) {
        List<Integer> out = new ArrayList<>();
        if (r.replicaIdentity() != ReplicaIdentity.FULL) {
            for (int i = 0; i < r.columns().size(); i++) {
                if (r.columns().get(i).isKey()) {
                    out.add(i);
                }
            }
        }
        if (out.isEmpty()) {
            out.addAll(sent(old, r.columns().size()));
        }
        return out;
    }

    /**
     * WHERE for the identity columns, {@code parameter.apply(k)} for the k-th. With REPLICA
     * IDENTITY FULL two rows may be equal in every column; the source changed one of them, so the
     * target changes one too (by ctid).
     */
    private static String where(Relation r, List<Integer> cols, IntFunction<String> parameter) {
        StringJoiner cond = new StringJoiner(" AND ");
        for (int k = 0; k < cols.size(); k++) {
            Column c = r.columns().get(cols.get(k));
            cond.add(ident(c.name()) + (r.replicaIdentity() == ReplicaIdentity.FULL ? " IS NOT DISTINCT FROM " : " = ")
                    + parameter.apply(k));
        }
        if (r.replicaIdentity() == ReplicaIdentity.FULL) {
            return " WHERE ctid = (SELECT ctid FROM ONLY " + qualified(r.namespace(), r.name()) + " WHERE " + cond + " LIMIT 1)";
        }
        return " WHERE " + cond;
    }

    /** Indexes of the columns whose values were sent (an unchanged TOASTed value is not). */
    private List<Integer> sent(TupleData t, int columns) {
        if (t.size() >= columns && !t.hasUnchangedToast()) {
            return all(columns); // every INSERT, and most UPDATEs: no list per row
        }
        List<Integer> out = new ArrayList<>(columns);
        for (int i = 0; i < Math.min(columns, t.size()); i++) {
            if (!(t.get(i) instanceof TupleData.UnchangedToast)) {
                out.add(i);
            }
        }
        return out;
    }

    /** 0..n-1, one list per column count. */
    private List<Integer> all(int n) {
        return allColumns.computeIfAbsent(n, k -> IntStream.range(0, k).boxed().toList());
    }

    /** Counts what a statement of {@code expected} changes did: each row it did not find is a missing one. */
    private void count(Relation r, int changed, int expected) {
        if (changed == Statement.SUCCESS_NO_INFO) {
            changed = expected; // not reported for this batch: it ran without error
        }
        rows += changed;
        if (changed < expected) {
            String table = r.namespace() + "." + r.name();
            long n = missing.merge(table, (long) (expected - changed), Long::sum);
            if (n == expected - changed) {
                log.warn("an UPDATE or DELETE of {} found no row on the target (the table diverged, or a TRUNCATE "
                        + "on the source raced its copy); counted, following goes on", table);
            }
        }
    }

    /** Forgets the statements of a table whose description changed (the pipeline is empty: a Relation flushed it). */
    private void deallocate(String prefix) throws SQLException {
        List<String> names = new ArrayList<>();
        prepared.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(prefix)) {
                names.add(e.getValue());
                return true;
            }
            return false;
        });
        try (Statement st = target.createStatement()) {
            for (String name : names) {
                st.execute("DEALLOCATE " + name);
            }
        }
    }

    @Override
    public void close() {
        if (copy != null) {
            copy.cancel();
            copy = null;
        }
        try {
            pipeline.close();
        } catch (SQLException e) {
            // a statement of a broken session: nothing to release
        }
    }
}
