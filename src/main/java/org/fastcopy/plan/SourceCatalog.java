package org.fastcopy.plan;

import org.fastcopy.data.BinaryIo;
import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.ServerFeatures;
import org.fastcopy.pg.UserRelations;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads which tables hold data on the source. Runs on the snapshot holder's session, so the list
 * matches what the workers will see.
 */
public final class SourceCatalog {
    private SourceCatalog() {
    }

    // Plain and unlogged tables (pg_dump copies unlogged tables' data too); partitioned parents
    // ('p') have no storage, their leaves are listed themselves. Extension members are left to
    // CREATE EXTENSION, as pg_dump does. Temporary tables belong to other sessions.
    private static final String DATA_TABLES = """
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r'
               AND c.relpersistence IN ('p', 'u')
               AND n.nspname <> '_fastcopy'
            """ + "   AND " + UserRelations.USER_SCHEMA + "\n   AND " + UserRelations.NOT_EXTENSION_MEMBER + "\n";

    private static final String TABLES = """
            SELECT c.oid, n.nspname, c.relname,
                   pg_catalog.pg_relation_size(c.oid) AS bytes,
                   pg_catalog.pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages,
                   c.reltuples,
                   CASE WHEN c.reltoastrelid <> 0 THEN pg_catalog.pg_total_relation_size(c.reltoastrelid) ELSE 0 END
                     AS toast_bytes
            """ + DATA_TABLES + """
             ORDER BY bytes DESC, n.nspname, c.relname
            """;

    private static final String NAMES = "SELECT c.oid, n.nspname, c.relname\n" + DATA_TABLES;

    // Generated columns (12+) are computed on the target, so COPY leaves them out; before 12 the
    // column attgenerated does not exist and every column holds data.
    private static String columnsSql(Connection source) throws SQLException {
        return """
                SELECT a.attrelid, a.attname
                  FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = ANY (?::pg_catalog.oid[])
                   AND a.attnum > 0 AND NOT a.attisdropped
                """ + (ServerFeatures.atLeast(source, ServerFeatures.V12) ? "   AND a.attgenerated = ''\n" : "") + """
                 ORDER BY a.attrelid, a.attnum
                """;
    }

    /**
     * Each table's {@link BinaryIo}, from every type its columns reach: the column types, and
     * inside them array elements, domain bases, composite attributes and range subtypes. A part
     * reached through an array or a composite is "nested": binary COPY writes its type oid into
     * the data. Every column counts, generated ones too: erring towards text costs speed only.
     * Built-in types keep their oids (below FirstNormalObjectId, 16384) in every version.
     */
    private static final String BINARY_IO = """
            WITH RECURSIVE parts(root, typ, nested) AS (
                SELECT DISTINCT a.atttypid, a.atttypid, false
                  FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = ANY (?::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
              UNION
                SELECT p.root, inner_type.oid, p.nested OR inner_type.carries_oid
                  FROM parts p
                  JOIN pg_catalog.pg_type t ON t.oid = p.typ
                 CROSS JOIN LATERAL (
                       SELECT t.typelem, t.typlen = -1 WHERE t.typelem <> 0
                       UNION ALL SELECT t.typbasetype, false WHERE t.typbasetype <> 0
                       UNION ALL SELECT ca.atttypid, true FROM pg_catalog.pg_attribute ca
                        WHERE t.typrelid <> 0 AND ca.attrelid = t.typrelid AND ca.attnum > 0 AND NOT ca.attisdropped
                       UNION ALL SELECT r.rngsubtype, false FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid
                       ) AS inner_type(oid, carries_oid)
            )
            SELECT a.attrelid,
                   bool_or(t.typsend = 0 OR t.typreceive = 0
                           OR t.oid < 16384 AND t.typname IN ('regclass', 'regcollation', 'regconfig', 'regdictionary',
                              'regnamespace', 'regoper', 'regoperator', 'regproc', 'regprocedure', 'regrole', 'regtype'))
                       AS never,
                   bool_or(p.nested AND t.oid >= 16384) AS nested_user_types,
                   bool_and(t.oid < 16384 AND (t.typname IN ('bool', 'bytea', 'char', 'name', 'int2', 'int4', 'int8',
                              'float4', 'float8', 'numeric', 'money', 'oid', 'text', 'varchar', 'bpchar', 'date', 'time',
                              'timetz', 'timestamp', 'timestamptz', 'interval', 'bit', 'varbit', 'uuid', 'json', 'jsonb',
                              'inet', 'cidr', 'macaddr', 'macaddr8', 'point', 'lseg', 'box', 'path', 'polygon', 'line',
                              'circle', 'pg_lsn', 'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange')
                                                 OR t.typlen = -1 AND t.typelem <> 0)
                            OR t.typtype IN ('d', 'e')) AS any_major
              FROM pg_catalog.pg_attribute a
              JOIN parts p ON p.root = a.atttypid
              JOIN pg_catalog.pg_type t ON t.oid = p.typ
             WHERE a.attrelid = ANY (?::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
             GROUP BY a.attrelid
            """;

