package org.fastcopy.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.fastcopy.util.Sql.qualified;

/**
 * What a database holds, as text that two servers of one major version print alike, for tests
 * that compare a copy with its source independently of fastcopy's own verify: each table's and
 * populated materialized view's rows (an md5 of the sorted row texts, columns by name, since a
 * restored inheritance child may order its columns differently), each sequence's position, each
 * large object (owner, privileges, comment, md5 of its bytes) and the database's own comment,
 * privileges and settings.
 */
public final class DatabaseContents {
    private static final String USER_RELATIONS = """
            SELECT n.nspname, c.relname, c.relkind, c.relispopulated,
                   (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attname COLLATE "C")
                      FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'm', 'S')
               AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_fastcopy') AND n.nspname NOT LIKE 'pg\\_%'
               AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                                WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
             ORDER BY 1, 2
            """;

    private DatabaseContents() {
    }

    /** Key: "table schema.name" (unquoted), "sequence ...", "large object OID", "database"; value: its digest. */
    public static Map<String, String> of(Connection c) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        List<String[]> relations = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(USER_RELATIONS)) {
            while (rs.next()) {
                relations.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)});
            }
        }
        for (String[] r : relations) {
            String name = qualified(r[0], r[1]);
            String key = r[0] + "." + r[1];
            switch (r[2]) {
                case "S" -> out.put("sequence " + key, one(c, "SELECT last_value || ' ' || is_called FROM " + name));
                case "m" -> out.put("materialized view " + key, "t".equals(r[3]) ? rows(c, name, r[4]) : "not populated");
                default -> out.put("table " + key, rows(c, name, r[4]));
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                SELECT m.oid, pg_catalog.pg_get_userbyid(m.lomowner) || ' ' || coalesce(m.lomacl::text, '-') || ' '
                       || coalesce(pg_catalog.obj_description(m.oid, 'pg_largeobject'), '-') || ' ' || md5(pg_catalog.lo_get(m.oid))
                  FROM pg_catalog.pg_largeobject_metadata m ORDER BY 1""")) {
            while (rs.next()) {
                out.put("large object " + rs.getLong(1), rs.getString(2));
            }
        }
        out.put("database", one(c, """
                SELECT coalesce(pg_catalog.shobj_description(d.oid, 'pg_database'), '-') || ' ' || coalesce(d.datacl::text, '-') || ' '
                       || coalesce((SELECT s.setconfig::text FROM pg_catalog.pg_db_role_setting s
                                     WHERE s.setdatabase = d.oid AND s.setrole = 0), '-')
                  FROM pg_catalog.pg_database d WHERE d.datname = current_database()"""));
        return out;
    }

    // ROW(...)::text of columns in name order; sorted under "C" so the order is the bytes'.
    private static String rows(Connection c, String table, String columns) throws SQLException {
        String row = columns == null ? "ROW()" : "ROW(" + columns + ")";
        return one(c, "SELECT count(*) || ' rows, md5 ' || md5(coalesce(string_agg(r, E'\\n' ORDER BY r COLLATE \"C\"), ''))"
                + " FROM (SELECT " + row + "::text AS r FROM ONLY " + table + ") s");
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
