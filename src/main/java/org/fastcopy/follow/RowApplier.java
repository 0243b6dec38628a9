package org.fastcopy.follow;

import org.fastcopy.follow.decode.PgOutputMessage.Column;
import org.fastcopy.follow.decode.PgOutputMessage.Delete;
import org.fastcopy.follow.decode.PgOutputMessage.Insert;
import org.fastcopy.follow.decode.PgOutputMessage.Relation;
import org.fastcopy.follow.decode.PgOutputMessage.ReplicaIdentity;
import org.fastcopy.follow.decode.PgOutputMessage.Truncate;
import org.fastcopy.follow.decode.PgOutputMessage.Update;
import org.fastcopy.follow.decode.RelationCache;
import org.fastcopy.follow.decode.TupleData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.qualified;

/**
 * Turns decoded row changes into COPY and statements on the target, inside the caller's open
 * transaction: a run of INSERTs into one table streams into one COPY ({@link InsertCopy}), a run
 * of UPDATEs or DELETEs of one statement goes in batches of 500 per round trip, in arrival order.
 * Every statement names the physical table the change happened in with ONLY (UPDATE, DELETE,
 * TRUNCATE; INSERT touches its table alone anyway), and the session runs with
 * {@code session_replication_role = replica}, as a subscriber's apply does: ordinary triggers and
 * rules stay quiet, so a parent's routing rule does not send a row a second time (the source's
 * rule already did, and its result arrives as a change of the child).
 *
 * <p>Values travel in pgoutput's text form as parameters of unknown type, which the server reads
 * with the column's own input function, exactly as COPY's text format would.
 *
 * <p>Statements are prepared once per table and shape (which columns an UPDATE sets: an unchanged
 * TOASTed value is not sent, so it is left out of SET) and forgotten when the table's Relation
 * message changes.
 */
