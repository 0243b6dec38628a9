package org.fastcopy.convert;

import org.fastcopy.snapshot.SourceSnapshot;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * A v3 connection that works in short transactions, each in the run's snapshot when there is one.
 *
 * <p>Why short: a query on an inheritance parent locks every child and every child's index
 * (the planner opens them all before it excludes any by CHECK), and a transaction keeps its
 * locks to the end. Ten years of weekly test_run children are about 600 tables and 4,000 indexes;
 * PostgreSQL's shared lock table holds max_locks_per_transaction (64) x max_connections (100)
 * by default. A worker that kept one transaction over all its ranges, or queried the parent
 * while others did, would run out of shared memory. So every unit of work (a base table, a
 * range, a batch of children) is its own transaction, and test_run is read through its children
 * ({@code FROM ONLY child}), only those a range needs.
 */
final class V3Session {
    /** Children per catalogue-wide batch: ~8 locks each (table and indexes), far below the default table. */
    static final int BATCH = 50;

    private final Connection c;
    private final SourceSnapshot snapshot;

    /** @param snapshot the run's snapshot, or null for plain READ COMMITTED transactions */
    V3Session(Connection c, SourceSnapshot snapshot) throws SQLException {
        this.c = c;
        this.snapshot = snapshot;
        try (Statement st = c.createStatement()) {
            // Fixed rendering, so text COPY and ::text carry values the other side reads the same way.
            st.execute("SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3");
        }
        c.setAutoCommit(false);
        c.commit();
    }

    /** One unit of work in one v3 transaction. */
    interface Work<T> {
        T run(Connection v3) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction (in the snapshot): committed when it returns, rolled
     * back when it throws. The work's own error wins: a failing rollback is added to it as
     * suppressed, never thrown in its place, and a transaction that failed is never committed
     * (a COMMIT of an aborted transaction fails too, and would hide why).
     */
    <T> T inTransaction(Work<T> work) throws SQLException {
        Connection x = begin();
        T result;
        try {
            result = work.run(x);
        } catch (Throwable e) {
            rollback(e);
            throw e;
        }
        end();
        return result;
    }

    /** Starts a transaction (in the snapshot) and returns the connection to use in it. */
    private Connection begin() {
        if (snapshot != null) {
            snapshot.importInto(c);
        }
        return c;
    }

    /** Ends the transaction, releasing its locks. */
    private void end() throws SQLException {
        c.commit();
    }

    private void rollback(Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * The planner's row count of each relation of {@code table} (the parent itself and each child,
     * keyed as the FROM items of {@link #relations}): pg_class.reltuples, as the last VACUUM or
     * ANALYZE left it, or -1 when never analysed. A catalogue read: no scan and no lock on the tables.
     */
    java.util.Map<String, Double> rowEstimates(String table) throws SQLException {
        java.util.Map<String, Double> out = new java.util.HashMap<>();
        return inTransaction(x -> {
            try (Statement st = x.createStatement(); ResultSet rs = st.executeQuery("SELECT c.relname, c.reltuples, "
                    + "c.relpages FROM pg_class c WHERE c.oid = " + literal("public." + table) + "::regclass OR c.oid IN "
                    + "(SELECT i.inhrelid FROM pg_inherits i WHERE i.inhparent = " + literal("public." + table)
                    + "::regclass)")) {
                while (rs.next()) {
                    // Before PostgreSQL 14 a never-analysed table shows 0 tuples in 0 pages.
                    double tuples = rs.getInt(3) == 0 && rs.getDouble(2) == 0 ? -1 : rs.getDouble(2);
                    out.put("ONLY " + ident(rs.getString(1)), tuples);
                }
            }
            return out;
        });
    }

    /** The parent (as ONLY) and its inheritance children, each as a FROM item "ONLY name". */
    List<String> relations(String table) throws SQLException {
        List<String> out = new ArrayList<>();
        out.add("ONLY " + ident(table));
        return inTransaction(x -> {
            try (Statement st = x.createStatement(); ResultSet rs = st.executeQuery("SELECT c.relname FROM pg_inherits i "
                    + "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = " + literal("public." + table)
                    + "::regclass ORDER BY 1")) {
                while (rs.next()) {
                    out.add("ONLY " + ident(rs.getString(1)));
                }
            }
            return out;
        });
    }

    /** One row per relation of {@code table}: {@code select} over alias r where {@code where}, in batches. */
    List<Object[]> perRelation(String table, String select, String where, int columns) throws SQLException {
        return perRelation(relations(table), select, where, columns);
    }

    /** One row per relation of {@code rels} ("ONLY name" items): {@code select} over alias r where {@code where}, in batches. */
    List<Object[]> perRelation(List<String> rels, String select, String where, int columns) throws SQLException {
        List<Object[]> out = new ArrayList<>();
        for (int from = 0; from < rels.size(); from += BATCH) {
            List<String> sql = new ArrayList<>();
            for (String rel : rels.subList(from, Math.min(rels.size(), from + BATCH))) {
                sql.add("SELECT " + literal(rel) + "::text, " + select + " FROM " + rel + " r WHERE " + where);
            }
            inTransaction(x -> {
                try (Statement st = x.createStatement(); ResultSet rs = st.executeQuery(String.join(" UNION ALL ", sql))) {
                    while (rs.next()) {
                        Object[] row = new Object[columns + 1];
                        for (int i = 0; i <= columns; i++) {
                            row[i] = rs.getObject(i + 1);
                        }
                        out.add(row);
                    }
                }
                return null;
            });
        }
        return out;
    }

    /** Streams {@code select} over alias r of every relation of {@code table} (batched transactions) to {@code row}. */
    void forEachRow(String table, String select, String where, RowHandler row) throws SQLException {
        List<String> rels = relations(table);
        for (int from = 0; from < rels.size(); from += BATCH) {
            List<String> sql = new ArrayList<>();
            for (String rel : rels.subList(from, Math.min(rels.size(), from + BATCH))) {
                sql.add("SELECT " + select + " FROM " + rel + " r WHERE " + where);
            }
            inTransaction(x -> {
                try (Statement st = x.createStatement()) {
                    st.setFetchSize(10_000);
                    try (ResultSet rs = st.executeQuery(String.join(" UNION ALL ", sql))) {
                        while (rs.next()) {
                            row.accept(rs);
                        }
                    }
                }
                return null;
            });
        }
    }

    /** Work over a group of relations ("ONLY name" items) in one transaction. */
    interface GroupWork {
        void run(Connection v3, List<String> relations) throws SQLException;
    }

    /**
     * Runs {@code work} over {@code relations} ("ONLY name" items) in groups of {@link #BATCH}, each
     * group in its own transaction, without the relations dropped since they were named (a query
     * naming one would fail; its rows are gone either way).
     */
    void inGroups(java.util.Collection<String> relations, GroupWork work) throws SQLException {
        List<String> all = new ArrayList<>(relations);
        for (int from = 0; from < all.size(); from += BATCH) {
            List<String> group = all.subList(from, Math.min(all.size(), from + BATCH));
            inTransaction(x -> {
                List<String> present = new ArrayList<>();
                try (java.sql.PreparedStatement ps = x.prepareStatement("SELECT n FROM unnest(?::text[]) n "
                        + "WHERE pg_catalog.to_regclass(substr(n, 6)) IS NOT NULL")) {
                    ps.setArray(1, x.createArrayOf("text", group.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            present.add(rs.getString(1));
                        }
                    }
                }
                if (!present.isEmpty()) {
                    work.run(x, present);
                }
                return null;
            });
        }
    }

    interface RowHandler {
        void accept(ResultSet rs) throws SQLException;
    }
}
