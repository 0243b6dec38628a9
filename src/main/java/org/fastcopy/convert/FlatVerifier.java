package org.fastcopy.convert;

import org.fastcopy.pg.Scalar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Checks flat against v3: per part (base table, test_run range) the v3 count equals the flat
 * count; rows compared field by field (a seeded sample per part, or all of them), each flat row's
 * ids turned back into v3 ids through flat's own old_*_id columns; dangling references listed.
 *
 * <p>Its SQL is written here, not taken from {@link FlatTable}: a verifier that reused the
 * converter's SELECT would repeat its mistakes. Both sides render every value with {@code ::text}
 * under the same session settings, so equal values print equally on two servers.
 *
 * <p>Rows are compared as two streams ordered by the v3 id (a merge), so {@code --full} needs
 * memory for two rows, not for a table. The v3 side never joins one inheritance tree to another
 * (test_run to test_build to mpi_install would lock some 10,000 children and indexes at once, see
 * {@link V3Session}): which submits, installs and builds exist, and each build's install, are read
 * once into memory, and the references are resolved here, as the conversion promises (no match: 0).
 */
final class FlatVerifier {
    private static final Logger log = LoggerFactory.getLogger(FlatVerifier.class);
    /** Differences kept in detail per part; the rest are only counted. */
    private static final int DETAIL = 10;
    private static final int EXAMPLES = 5;

    /**
     * One part to check: the rows of {@code table} that satisfy the conditions (alias r on both sides).
     *
     * @param v3Relations where the v3 rows are ("ONLY child" items), or null for the table itself
     */
    record Scope(String key, String table, List<String> v3Relations, String v3Where, String flatWhere) {
        /** The v3 FROM item, aliased r. */
        String v3From() {
            if (v3Relations == null) {
                return table + " r";
            }
            if (v3Relations.isEmpty()) {
                return "(SELECT * FROM ONLY " + table + " WHERE false) r";
            }
            List<String> b = new ArrayList<>();
            v3Relations.forEach(rel -> b.add("SELECT * FROM " + rel));
            return "(" + String.join(" UNION ALL ", b) + ") r";
        }
    }

    private final V3Session v3Session;
    private final Connection flat;
    private final VerifyOptions options;
    private final Ids ids = new Ids();

    /** @param flat in a transaction (autocommit off): the row streams use cursors */
    FlatVerifier(V3Session v3, Connection flat, VerifyOptions options) {
        this.v3Session = v3;
        this.flat = flat;
        this.options = options;
    }

    /** Which v3 rows exist, for resolving references as the conversion must. */
    private static final class Ids {
        final LongLongMap submit = new LongLongMap(1024);
        final LongLongMap install = new LongLongMap(1024);
        /** build id to its mpi_install_id, as in v3 */
        final LongLongMap build = new LongLongMap(1024);

        long submit(long v) {
            return submit.get(v, IdMaps.MISSING) == IdMaps.MISSING ? 0 : v;
        }

        long install(long v) {
            return install.get(v, IdMaps.MISSING) == IdMaps.MISSING ? 0 : v;
        }

        long build(long v) {
            return build.get(v, IdMaps.MISSING) == IdMaps.MISSING ? 0 : v;
        }

        /** A test_run's install: its build's, if the build exists and its own install does. */
        long installOfBuild(long v) {
            long i = build.get(v, IdMaps.MISSING);
            return i == IdMaps.MISSING ? 0 : install(i);
        }
    }

    /** @param danglingBounds see {@link #dangling}; null: dangling references are not listed (a check while following) */
    FlatVerifyResult verify(List<Scope> scopes, Map<String, String> danglingBounds) throws SQLException {
        session(flat);
        loadIds();
        Map<String, long[]> counts = new LinkedHashMap<>();
        List<FlatVerifyResult.Diff> diffs = new ArrayList<>();
        long compared = 0;
        long differing = 0;
        for (Scope s : scopes) {
            // The count and the rows in one v3 transaction: the same snapshot, and its locks go at its end.
            long[] count = new long[1];
            Compare c = v3Session.inTransaction(v3 -> {
                count[0] = Scalar.longValue(v3, "SELECT count(*) FROM " + s.v3From() + " WHERE " + s.v3Where);
                return compare(v3, s);
            });
            long a = count[0];
            long b = Scalar.longValue(flat, "SELECT count(*) FROM " + s.table + " r WHERE " + s.flatWhere);
            counts.put(s.key, new long[]{a, b});
            compared += c.rows;
            differing += c.differing;
            diffs.addAll(c.diffs);
            log.info("   verify {}: {} rows in v3, {} in flat, {} compared field by field, {} differ", s.key, a, b,
                    c.rows, c.differing);
        }
        flat.commit();
        List<FlatVerifyResult.DanglingRef> dangling = danglingBounds == null ? List.of() : dangling(danglingBounds);
        return new FlatVerifyResult(counts, compared, differing, diffs, dangling, options.describe());
    }