final class RowApplier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RowApplier.class);

    private final Connection target;
    private final RelationCache relations = new RelationCache();
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    /** UPDATEs and DELETEs that found no row, per table: the target had diverged, or a TRUNCATE raced the copy. */
    private final Map<String, Long> missing = new HashMap<>();
    private long rows;
    /** A run of INSERTs into one table streams into this COPY; anything else ends it first. */
    private InsertCopy copy;
    /** A run of UPDATEs or DELETEs of one statement waits here, up to {@link #BATCH}, for one round trip. */
    private PreparedStatement batched;
    private Relation batchedRelation;
    private int batchedRows;
    private static final int BATCH = 500;

    RowApplier(Connection target) throws SQLException {
        this.target = target;
        try (Statement st = target.createStatement()) {
            st.execute("SET session_replication_role = replica");
            // read values back in the styles the stream's session was pinned to
            st.execute("SET DateStyle = ISO, YMD");
            st.execute("SET IntervalStyle = postgres");
        }
    }

    /** Remembers a table's description after checking it against the target. */
    void relation(Relation r) throws SQLException {
        flush();
        TargetShape.check(target, r);
        if (relations.accept(r).filter(old -> !old.equals(r)).isPresent()) {
            closeStatements(r.oid() + ":");
        }
    }

    void insert(Insert m) throws SQLException {
        Relation r = relations.require(m.relationOid());
        List<Integer> cols = sent(m.newTuple(), r.columns().size());
        if (copy == null || !copy.isFor(r.oid(), cols)) {
            flush();
            StringJoiner names = new StringJoiner(", ");
            cols.forEach(i -> names.add(ident(r.columns().get(i).name())));
            copy = InsertCopy.start(target, r.oid(), cols, "COPY " + qualified(r.namespace(), r.name()) + " (" + names + ") FROM STDIN");
        }
        copy.row(m.newTuple(), cols);
    }

    /**
     * Ends the open COPY or runs the batched statements: before any other kind of change, before
     * a Relation, and before the target commits.
     */
    void flush() throws SQLException {
        if (copy != null) {
            InsertCopy c = copy;
            copy = null;
            try {
                rows += c.end();
            } catch (SQLException e) {
                c.cancel();
                throw e;
            }
        }
        if (batched != null) {
            PreparedStatement ps = batched;
            Relation r = batchedRelation;
            batched = null;
            batchedRelation = null;
            batchedRows = 0;
            for (int changed : ps.executeBatch()) {
                count(r, changed);
            }
        }
    }

    /** Adds the bound statement to the batch of its kind, running the previous batch if it was another. */
    private void batch(Relation r, PreparedStatement ps) throws SQLException {
        ps.addBatch();
        batched = ps;
        batchedRelation = r;
        if (++batchedRows >= BATCH) {
            flush();
        }
    }

    /** Before binding {@code ps}: ends a COPY, or a batch of another statement. */
    private void before(PreparedStatement ps) throws SQLException {
        if (copy != null || (batched != null && batched != ps)) {
            flush();
        }
    }

    void update(Update m) throws SQLException {
        Relation r = relations.require(m.relationOid());
        List<Integer> set = sent(m.newTuple(), r.columns().size());
        TupleData old = m.oldOrKey() != null ? m.oldOrKey() : m.newTuple();
        List<Integer> where = identity(r, old);
        PreparedStatement ps = statement(r, "U", set, where, () -> {
            StringJoiner assignments = new StringJoiner(", ");
            set.forEach(i -> assignments.add(ident(r.columns().get(i).name()) + " = ?"));
            return "UPDATE ONLY " + qualified(r.namespace(), r.name()) + " SET " + assignments + where(r, where);
        });
        before(ps);
        int p = 1;
        for (int i : set) {
            bind(ps, p++, m.newTuple().text(i));
        }
        for (int i : where) {
            bind(ps, p++, old.text(i));
        }
        batch(r, ps);
    }

    void delete(Delete m) throws SQLException {
        Relation r = relations.require(m.relationOid());
        List<Integer> where = identity(r, m.oldOrKey());
        PreparedStatement ps = statement(r, "D", List.of(), where,
                () -> "DELETE FROM ONLY " + qualified(r.namespace(), r.name()) + where(r, where));
        before(ps);
        int p = 1;
        for (int i : where) {
            bind(ps, p++, m.oldOrKey().text(i));
        }
        batch(r, ps);
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

    /** Rows inserted, updated or deleted so far, those still in an open COPY or batch included. */
    long rows() {
        InsertCopy c = copy; // read once: the progress line asks from another thread
        return rows + (c == null ? 0 : c.rows()) + batchedRows;
    }

    /** UPDATEs and DELETEs that found no row, per table (logged as they happen). */
    Map<String, Long> missing() {
        return Map.copyOf(missing);
    }

    /**
     * The columns that find the old row: the replica identity's key columns, or with REPLICA
     * IDENTITY FULL (or insert-only tables' absent key) every column that was sent.
     */
    private static List<Integer> identity(Relation r, TupleData old) {
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
     * WHERE for the identity columns. With REPLICA IDENTITY FULL two rows may be equal in every
     * column; the source changed one of them, so the target changes one too (by ctid).
     */
    private static String where(Relation r, List<Integer> cols) {
        StringJoiner cond = new StringJoiner(" AND ");
        for (int i : cols) {
            Column c = r.columns().get(i);
            cond.add(ident(c.name()) + (r.replicaIdentity() == ReplicaIdentity.FULL ? " IS NOT DISTINCT FROM ?" : " = ?"));
        }
        if (r.replicaIdentity() == ReplicaIdentity.FULL) {
            return " WHERE ctid = (SELECT ctid FROM ONLY " + qualified(r.namespace(), r.name()) + " WHERE " + cond + " LIMIT 1)";
        }
        return " WHERE " + cond;
    }

    /** Indexes of the columns whose values were sent (an unchanged TOASTed value is not). */
    private static List<Integer> sent(TupleData t, int columns) {
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

    /** 0..n-1, shared: a list per column count. */
    private static List<Integer> all(int n) {
        List<Integer>[] cache = ALL;
        if (n < cache.length) {
            List<Integer> l = cache[n];
            if (l == null) {
                l = java.util.stream.IntStream.range(0, n).boxed().toList();
                cache[n] = l; // a benign race: two equal lists
            }
            return l;
        }
        return java.util.stream.IntStream.range(0, n).boxed().toList();
    }

    @SuppressWarnings("unchecked")
    private static final List<Integer>[] ALL = new List[1601]; // MaxHeapAttributeNumber + 1

    private interface Sql {
        String text();
    }

    private PreparedStatement statement(Relation r, String kind, List<Integer> a, List<Integer> b, Sql sql) throws SQLException {
        String key = r.oid() + ":" + kind + a + b;
        PreparedStatement ps = statements.get(key);
        if (ps == null) {
            ps = target.prepareStatement(sql.text());
            statements.put(key, ps);
        }
        return ps;
    }

    private static void bind(PreparedStatement ps, int index, String text) throws SQLException {
        if (text == null) {
            ps.setNull(index, Types.OTHER);
        } else {
            ps.setObject(index, text, Types.OTHER);
        }
    }

    private void count(Relation r, int changed) {
        if (changed == Statement.SUCCESS_NO_INFO) {
            changed = 1; // not reported for this batch: it ran without error
        }
        rows += changed;
        if (changed == 0) {
            String table = r.namespace() + "." + r.name();
            long n = missing.merge(table, 1L, Long::sum);
            if (n == 1) {
                log.warn("an UPDATE or DELETE of {} found no row on the target (the table diverged, or a TRUNCATE "
                        + "on the source raced its copy); counted, following goes on", table);
            }
        }
    }

    private void closeStatements(String prefix) {
        batched = null; // flushed before any Relation
        batchedRelation = null;
        statements.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(prefix)) {
                close(e.getValue());
                return true;
            }
            return false;
        });
    }

    private static void close(PreparedStatement ps) {
        try {
            ps.close();
        } catch (SQLException e) {
            // a statement of a broken session: nothing to release
        }
    }

    @Override
    public void close() {
        if (copy != null) {
            copy.cancel();
            copy = null;
        }
        statements.values().forEach(RowApplier::close);
        statements.clear();
    }
}
