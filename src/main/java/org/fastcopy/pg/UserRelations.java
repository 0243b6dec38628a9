package org.fastcopy.pg;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.fastcopy.util.Sql.qualified;

/**
 * "The user's relations": every pg_class row outside the system schemas, the one catalogue query
 * that counts, lists or picks them. System schemas are pg_catalog, information_schema, pg_toast and
 * the per-session pg_temp_N / pg_toast_temp_N (another session's temporary tables are not the
 * database's content); a user cannot create a schema whose name starts with pg_.
 */
public final class UserRelations {
    /** WHERE-clause part over pg_namespace aliased {@code n}: the schema is a user schema. */
    public static final String USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', 'information_schema')"
            + " AND n.nspname !~ '^pg_(toast|temp_)'";

    /**
     * WHERE-clause part over pg_class aliased {@code c}: the relation is not an extension's member.
     * CREATE EXTENSION makes those, so a copy leaves them to it, as pg_dump does; they still make a
     * database non-empty.
     */
    public static final String NOT_EXTENSION_MEMBER = "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
            + " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')";

    private static final String FROM = " FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE " + USER_SCHEMA;

    /** A relation by schema and name. */
    public record Relation(String schema, String name) {
        /** "schema"."name", each part quoted. */
        public String qualifiedName() {
            return qualified(schema, name);
        }

        @Override
        public String toString() {
            return schema + "." + name;
        }
    }

    private UserRelations() {
    }

    /** Relations of any kind (tables, views, sequences, indexes, ...) in user schemas. */
    public static long count(Connection c) throws SQLException {
        return Scalar.longValue(c, "SELECT count(*)" + FROM);
    }

    /** Ordinary and partitioned tables, ordered by schema and name. */
    public static List<Relation> tables(Connection c) throws SQLException {
        List<Relation> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT n.nspname, c.relname" + FROM + " AND c.relkind IN ('r', 'p') ORDER BY 1, 2")) {
            while (rs.next()) {
                out.add(new Relation(rs.getString(1), rs.getString(2)));
            }
        }
        return out;
    }

    /** The ordinary table with the most bytes in its main fork, if there is a table at all. */
    public static Optional<Relation> largestTable(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT n.nspname, c.relname" + FROM
                + " AND c.relkind = 'r' ORDER BY pg_catalog.pg_relation_size(c.oid) DESC, 1, 2 LIMIT 1")) {
            return rs.next() ? Optional.of(new Relation(rs.getString(1), rs.getString(2))) : Optional.empty();
        }
    }
}
