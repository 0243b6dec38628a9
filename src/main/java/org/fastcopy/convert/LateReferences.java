package org.fastcopy.convert;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Late-arriving references, resolved as a full conversion would: a row converted earlier with
 * the sentinel 0 for a submit, mpi_install or test_build that has arrived since gets that
 * reference now, updated in place (its flat id stays, so nothing that refers to it moves).
 * Installs first, then builds (a build's install is what its runs take), then runs. Looks only
 * at flat rows holding a sentinel, and only in batches that brought new base rows.
 *
 * <p>The v3 references of those rows are remembered between batches: reading them means a query
 * on the parent, which plans, locks and scans its every weekly child (hundreds: about a third of
 * a second each time on a 2-core machine), and MTT clients bring new base rows in nearly every
 * batch. A v3 row's references change only by an UPDATE or DELETE, which the stream brings: the
 * follower {@link #forget}s every row a batch touched, so only rows new to the list are read.
 */
final class LateReferences {
    static final String TEST_RUN_DANGLING = "submit_id = 0 OR test_build_id = 0 OR mpi_install_id = 0";

    private final Connection flat;
    private final V3Session v3;
    private final IdMaps maps;
    /** Per table, the v3 references of rows read before (old id -> the v3 columns of {@link #late}). */
    private final Map<String, Map<Long, long[]>> known = new HashMap<>();
    /**
     * Per table, the relations that batches named since the last resolve: the rows converted
     * since (a run that came before its build, in a batch without new base rows) are in them.
     */
    private final Map<FlatTable, Set<String>> named = new java.util.EnumMap<>(FlatTable.class);

    LateReferences(Connection flat, V3Session v3, IdMaps maps) {
        this.flat = flat;
        this.v3 = v3;
        this.maps = maps;
    }

    /** A batch's relations ("ONLY name" items): where the rows it converts or changes are. */
    void named(FollowChanges ch) {
        ch.relations.forEach((t, rels) -> named.computeIfAbsent(t, k -> new java.util.TreeSet<>()).addAll(rels));
    }

    /** Resolves what can be; v3 is read for rows not remembered, in the relations {@link #named} since the last time. */
    void resolve() throws SQLException {
        // mpi_install: its submit
        for (long[] row : late("mpi_install", "submit_id = 0", "submit_id", "submit_id", 1,
                named(FlatTable.MPI_INSTALL))) {
            long submit = ref(maps.submit, row[3]);
            if (submit != 0) {
                update("UPDATE mpi_install SET submit_id = ? WHERE mpi_install_id = ?", submit, row[1]);
            }
        }
        // test_build: its submit and install; the build's install is what its runs take
        for (long[] row : late("test_build", "submit_id = 0 OR mpi_install_id = 0", "submit_id, mpi_install_id",
                "submit_id, mpi_install_id", 2, named(FlatTable.TEST_BUILD))) {
            long submit = ref(maps.submit, row[4]);
            long install = ref(maps.install, row[5]);
            if (submit != row[2] || install != row[3]) {
                update("UPDATE test_build SET submit_id = ?, mpi_install_id = ? WHERE test_build_id = ?", submit, install,
                        row[1]);
                maps.buildInstall.put(row[1], install);
            }
        }
        // test_run: its submit, its build, and the build's install
        // (v3 has no install of its own for a run here: the last v3 column repeats the build, unused)
        for (long[] row : late("test_run", TEST_RUN_DANGLING, "submit_id, test_build_id, mpi_install_id",
                "submit_id, test_build_id, test_build_id", 3, named(FlatTable.TEST_RUN))) {
            long submit = ref(maps.submit, row[5]);
            long build = ref(maps.build, row[6]);
            long install = build == 0 ? 0 : maps.buildInstall.get(build, 0);
            if (submit != row[2] || build != row[3] || install != row[4]) {
                update("UPDATE test_run SET submit_id = ?, test_build_id = ?, mpi_install_id = ? WHERE test_run_id = ?",
                        submit, build, install, row[1]);
            }
        }
        named.clear();
    }

    private Set<String> named(FlatTable t) {
        return named.getOrDefault(t, Set.of());
    }

    /** The batch changed these v3 rows of {@code table}: their references are read again when next needed. */
    void forget(FlatTable table, java.util.Collection<Long> v3Ids) {
        Map<Long, long[]> rows = known.get(table.table);
        if (rows != null && !v3Ids.isEmpty()) {
            v3Ids.forEach(rows::remove);
        }
    }

    private static long ref(LongLongMap map, long v3Id) {
        long id = map.get(v3Id, IdMaps.MISSING);
        return id == IdMaps.MISSING ? 0 : id;
    }

    /**
     * Flat rows of {@code table} matching {@code dangling}, each as {old id, flat id, the flat
     * references {@code flatRefs}, then the v3 row's references {@code v3Refs}}; both lists
     * have {@code refs} columns. v3 is read only for rows not remembered: first in the relations
     * batches named since the last resolve (where the rows converted or changed since are), then,
     * for the rest (in a follower's first resolve), through the parent.
     */
    private List<long[]> late(String table, String dangling, String flatRefs, String v3Refs, int refs,
                              Set<String> relations) throws SQLException {
        Map<Long, long[]> rows = new HashMap<>();
        try (Statement st = flat.createStatement(); ResultSet rs = st.executeQuery("SELECT old_" + table + "_id, "
                + table + "_id, " + flatRefs + " FROM " + table + " WHERE (" + dangling + ") AND " + table + "_id <> 0")) {
            while (rs.next()) {
                long[] row = new long[2 + 2 * refs];
                for (int i = 0; i < 2 + refs; i++) {
                    row[i] = rs.getLong(i + 1);
                }
                rows.put(row[0], row);
            }
        }
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<Long, long[]> cache = known.computeIfAbsent(table, k -> new HashMap<>());
        cache.keySet().retainAll(rows.keySet()); // resolved or gone: no longer needed
        List<long[]> out = new ArrayList<>();
        List<Long> unknown = new ArrayList<>();
        for (Map.Entry<Long, long[]> e : rows.entrySet()) {
            long[] remembered = cache.get(e.getKey());
            if (remembered == null) {
                unknown.add(e.getKey());
            } else {
                System.arraycopy(remembered, 0, e.getValue(), 2 + refs, refs);
                out.add(e.getValue());
            }
        }
        if (unknown.isEmpty()) {
            return out;
        }
        String ids = "ANY ('{" + unknown.stream().map(String::valueOf).collect(Collectors.joining(",")) + "}'::bigint[])";
        String id = table + "_id";
        if (!relations.isEmpty()) {
            v3.inGroups(relations, (c, group) -> read(c, group.stream().map(rel -> "SELECT " + id + ", " + v3Refs
                    + " FROM " + rel + " WHERE " + id + " = " + ids).collect(Collectors.joining(" UNION ALL ")),
                    rows, cache, out, refs));
            unknown.removeIf(cache::containsKey);
        }
        if (!unknown.isEmpty()) {
            String rest = "ANY ('{" + unknown.stream().map(String::valueOf).collect(Collectors.joining(",")) + "}'::bigint[])";
            v3.inTransaction(c -> {
                read(c, "SELECT " + id + ", " + v3Refs + " FROM " + table + " WHERE " + id + " = " + rest, rows, cache, out,
                        refs);
                return null;
            });
        }
        return out;
    }

    /** Reads (id, v3 references) rows: each fills its flat row, is remembered, and goes to {@code out}. */
    private static void read(Connection c, String sql, Map<Long, long[]> rows, Map<Long, long[]> cache, List<long[]> out,
                             int refs) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                long[] row = rows.get(rs.getLong(1));
                long[] read = new long[refs];
                for (int i = 0; i < refs; i++) {
                    read[i] = rs.getLong(2 + i);
                }
                System.arraycopy(read, 0, row, 2 + refs, refs);
                cache.put(row[0], read);
                out.add(row);
            }
        }
    }

    private void update(String sql, long... values) throws SQLException {
        try (PreparedStatement ps = flat.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                ps.setLong(i + 1, values[i]);
            }
            ps.executeUpdate();
        }
    }
}
