package org.fastcopy.verify;

import org.fastcopy.pg.UserRelations;
import org.fastcopy.plan.SourceTable;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Compares the materialized views of two databases. One populated on both sides has its rows
 * compared as a table's are ({@link Verifier}); one populated on one side only is a difference
 * (reading an unpopulated view fails, and an empty result would not be the same thing either).
 *
 * <p>A view's rows are what its last REFRESH saw: a copy refreshes on the target from the copied
 * tables, so a source view not refreshed since its tables changed differs from its copy, as
 * {@code pg_dump | psql}'s does.
 */
public final class MaterializedViewVerifier {
    /**
     * @param compared    materialized views on the source
     * @param rows        rows compared, of views populated on both sides
     * @param differences one line per view that differs, sorted by name
     */
    public record Result(long compared, long rows, List<String> differences) {
    }

    private record View(long oid, String schema, String name, boolean populated, List<String> columns) {
        String displayName() {
            return schema + "." + name;
        }
    }

    private static final String LIST = "SELECT c.oid, n.nspname, c.relname, c.relispopulated,"
            + " ARRAY(SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0"
            + " AND NOT a.attisdropped ORDER BY a.attnum)::text[]"
            + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind = 'm' AND " + UserRelations.USER_SCHEMA + " AND " + UserRelations.NOT_EXTENSION_MEMBER;

    private MaterializedViewVerifier() {
    }

    /**
     * @param catalogSource a source session (in the snapshot being verified) to list the views; not closed here
     * @param catalogTarget a target session to list the views; not closed here
     * @param source        opens source sessions for the row comparison, as {@link Verifier} takes them
     * @param target        opens target sessions for the row comparison
     */
    public static Result compare(Connection catalogSource, Connection catalogTarget, VerifyMode mode, int jobs,
                                 Supplier<Connection> source, Supplier<Connection> target) throws SQLException {
        Map<String, View> src = read(catalogSource);
        Map<String, View> dst = read(catalogTarget);
        TreeSet<String> names = new TreeSet<>(src.keySet());
        names.addAll(dst.keySet());
        List<String> out = new ArrayList<>();
        List<SourceTable> both = new ArrayList<>();
        for (String name : names) {
            View a = src.get(name);
            View b = dst.get(name);
            if (a == null) {
                out.add("materialized view " + name + " (exists only on the target)");
            } else if (b == null) {
                out.add("materialized view " + name + " (missing on the target)");
            } else if (a.populated() != b.populated()) {
                out.add("materialized view " + name + (a.populated() ? " (populated on the source, not on the target)"
                        : " (populated on the target, not on the source)"));
            } else if (a.populated()) {
                both.add(new SourceTable(a.oid(), a.schema(), a.name(), 0, 0, -1, a.columns()));
            }
        }
        Verifier.Result rows = Verifier.verify(both, mode, jobs, source, target);
        rows.mismatches().forEach(m -> out.add("materialized view " + m));
        out.sort(null);
        return new Result(src.size(), rows.rowsCompared(), List.copyOf(out));
    }

    private static Map<String, View> read(Connection c) throws SQLException {
        Map<String, View> out = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(LIST)) {
            while (rs.next()) {
                View v = new View(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
                        Arrays.asList((String[]) rs.getArray(5).getArray()));
                out.put(v.displayName(), v);
            }
        }
        return out;
    }
}
