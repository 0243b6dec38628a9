package org.fastcopy.follow;

import org.fastcopy.FastcopyException;
import org.fastcopy.follow.decode.PgOutputMessage.Column;
import org.fastcopy.follow.decode.PgOutputMessage.Relation;
import org.fastcopy.pg.ServerFeatures;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.fastcopy.util.Sql.qualified;

/**
 * Checks a Relation message against the target table it names, before any of its rows is applied.
 * The source sends a table's Relation again after DDL; a table whose columns no longer match the
 * target's (added, dropped, renamed, reordered, or a built-in type changed) would have its rows
 * applied to a wrong shape, so following stops instead, naming the table.
 */
final class TargetShape {
    /** Oids below this are built in and the same on every server; user types get new oids on the target. */
    private static final long FIRST_NORMAL_OID = 16384;

    /**
     * @param type    name and type, for messages
     * @param element the type as a cast target when its values can travel as elements of an
     *                array literal ({@code '{"a","b"}'::type[]}), else null: arrays and composites
     *                (unnest would flatten or expand them), pseudo-types, and types whose array
     *                delimiter is not a comma (box)
     */
    private record TargetColumn(String name, long typeOid, String type, String element) {
    }

    private TargetShape() {
    }

    /**
     * Checks the table and returns, per column, its type as the cast target of an array of its
     * values, or null where its values cannot travel as array elements ({@link TargetColumn#element}).
     *
     * @throws FastcopyException (FAILED) with one line naming the table and how to continue
     */
    static List<String> check(Connection target, Relation r) throws SQLException {
        List<TargetColumn> columns = columns(target, r.namespace(), r.name());
        String table = r.namespace() + "." + r.name();
        if (columns == null) {
            throw stop(table, "it does not exist on the target (a table created or renamed on the source while following)");
        }
        boolean same = columns.size() == r.columns().size();
        for (int i = 0; same && i < columns.size(); i++) {
            Column s = r.columns().get(i);
            TargetColumn t = columns.get(i);
            same = s.name().equals(t.name()) && (s.typeOid() >= FIRST_NORMAL_OID || s.typeOid() == t.typeOid());
        }
        if (!same) {
            throw stop(table, "its columns changed on the source (now " + r.columns().stream().map(Column::name)
                    .collect(Collectors.joining(", ")) + "; the target has " + columns.stream().map(TargetColumn::type)
                    .collect(Collectors.joining(", ")) + ")");
        }
        List<String> elements = new ArrayList<>(columns.size());
        columns.forEach(c -> elements.add(c.element()));
        return elements;
    }

    /**
     * Unique indexes and exclusion constraints of the target table (0 when it has none, or does
     * not exist): with one, the replica identity's key, RowApplier may hold the table's UPDATEs and
     * DELETEs behind a run of its INSERTs ({@link HeldChanges}).
     */
    static int uniqueIndexes(Connection target, Relation r) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT count(*) FROM pg_catalog.pg_index i"
                + " WHERE i.indrelid = pg_catalog.to_regclass(?) AND (i.indisunique OR i.indisexclusion)")) {
            ps.setString(1, qualified(r.namespace(), r.name()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Whether any trigger or rule in the target database fires in the apply's
     * {@code session_replication_role = replica} (ENABLE REPLICA or ENABLE ALWAYS): such a one
     * may see the order of changes, so the apply keeps every change in arrival order.
     */
    static boolean somethingFiresOnReplica(Connection target) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger"
                + " WHERE tgenabled IN ('A', 'R')) OR EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite WHERE ev_enabled IN ('A', 'R'))");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static FastcopyException stop(String table, String why) {
        return new FastcopyException(FastcopyException.FAILED, "following stopped at table " + table + ": " + why
                + "; nothing of its transaction was applied. To continue: make the target table match the source "
                + "(the same DDL) and rerun with --follow --resume, or copy again with --follow --drop-if-exists");
    }

    /** The target's columns in attribute order, or null when there is no such table. */
    private static List<TargetColumn> columns(Connection target, String schema, String name) throws SQLException {
        String generated = ServerFeatures.atLeast(target, ServerFeatures.V12) ? " AND a.attgenerated = ''" : "";
        try (PreparedStatement ps = target.prepareStatement("SELECT a.attname, a.atttypid,"
                + " a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod),"
                + " CASE WHEN t.typcategory NOT IN ('A', 'C', 'P', 'X') AND t.typdelim = ','"
                + " THEN pg_catalog.format_type(a.atttypid, a.atttypmod) END"
                + " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
                + " WHERE a.attrelid = pg_catalog.to_regclass(?)"
                + " AND a.attnum > 0 AND NOT a.attisdropped" + generated + " ORDER BY a.attnum")) {
            ps.setString(1, qualified(schema, name));
            List<TargetColumn> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new TargetColumn(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4)));
                }
            }
            if (out.isEmpty() && !exists(target, schema, name)) {
                return null;
            }
            return out;
        }
    }

    private static boolean exists(Connection target, String schema, String name) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT pg_catalog.to_regclass(?) IS NOT NULL")) {
            ps.setString(1, qualified(schema, name));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
