package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.SqlStates;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.fastcopy.util.Sql.qualified;

/**
 * Materialized views come out of a schema-only dump empty (pg_dump --schema-only leaves out their
 * REFRESH, which it counts as data), and COPY cannot read one. So the ones populated on the source
 * are refreshed on the target once the tables under them hold their rows; the others stay
 * unpopulated, as on the source.
 */
final class MaterializedViews {
    /** SQLSTATE of "materialized view ... has not been populated": one it reads is not yet refreshed. */
    private static final String NOT_POPULATED = SqlStates.OBJECT_NOT_IN_STATE;

    private MaterializedViews() {
    }

    /** Populated materialized views of the source, as qualified names, read in the snapshot. */
    static List<String> populated(Connection source) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE c.relkind = 'm' AND c.relispopulated ORDER BY c.oid")) {
            while (rs.next()) {
                out.add(qualified(rs.getString(1), rs.getString(2)));
            }
        }
        return out;
    }

    /**
     * Refreshes each on the target (autocommit). A view reading another one that is not refreshed
     * yet fails with 55000 and is tried again in the next pass, so any nesting resolves without
     * reading pg_depend; a pass that refreshes nothing ends with the first error.
     */
    static int refresh(Connection target, List<String> views) throws SQLException {
        List<String> todo = new ArrayList<>(views);
        try (Statement st = target.createStatement()) {
            while (!todo.isEmpty()) {
                List<String> later = new ArrayList<>();
                SQLException first = null;
                for (String v : todo) {
                    try {
                        st.execute("REFRESH MATERIALIZED VIEW " + v);
                    } catch (SQLException e) {
                        if (!NOT_POPULATED.equals(e.getSQLState())) {
                            throw e;
                        }
                        later.add(v);
                        first = first == null ? e : first;
                    }
                }
                if (later.size() == todo.size()) {
                    throw new FastcopyException(FastcopyException.FAILED, "cannot refresh materialized view " + later.get(0)
                            + " on the target: " + ServerError.describe(first), first);
                }
                todo = later;
            }
        }
        return views.size();
    }
}