    private void loadIds() throws SQLException {
        v3Session.forEachRow("submit", "r.submit_id", "true", rs -> ids.submit.put(rs.getLong(1), 1));
        v3Session.forEachRow("mpi_install", "r.mpi_install_id", "true", rs -> ids.install.put(rs.getLong(1), 1));
        v3Session.forEachRow("test_build", "r.test_build_id, r.mpi_install_id", "true",
                rs -> ids.build.put(rs.getLong(1), rs.getLong(2)));
    }

    // ---- field by field ---------------------------------------------------------------------

    private record Compare(long rows, long differing, List<FlatVerifyResult.Diff> diffs) {
    }

    private Compare compare(Connection v3, Scope s) throws SQLException {
        FlatShape shape = FlatShape.of(s.table);
        String v3Where = s.v3Where;
        String flatWhere = s.flatWhere;
        if (!options.full()) {
            List<Long> ids = sample(v3, s);
            if (ids.isEmpty()) {
                return new Compare(0, 0, List.of());
            }
            StringJoiner in = new StringJoiner(",", "(", ")");
            ids.forEach(id -> in.add(Long.toString(id)));
            v3Where += " AND r." + shape.id() + " IN " + in;
            flatWhere += " AND r." + shape.oldId() + " IN " + in;
        }
        try (Statement sa = v3.createStatement(); Statement sb = flat.createStatement()) {
            sa.setFetchSize(2_000);
            sb.setFetchSize(2_000);
            try (ResultSet a = sa.executeQuery(shape.v3Sql(s.v3From(), v3Where));
                 ResultSet b = sb.executeQuery(shape.flatSql(flatWhere))) {
                return merge(shape, a, b);
            }
        }
    }

    /** Both streams ordered by the v3 id: a row missing on one side, duplicated or differing is one difference. */
    private Compare merge(FlatShape shape, ResultSet a, ResultSet b) throws SQLException {
        long rows = 0;
        long differing = 0;
        List<FlatVerifyResult.Diff> diffs = new ArrayList<>();
        boolean hasA = a.next();
        boolean hasB = b.next();
        long lastB = Long.MIN_VALUE;
        while (hasA || hasB) {
            long ia = hasA ? a.getLong(1) : Long.MAX_VALUE;
            long ib = hasB ? b.getLong(1) : Long.MAX_VALUE;
            String what = null;
            Long flatId = null;
            long at = Math.min(ia, ib);
            if (hasB && ib == lastB) {
                at = ib;
                what = "more than one flat row";
                flatId = b.getLong(2);
                hasB = b.next();
            } else if (ia < ib) {
                what = "missing in flat";
                hasA = a.next();
                rows++;
            } else if (ib < ia) {
                what = "in flat but not in v3";
                flatId = b.getLong(2);
                lastB = ib;
                hasB = b.next();
            } else {
                flatId = b.getLong(2);
                what = fieldDiff(shape, a, b, ids);
                lastB = ib;
                hasA = a.next();
                hasB = b.next();
                rows++;
            }
            if (what != null) {
                differing++;
                if (diffs.size() < DETAIL) {
                    diffs.add(new FlatVerifyResult.Diff(shape.table(), at, flatId, what));
                }
            }
        }
        return new Compare(rows, differing, diffs);
    }

    /** The first field that differs, "field: v3 'x', flat 'y'", or null. */
    private static String fieldDiff(FlatShape shape, ResultSet a, ResultSet b, Ids ids) throws SQLException {
        for (int i = 0; i < shape.fields().size(); i++) {
            FlatShape.Field f = shape.fields().get(i);
            String x = a.getString(i + 3);
            if (f.ref() != null && x != null) {
                long v = Long.parseLong(x);
                x = Long.toString(switch (f.ref()) {
                    case "submit" -> ids.submit(v);
                    case "install" -> ids.install(v);
                    case "build" -> ids.build(v);
                    default -> ids.installOfBuild(v);
                });
            }
            String y = b.getString(i + 3);
            if (x == null ? y != null : !x.equals(y)) {
                return f.name() + ": v3 " + quote(x) + ", flat " + quote(y);
            }
        }
        return null;
    }

