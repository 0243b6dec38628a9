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
import java.util.stream.Collectors;

/**
 * Late-arriving references, resolved as a full conversion would: a row converted earlier with
 * the sentinel 0 for a submit, mpi_install or test_build that has arrived since gets that
 * reference now, updated in place (its flat id stays, so nothing that refers to it moves).
 * Installs first, then builds (a build's install is what its runs take), then runs. Looks only
 * at flat rows holding a sentinel, and only in batches that brought new base rows.
 */
final class LateReferences {
    static final String TEST_RUN_DANGLING = "submit_id = 0 OR test_build_id = 0 OR mpi_install_id = 0";

    private final Connection flat;
    private final V3Session v3;
    private final IdMaps maps;

    LateReferences(Connection flat, V3Session v3, IdMaps maps) {
        this.flat = flat;
        this.v3 = v3;
        this.maps = maps;
    }

    void resolve() throws SQLException {
        // mpi_install: its submit
        for (long[] row : late("mpi_install", "submit_id = 0", "submit_id", "submit_id", 1)) {
            long submit = ref(maps.submit, row[3]);
            if (submit != 0) {
                update("UPDATE mpi_install SET submit_id = ? WHERE mpi_install_id = ?", submit, row[1]);
            }
        }
        // test_build: its submit and install; the build's install is what its runs take
        for (long[] row : late("test_build", "submit_id = 0 OR mpi_install_id = 0", "submit_id, mpi_install_id",
                "submit_id, mpi_install_id", 2)) {
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
                "submit_id, test_build_id, test_build_id", 3)) {
            long submit = ref(maps.submit, row[5]);
            long build = ref(maps.build, row[6]);
            long install = build == 0 ? 0 : maps.buildInstall.get(build, 0);
            if (submit != row[2] || build != row[3] || install != row[4]) {
                update("UPDATE test_run SET submit_id = ?, test_build_id = ?, mpi_install_id = ? WHERE test_run_id = ?",
                        submit, build, install, row[1]);
            }
        }
    }

    private static long ref(LongLongMap map, long v3Id) {
        long id = map.get(v3Id, IdMaps.MISSING);
        return id == IdMaps.MISSING ? 0 : id;
    }

    /**
     * Flat rows of {@code table} matching {@code dangling}, each as {old id, flat id, the flat
     * references {@code flatRefs}, then the v3 row's references {@code v3Refs}}; both lists
     * have {@code refs} columns.
     */
    private List<long[]> late(String table, String dangling, String flatRefs, String v3Refs, int refs)
            throws SQLException {
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
        String ids = rows.keySet().stream().map(String::valueOf).collect(Collectors.joining(","));
        return v3.inTransaction(c -> {
            List<long[]> out = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT " + table + "_id, " + v3Refs
                    + " FROM " + table + " WHERE " + table + "_id = ANY ('{" + ids + "}'::bigint[])")) {
                while (rs.next()) {
                    long[] row = rows.get(rs.getLong(1));
                    for (int i = 0; i < refs; i++) {
                        row[2 + refs + i] = rs.getLong(2 + i);
                    }
                    out.add(row);
                }
            }
            return out;
        });
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
