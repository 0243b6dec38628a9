package org.fastcopy.convert;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Collectors;

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

    /** One row that differs, or is missing, extra or duplicated on the flat side. */
    record Diff(String table, long v3Id, Long flatId, String what) {
        @Override
        public String toString() {
            return table + " v3 " + table + "_id " + v3Id + (flatId == null ? "" : " (flat " + flatId + ")") + ": " + what;
        }
    }

    /** A reference with no match: {@code column} of {@code table}, how many rows, the first few v3 ids. */
    record DanglingRef(String kind, long count, List<Long> examples) {
    }

    record Result(Map<String, long[]> counts, long rowsCompared, long differing, List<Diff> diffs,
                  List<DanglingRef> dangling, String how) {
        /** Parts whose counts differ: key to {v3, flat}. */
        Map<String, long[]> countMismatches() {
            Map<String, long[]> m = new LinkedHashMap<>();
            counts.forEach((k, v) -> {
                if (v[0] != v[1]) {
                    m.put(k, v);
                }
            });
            return m;
        }

        boolean ok() {
            return differing == 0 && countMismatches().isEmpty();
        }

        VerifyOutcome outcome() {
            List<String> lines = new ArrayList<>();
            Map<String, long[]> bad = countMismatches();
            lines.add(String.format(Locale.ROOT, "verify (%s): %d parts, counts %s; %,d rows compared field by field, %s",
                    how, counts.size(), bad.isEmpty() ? "equal" : bad.size() + " differ", rowsCompared,
                    differing == 0 ? "all equal" : differing + " differ"));
            problems().forEach(p -> lines.add("  differs: " + p));
            lines.add("dangling references in v3 (converted to 0):" + (dangling.isEmpty() ? " none" : ""));
            for (DanglingRef d : dangling) {
                lines.add(String.format(Locale.ROOT, "  %-28s %,10d  e.g. v3 ids %s", d.kind(), d.count(),
                        d.examples().stream().map(String::valueOf).collect(Collectors.joining(", "))));
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("how", how);
            List<Map<String, Object>> parts = new ArrayList<>();
            counts.forEach((k, v) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("part", k);
                m.put("v3_rows", v[0]);
                m.put("flat_rows", v[1]);
                parts.add(m);
            });
            json.put("counts", parts);
            json.put("rows_compared", rowsCompared);
            json.put("rows_differing", differing);
            json.put("problems", problems());
            List<Map<String, Object>> ds = new ArrayList<>();
            for (DanglingRef d : dangling) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("reference", d.kind());
                m.put("count", d.count());
                m.put("example_v3_ids", d.examples());
                ds.add(m);
            }
            json.put("dangling", ds);
            return new VerifyOutcome(lines, problems(), json);
        }

        /** One line per problem, for the report and the exit message. */
        List<String> problems() {
            List<String> out = new ArrayList<>();
            countMismatches().forEach((k, v) -> out.add(String.format(Locale.ROOT,
                    "%s: %,d rows in v3, %,d in flat", k, v[0], v[1])));
            diffs.forEach(d -> out.add(d.toString()));
            if (differing > diffs.size()) {
                out.add((differing - diffs.size()) + " more differing row(s) not listed");
            }
            return out;
        }
    }

    private final V3Session v3Session;
    private final Connection flat;
    private final VerifyOptions options;
    private final Ids ids = new Ids();
    private Connection v3;

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

    Result verify(List<Scope> scopes, Map<String, String> danglingBounds) throws SQLException {
        session(flat);
        loadIds();
        Map<String, long[]> counts = new LinkedHashMap<>();
        List<Diff> diffs = new ArrayList<>();
        long compared = 0;
        long differing = 0;
        for (Scope s : scopes) {
            long a;
            Compare c;
            v3 = v3Session.begin();
            try {
                a = scalar(v3, "SELECT count(*) FROM " + s.v3From() + " WHERE " + s.v3Where);
                c = compare(s);
            } finally {
                v3Session.end();
            }
            long b = scalar(flat, "SELECT count(*) FROM " + s.table + " r WHERE " + s.flatWhere);
            counts.put(s.key, new long[]{a, b});
            compared += c.rows;
            differing += c.differing;
            diffs.addAll(c.diffs);
            log.info("   verify {}: {} rows in v3, {} in flat, {} compared field by field, {} differ", s.key, a, b,
                    c.rows, c.differing);
        }
        flat.commit();
        List<DanglingRef> dangling = dangling(danglingBounds);
        return new Result(counts, compared, differing, diffs, dangling, options.describe());
    }

    private void loadIds() throws SQLException {
        v3Session.forEachRow("submit", "r.submit_id", "true", rs -> ids.submit.put(rs.getLong(1), 1));
        v3Session.forEachRow("mpi_install", "r.mpi_install_id", "true", rs -> ids.install.put(rs.getLong(1), 1));
        v3Session.forEachRow("test_build", "r.test_build_id, r.mpi_install_id", "true",
                rs -> ids.build.put(rs.getLong(1), rs.getLong(2)));
    }

    // ---- field by field ---------------------------------------------------------------------

    private record Compare(long rows, long differing, List<Diff> diffs) {
    }

    private Compare compare(Scope s) throws SQLException {
        Shape shape = Shape.of(s.table);
        String v3Where = s.v3Where;
        String flatWhere = s.flatWhere;
        if (!options.full()) {
            List<Long> ids = sample(s);
            if (ids.isEmpty()) {
                return new Compare(0, 0, List.of());
            }
            StringJoiner in = new StringJoiner(",", "(", ")");
            ids.forEach(id -> in.add(Long.toString(id)));
            v3Where += " AND r." + shape.id + " IN " + in;
            flatWhere += " AND r." + shape.oldId + " IN " + in;
        }
        long rows = 0;
        long differing = 0;
        List<Diff> diffs = new ArrayList<>();
        try (Statement sa = v3.createStatement(); Statement sb = flat.createStatement()) {
            sa.setFetchSize(2_000);
            sb.setFetchSize(2_000);
            try (ResultSet a = sa.executeQuery(shape.v3Sql(s.v3From(), v3Where));
                 ResultSet b = sb.executeQuery(shape.flatSql(flatWhere))) {
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
                            diffs.add(new Diff(s.table, at, flatId, what));
                        }
                    }
                }
            }
        }
        return new Compare(rows, differing, diffs);
    }

    /** The first field that differs, "field: v3 'x', flat 'y'", or null. */
    private static String fieldDiff(Shape shape, ResultSet a, ResultSet b, Ids ids) throws SQLException {
        for (int i = 0; i < shape.fields.size(); i++) {
            Field f = shape.fields.get(i);
            String x = a.getString(i + 3);
            if (f.ref != null && x != null) {
                long v = Long.parseLong(x);
                x = Long.toString(switch (f.ref) {
                    case "submit" -> ids.submit(v);
                    case "install" -> ids.install(v);
                    case "build" -> ids.build(v);
                    default -> ids.installOfBuild(v);
                });
            }
            String y = b.getString(i + 3);
            if (x == null ? y != null : !x.equals(y)) {
                return shape.fields.get(i).name + ": v3 " + quote(x) + ", flat " + quote(y);
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
    private List<Long> sample(Scope s) throws SQLException {
        Shape shape = Shape.of(s.table);
        List<Long> ids = new ArrayList<>();
        if (options.sample() == 0) {
            return ids;
        }
        Connection v3 = this.v3;
        try (Statement st = v3.createStatement(); ResultSet rs = st.executeQuery("SELECT r." + shape.id + " FROM "
                + s.v3From() + " WHERE " + s.v3Where + " ORDER BY hashint8extended(r." + shape.id + "::bigint, "
                + options.seed() + "), r." + shape.id + " LIMIT " + options.sample())) {
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
    private List<DanglingRef> dangling(Map<String, String> danglingBounds) throws SQLException {
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
        List<DanglingRef> out = new ArrayList<>();
        found.forEach((k, f) -> {
            if (f.count > 0) {
                out.add(new DanglingRef(k, f.count, List.copyOf(f.first)));
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

    // ---- the two sides' SQL ---------------------------------------------------------------------

    /** @param ref how the v3 value (a raw id) resolves: submit, install, build, installOfBuild; null: as is */
    private record Field(String name, String v3, String flat, String ref) {
        Field(String name, String v3, String flat) {
            this(name, v3, flat, null);
        }
    }

    /**
     * One table's comparison: columns 1 and 2 are the v3 id (flat: old id) and the flat id, the rest
     * the fields as text. Ids on the flat side are turned back into v3 ids; on the v3 side a
     * reference with no match is 0, as the conversion promises.
     */
    private record Shape(String table, String id, String oldId, List<Field> fields, String v3Joins, String flatJoins) {
        static Shape of(String table) {
            String id = table + "_id";
            List<Field> f = new ArrayList<>();
            String v3Joins = "";
            String flatJoins = "";
            if (!table.equals("submit")) {
                f.add(new Field("submit_id", "r.submit_id", "fs.old_submit_id", "submit"));
                flatJoins += " LEFT JOIN submit fs ON fs.submit_id = r.submit_id";
            }
            switch (table) {
                case "submit" -> {
                    for (String c : List.of("hostname", "local_username", "http_username", "mtt_client_version")) {
                        f.add(new Field(c, "r." + c, "r." + c));
                    }
                }
                case "mpi_install" -> {
                    v3Joins += " LEFT JOIN compute_cluster cc ON cc.compute_cluster_id = r.compute_cluster_id"
                            + " LEFT JOIN mpi_get g ON g.mpi_get_id = r.mpi_get_id"
                            + " LEFT JOIN compiler co ON co.compiler_id = r.mpi_install_compiler_id"
                            + " LEFT JOIN mpi_install_configure_args ca ON ca.mpi_install_configure_id = r.mpi_install_configure_id";
                    for (String c : List.of("platform_name", "platform_hardware", "platform_type", "os_name", "os_version")) {
                        f.add(new Field(c, "cc." + c, "r." + c));
                    }
                    for (String c : List.of("mpi_name", "mpi_version")) {
                        f.add(new Field(c, "g." + c, "r." + c));
                    }
                    for (String c : List.of("compiler_name", "compiler_version")) {
                        f.add(new Field(c, "co." + c, "r." + c));
                    }
                    for (String c : List.of("vpath_mode", "bitness", "endian", "configure_arguments")) {
                        f.add(new Field(c, "ca." + c, "r." + c));
                    }
                }
                case "test_build" -> {
                    f.add(new Field("mpi_install_id", "r.mpi_install_id", "fi.old_mpi_install_id", "install"));
                    v3Joins += " LEFT JOIN compiler co ON co.compiler_id = r.test_build_compiler_id"
                            + " LEFT JOIN test_suites ts ON ts.test_suite_id = r.test_suite_id";
                    flatJoins += " LEFT JOIN mpi_install fi ON fi.mpi_install_id = r.mpi_install_id";
                    f.add(new Field("compiler_name", "co.compiler_name", "r.compiler_name"));
                    f.add(new Field("compiler_version", "co.compiler_version", "r.compiler_version"));
                    f.add(new Field("test_suite_name", "ts.suite_name", "r.test_suite_name"));
                    f.add(new Field("test_suite_description", "ts.test_suite_description", "r.test_suite_description"));
                }
                case "test_run" -> {
                    f.add(new Field("test_build_id", "r.test_build_id", "fb.old_test_build_id", "build"));
                    f.add(new Field("mpi_install_id", "r.test_build_id", "fi.old_mpi_install_id", "installOfBuild"));
                    v3Joins += " LEFT JOIN test_names tn ON tn.test_name_id = r.test_name_id"
                            + " LEFT JOIN test_run_command c ON c.test_run_command_id = r.test_run_command_id";
                    flatJoins += " LEFT JOIN test_build fb ON fb.test_build_id = r.test_build_id"
                            + " LEFT JOIN mpi_install fi ON fi.mpi_install_id = r.mpi_install_id";
                    f.add(new Field("test_name", "tn.test_name", "r.test_name"));
                    f.add(new Field("test_name_description", "tn.test_name_description", "r.test_name_description"));
                    for (String col : List.of("launcher", "resource_mgr", "parameters", "network")) {
                        f.add(new Field(col, "c." + col, "r." + col));
                    }
                    f.add(new Field("np", "r.np", "r.np"));
                    f.add(new Field("full_command", "r.full_command", "r.full_command"));
                }
                default -> throw new IllegalArgumentException(table);
            }
            if (!table.equals("submit")) {
                v3Joins += " LEFT JOIN description d ON d.description_id = r.description_id"
                        + " LEFT JOIN environment e ON e.environment_id = r.environment_id"
                        + " LEFT JOIN result_message m ON m.result_message_id = r.result_message_id";
                f.add(new Field("description", "d.description", "r.description"));
                for (String c : List.of("start_timestamp", "submit_timestamp", "duration", "trial", "test_result")) {
                    f.add(new Field(c, "r." + c, "r." + c));
                }
                f.add(new Field("environment", "e.environment", "r.environment"));
                f.add(new Field("result_stdout", "r.result_stdout", "r.result_stdout"));
                f.add(new Field("result_stderr", "r.result_stderr", "r.result_stderr"));
                f.add(new Field("result_message", "m.result_message", "r.result_message"));
                for (String c : List.of("merge_stdout_stderr", "exit_value", "exit_signal")) {
                    f.add(new Field(c, "r." + c, "r." + c));
                }
            }
            return new Shape(table, id, "old_" + id, List.copyOf(f), v3Joins, flatJoins);
        }

        String v3Sql(String from, String where) {
            StringJoiner cols = new StringJoiner(", ");
            fields.forEach(x -> cols.add("(" + x.v3 + ")::text"));
            return "SELECT r." + id + ", NULL::bigint, " + cols + " FROM " + from + v3Joins + " WHERE " + where
                    + " ORDER BY r." + id;
        }

        String flatSql(String where) {
            StringJoiner cols = new StringJoiner(", ");
            fields.forEach(x -> cols.add("(" + x.flat + ")::text"));
            return "SELECT r." + oldId + ", r." + id + ", " + cols + " FROM " + table + " r" + flatJoins + " WHERE "
                    + where + " ORDER BY r." + oldId;
        }
    }

    /** The same rendering on both servers (set on the v3 side by the converter as well). */
    private static void session(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3");
        }
    }

    private static long scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
