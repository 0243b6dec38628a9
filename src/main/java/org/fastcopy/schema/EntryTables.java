package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerFeatures;
import org.fastcopy.pg.ServerError;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which table each post-data item belongs to, and for a foreign key which table it references,
 * read from the source catalogue. An item is matched by the catalogue row pg_restore names in its
 * header ({@code class 2606 OID 16426}: pg_constraint row 16426), which identifies it exactly; the
 * tag ("table constraint", unquoted) cannot, once names hold spaces, and the SQL is never parsed.
 *
 * <p>Also which tables' rows an item needs: the table itself when it is an ordinary table, every
 * leaf partition when it is a partitioned one (a key on it validates them all), none for views.
 *
 * <p>Read on a session that has imported the dump's snapshot, so that every OID in the archive
 * still means the same object.
 */
public final class EntryTables {
    /** Item types defined on one table: an OID of theirs that the catalogue lacks means a wrong snapshot. */
    private static final Set<String> TABLE_ITEMS = Set.of("INDEX", "CONSTRAINT", "FK CONSTRAINT", "TRIGGER", "RULE");

    private static String items(Connection source) throws SQLException {
        // pg_statistic_ext (extended statistics) exists from PostgreSQL 10.
        return ITEMS.formatted(ServerFeatures.atLeast(source, ServerFeatures.V10) ? STATISTICS : "");
    }

    private static final String STATISTICS = """
                    UNION ALL
                    SELECT s.stxrelid, 0::pg_catalog.oid FROM pg_catalog.pg_statistic_ext s
                     WHERE e.classid = 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass AND s.oid = e.objid
            """;

    private static final String ITEMS = """
            WITH e(classid, objid) AS (SELECT * FROM unnest(?::pg_catalog.oid[], ?::pg_catalog.oid[]))
            SELECT e.classid, e.objid, o.relid, n.nspname, r.relname, r.relkind, o.refid, fn.nspname, f.relname, f.relkind
              FROM e
              JOIN LATERAL (
                    SELECT c.conrelid, c.confrelid FROM pg_catalog.pg_constraint c
                     WHERE e.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND c.oid = e.objid
                    UNION ALL
                    SELECT i.indrelid, 0::pg_catalog.oid FROM pg_catalog.pg_index i
                     WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.indexrelid = e.objid
                    UNION ALL
                    SELECT c.oid, 0::pg_catalog.oid FROM pg_catalog.pg_class c
                     WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = e.objid
                       AND c.relkind NOT IN ('i', 'I')
                    UNION ALL
                    SELECT w.ev_class, 0::pg_catalog.oid FROM pg_catalog.pg_rewrite w
                     WHERE e.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND w.oid = e.objid
                    UNION ALL
                    SELECT t.tgrelid, 0::pg_catalog.oid FROM pg_catalog.pg_trigger t
                     WHERE e.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND t.oid = e.objid
                    UNION ALL
                    SELECT p.polrelid, 0::pg_catalog.oid FROM pg_catalog.pg_policy p
                     WHERE e.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND p.oid = e.objid
            %s       ) o(relid, refid) ON true
              JOIN pg_catalog.pg_class r ON r.oid = o.relid
              JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
              LEFT JOIN pg_catalog.pg_class f ON f.oid = o.refid
              LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
            """;

    /** The ordinary tables under partitioned ones, at any depth (pg_inherits, so any server version). */
    private static final String LEAVES = """
            WITH RECURSIVE tree(root, relid) AS (
                SELECT p, p FROM unnest(?::pg_catalog.oid[]) p
                UNION ALL
                SELECT t.root, i.inhrelid FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.relid)
            SELECT t.root, n.nspname, c.relname
              FROM tree t
              JOIN pg_catalog.pg_class c ON c.oid = t.relid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r'
             ORDER BY 1, 2, 3
            """;

    private record Row(TableName table, List<TableName> tableData, TableName referenced, List<TableName> referencedData) {
    }

    private final Map<Long, Row> rows;

    private EntryTables(Map<Long, Row> rows) {
        this.rows = rows;
    }