    private static String quote(String v) {
        if (v == null) {
            return "NULL";
        }
        String s = v.length() > 60 ? v.substring(0, 60) + "..." : v;
        return "'" + s.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }

    /** A seeded, repeatable choice of v3 ids in the scope: the smallest hashes of (id, seed). */
    private List<Long> sample(Connection v3, Scope s) throws SQLException {
        FlatShape shape = FlatShape.of(s.table);
        List<Long> ids = new ArrayList<>();
        if (options.sample() == 0) {
            return ids;
        }
        try (Statement st = v3.createStatement(); ResultSet rs = st.executeQuery("SELECT r." + shape.id() + " FROM "
                + s.v3From() + " WHERE " + s.v3Where + " ORDER BY hashint8extended(r." + shape.id() + "::bigint, "
                + options.seed() + "), r." + shape.id() + " LIMIT " + options.sample())) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    // ---- dangling -----------------------------------------------------------------------------

    /**
     * v3 references with no match, among the converted rows: {@code danglingBounds} maps a table to
     * its condition over alias r (the rows the flat database should hold); a table not named is unbounded.
     * Read child by child and resolved in memory, never a join of two inheritance trees.
     */
    private List<FlatVerifyResult.DanglingRef> dangling(Map<String, String> danglingBounds) throws SQLException {
        Map<String, Found> found = new LinkedHashMap<>();
        for (String k : List.of(Dangling.MPI_INSTALL_SUBMIT, Dangling.TEST_BUILD_SUBMIT, Dangling.TEST_BUILD_INSTALL,
                Dangling.TEST_RUN_SUBMIT, Dangling.TEST_RUN_BUILD, Dangling.TEST_RUN_INSTALL)) {
            found.put(k, new Found());
        }
        v3Session.forEachRow("mpi_install", "r.mpi_install_id, r.submit_id", where("mpi_install", danglingBounds), rs -> {
            long id = rs.getLong(1);
            found.get(Dangling.MPI_INSTALL_SUBMIT).check(id, ids.submit.get(rs.getLong(2), IdMaps.MISSING) == IdMaps.MISSING);
        });
        v3Session.forEachRow("test_build", "r.test_build_id, r.submit_id, r.mpi_install_id",
                where("test_build", danglingBounds), rs -> {
                    long id = rs.getLong(1);
                    found.get(Dangling.TEST_BUILD_SUBMIT).check(id, ids.submit.get(rs.getLong(2), IdMaps.MISSING) == IdMaps.MISSING);
                    found.get(Dangling.TEST_BUILD_INSTALL).check(id, ids.install.get(rs.getLong(3), IdMaps.MISSING) == IdMaps.MISSING);
                });
        v3Session.forEachRow("test_run", "r.test_run_id, r.submit_id, r.test_build_id", where("test_run", danglingBounds),
                rs -> {
                    long id = rs.getLong(1);
                    long b = rs.getLong(3);
                    long bi = ids.build.get(b, IdMaps.MISSING);
                    found.get(Dangling.TEST_RUN_SUBMIT).check(id, ids.submit.get(rs.getLong(2), IdMaps.MISSING) == IdMaps.MISSING);
                    found.get(Dangling.TEST_RUN_BUILD).check(id, bi == IdMaps.MISSING);
                    // The build exists but has no install to pass on: its own reference dangled (or was 0).
                    found.get(Dangling.TEST_RUN_INSTALL).check(id, bi != IdMaps.MISSING && b != 0
                            && (bi == 0 || ids.install.get(bi, IdMaps.MISSING) == IdMaps.MISSING));
                });
        List<FlatVerifyResult.DanglingRef> out = new ArrayList<>();
        found.forEach((k, f) -> {
            if (f.count > 0) {
                out.add(new FlatVerifyResult.DanglingRef(k, f.count, List.copyOf(f.first)));
            }
        });
        return out;
    }

    private static String where(String table, Map<String, String> bounds) {
        return "r." + table + "_id <> 0 AND (" + bounds.getOrDefault(table, "true") + ")";
    }

    /** A count and the smallest few ids. */
    private static final class Found {
        long count;
        final java.util.TreeSet<Long> first = new java.util.TreeSet<>();

        void check(long id, boolean dangling) {
            if (dangling) {
                count++;
                first.add(id);
                if (first.size() > EXAMPLES) {
                    first.pollLast();
                }
            }
        }
    }

    /** The same rendering on both servers (set on the v3 side by the converter as well). */
    private static void session(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3");
        }
    }
}