    /** A table whose rows a copy reads, by oid and name only (cheap: no sizes, no locks). */
    public record TableRef(long oid, String schema, String name) {
    }

    /** The tables {@link #tables} lists, without sizes or columns: what the snapshot session locks. */
    public static List<TableRef> tableRefs(Connection source) throws SQLException {
        List<TableRef> out = new ArrayList<>();
        try (PreparedStatement ps = source.prepareStatement(NAMES); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new TableRef(rs.getLong(1), rs.getString(2), rs.getString(3)));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    public static List<SourceTable> tables(Connection source) {
        try {
            List<Object[]> rows = new ArrayList<>();
            try (PreparedStatement ps = source.prepareStatement(TABLES); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Object[] {rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getDouble(6),
                            rs.getLong(7)});
                }
            }
            Long[] oids = rows.stream().map(r -> (Long) r[0]).toArray(Long[]::new);
            Map<Long, List<String>> columns = columns(source, oids);
            Map<Long, BinaryIo> binaryIo = binaryIo(source, oids);
            List<SourceTable> out = new ArrayList<>(rows.size());
            // The plan lives for the whole run: one String per schema name and one list per
            // distinct column list (inheritance children share their parent's), not one per table.
            Map<Object, Object> shared = new HashMap<>();
            for (Object[] r : rows) {
                long oid = (Long) r[0];
                out.add(new SourceTable(oid, (String) shared.computeIfAbsent(r[1], k -> k), (String) r[2], (Long) r[3],
                        (Long) r[4], (Double) r[5], (List<String>) shared.computeIfAbsent(List.copyOf(columns.getOrDefault(oid, List.of())), k -> k),
                        (Long) r[6], binaryIo.getOrDefault(oid, BinaryIo.ANY_MAJOR)));
            }
            return out;
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not read the source catalogue: "
                    + ServerError.describe(e), e);
        }
    }

    private static Map<Long, BinaryIo> binaryIo(Connection source, Long[] oids) throws SQLException {
        Map<Long, BinaryIo> out = new HashMap<>();
        try (PreparedStatement ps = source.prepareStatement(BINARY_IO)) {
            Array arr = source.createArrayOf("int8", oids);
            ps.setArray(1, arr);
            ps.setArray(2, arr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getBoolean(2) ? BinaryIo.NONE : rs.getBoolean(3) ? BinaryIo.NESTED_USER_TYPES
                            : rs.getBoolean(4) ? BinaryIo.ANY_MAJOR : BinaryIo.SAME_MAJOR);
                }
            }
        }
        return out;
    }

    private static Map<Long, List<String>> columns(Connection source, Long[] oids) throws SQLException {
        Map<Long, List<String>> out = new HashMap<>();
        try (PreparedStatement ps = source.prepareStatement(columnsSql(source))) {
            Array arr = source.createArrayOf("int8", oids);
            ps.setArray(1, arr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        return out;
    }
}