    /**
     * @param source a session inside the snapshot the archive was dumped in
     * @throws FastcopyException when an index, key, rule or trigger of the archive is not in the
     *                           catalogue: the session does not see the dump's snapshot
     */
    public static EntryTables read(Connection source, List<TocEntry> entries) {
        List<TocEntry> withOid = entries.stream().filter(e -> e.catalogOid() != 0).toList();
        try {
            List<Object[]> raw = new ArrayList<>();
            List<Long> partitioned = new ArrayList<>();
            try (PreparedStatement ps = source.prepareStatement(items(source))) {
                ps.setArray(1, source.createArrayOf("oid", withOid.stream().map(TocEntry::catalogClass).toArray()));
                ps.setArray(2, source.createArrayOf("oid", withOid.stream().map(TocEntry::catalogOid).toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Object[] r = {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                                rs.getString(6), rs.getLong(7), rs.getString(8), rs.getString(9), rs.getString(10)};
                        raw.add(r);
                        if ("p".equals(r[5])) {
                            partitioned.add((Long) r[2]);
                        }
                        if ("p".equals(r[9])) {
                            partitioned.add((Long) r[6]);
                        }
                    }
                }
            }
            Map<Long, List<TableName>> leaves = leaves(source, partitioned);
            Map<Long, Row> rows = new HashMap<>();
            // One TableName (and one list of it) per table, not per item: a table has several
            // items, and a schema of many tables has hundreds of thousands (see docs/memory.md).
            Map<TableName, TableName> names = new HashMap<>();
            Map<TableName, List<TableName>> selves = new HashMap<>();
            for (Object[] r : raw) {
                TableName table = names.computeIfAbsent(new TableName((String) r[3], (String) r[4]), t -> t);
                TableName ref = r[8] == null ? null : names.computeIfAbsent(new TableName((String) r[7], (String) r[8]), t -> t);
                rows.put(key((Long) r[0], (Long) r[1]), new Row(table, dataOf(table, (String) r[5], leaves.get(r[2]), selves),
                        ref, ref == null ? List.of() : dataOf(ref, (String) r[9], leaves.get(r[6]), selves)));
            }
            for (TocEntry e : withOid) {
                if (TABLE_ITEMS.contains(e.type()) && !rows.containsKey(key(e))) {
                    throw new FastcopyException(FastcopyException.FAILED, "post-data " + e + " (OID " + e.catalogOid()
                            + ") is not in the source catalogue: the session reading it must import the dump's snapshot");
                }
            }
            return new EntryTables(rows);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot read the tables of " + entries.size()
                    + " post-data items from the source catalogue: " + ServerError.describe(e), e);
        }
    }

    private static Map<Long, List<TableName>> leaves(Connection source, List<Long> partitioned) throws SQLException {
        Map<Long, List<TableName>> out = new HashMap<>();
        if (partitioned.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = source.prepareStatement(LEAVES)) {
            ps.setArray(1, source.createArrayOf("oid", partitioned.stream().distinct().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new TableName(rs.getString(2), rs.getString(3)));
                }
            }
        }
        return out;
    }

    /** Ordinary table: itself; partitioned: its leaves; anything else (view, foreign table): none. */
    private static List<TableName> dataOf(TableName t, String relkind, List<TableName> leaves,
                                          Map<TableName, List<TableName>> selves) {
        return switch (relkind) {
            case "r" -> selves.computeIfAbsent(t, List::of);
            case "p" -> leaves == null ? List.of() : List.copyOf(leaves);
            default -> List.of();
        };
    }

    /** The table the item is defined on (an index's, a key's, a rule's, a trigger's table). */
    public Optional<TableName> table(TocEntry e) {
        return Optional.ofNullable(rows.get(key(e))).map(Row::table);
    }

    /** For a foreign key: the table it references (pg_constraint.confrelid). */
    public Optional<TableName> referenced(TocEntry e) {
        return Optional.ofNullable(rows.get(key(e))).map(Row::referenced);
    }

    /** The tables whose rows must be in before the item is built on its table. */
    List<TableName> tableData(TocEntry e) {
        Row r = rows.get(key(e));
        return r == null ? List.of() : r.tableData();
    }

    /** For a foreign key: the tables whose rows must be in on the referenced side. */
    List<TableName> referencedData(TocEntry e) {
        Row r = rows.get(key(e));
        return r == null ? List.of() : r.referencedData();
    }

    private static long key(TocEntry e) {
        return key(e.catalogClass(), e.catalogOid());
    }

    private static long key(long classId, long oid) {
        return (classId << 32) | oid;
    }
}
