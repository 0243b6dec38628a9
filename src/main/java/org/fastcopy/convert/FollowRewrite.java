package org.fastcopy.convert;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

import static org.fastcopy.util.Sql.ident;

/**
 * Changes to flat rows that exist already, set-based: a statement per table and batch, never a
 * statement per row.
 *
 * <p>An update (of a base row, or of a dimension row that flat rows inline) converts the v3 rows
 * again with the conversion's own SELECT and transform ({@link RowTransform#inPlace}: the flat ids
 * stay) into a temporary table, then one {@code UPDATE ... FROM} writes the rows that differ. A
 * deleted base row's dependants fall back to the sentinel 0, as a full conversion without that
 * row gives them, and then the row goes (flat's foreign keys need that order).
 */
final class FollowRewrite {
    private final Connection flat;
    private final V3Session v3;
    private final IdMaps maps;

    FollowRewrite(Connection flat, V3Session v3, IdMaps maps) {
        this.flat = flat;
        this.v3 = v3;
        this.maps = maps;
    }

    /**
     * Converts the v3 rows of {@code t} matching {@code v3Where} (alias r) again and writes every
     * column but the ids that identify the row into the flat rows that differ.
     *
     * @param relations where those rows are ("ONLY name" items), or null to read the parent
     * @return flat rows changed
     */
    long rewrite(FlatTable t, String v3Where, Collection<String> relations) throws SQLException {
        String temp = ident("follow_" + t.table);
        List<String> columns = Arrays.stream(t.flatColumns.split(",")).map(String::trim).toList();
        String oldId = "old_" + t.idColumn;
        List<String> set = columns.stream().filter(c -> !c.equals(t.idColumn) && !c.equals(oldId)).toList();
        try (Statement st = flat.createStatement()) {
            st.execute("CREATE TEMP TABLE IF NOT EXISTS " + temp + " ON COMMIT DELETE ROWS AS SELECT " + t.flatColumns
                    + " FROM " + ident(t.table) + " WITH NO DATA");
            st.execute("TRUNCATE " + temp);
        }
        RowTransform transform = RowTransform.inPlace(t, maps);
        String copyIn = "COPY " + temp + " (" + t.flatColumns + ") FROM STDIN";
        if (relations == null) {
            v3.inTransaction(c -> TransformPipe.run(c, flat, t.copyOut("(" + v3Where + ")"), copyIn, transform,
                    "follow rewrite " + t.table));
        } else {
            v3.inGroups(relations, (c, group) -> TransformPipe.run(c, flat, t.copyOutOf(group, "(" + v3Where + ")"),
                    copyIn, transform, "follow rewrite " + t.table));
        }
        String target = set.stream().map(c -> "f." + c).collect(Collectors.joining(", "));
        String source = set.stream().map(c -> "x." + c).collect(Collectors.joining(", "));
        try (Statement st = flat.createStatement()) {
            return st.executeUpdate("UPDATE " + ident(t.table) + " f SET (" + String.join(", ", set) + ") = (" + source
                    + ") FROM " + temp + " x WHERE f." + oldId + " = x." + oldId + " AND (" + target
                    + ") IS DISTINCT FROM (" + source + ")");
        }
    }

    /**
     * After builds were rewritten: their runs take the build's (possibly new) mpi_install, as
     * a full conversion gives them.
     */
    long runsFollowTheirBuilds(Collection<Long> v3Builds) throws SQLException {
        try (PreparedStatement ps = flat.prepareStatement("UPDATE test_run r SET mpi_install_id = b.mpi_install_id "
                + "FROM test_build b WHERE b.old_test_build_id = ANY (?) AND r.test_build_id = b.test_build_id "
                + "AND r.mpi_install_id <> b.mpi_install_id")) {
            ps.setArray(1, array(v3Builds));
            return ps.executeUpdate();
        }
    }

    /** Deletes the flat rows of the given v3 base rows; their dependants refer to the sentinel 0 after. */
    long deleteBase(FlatTable t, Collection<Long> v3Ids) throws SQLException {
        List<Long> flatIds = flatIds(t, v3Ids);
        if (flatIds.isEmpty()) {
            return 0;
        }
        Array ids = array(flatIds);
        switch (t) {
            case SUBMIT -> {
                for (String dependant : List.of("mpi_install", "test_build", "test_run")) {
                    update("UPDATE " + dependant + " SET submit_id = 0 WHERE submit_id = ANY (?)", ids);
                }
            }
            case MPI_INSTALL -> {
                List<Long> builds = new ArrayList<>();
                try (PreparedStatement ps = flat.prepareStatement("UPDATE test_build SET mpi_install_id = 0 "
                        + "WHERE mpi_install_id = ANY (?) RETURNING test_build_id")) {
                    ps.setArray(1, ids);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            builds.add(rs.getLong(1));
                            maps.buildInstall.put(rs.getLong(1), 0);
                        }
                    }
                }
                // A run's install is its build's: the runs of those builds (found through the build's index).
                if (!builds.isEmpty()) {
                    update("UPDATE test_run SET mpi_install_id = 0 WHERE test_build_id = ANY (?) AND mpi_install_id <> 0",
                            array(builds));
                }
            }
            case TEST_BUILD -> update("UPDATE test_run SET test_build_id = 0, mpi_install_id = 0 "
                    + "WHERE test_build_id = ANY (?)", ids);
            default -> throw new IllegalArgumentException(t.table);
        }
        long n = update("DELETE FROM " + ident(t.table) + " WHERE " + ident(t.idColumn) + " = ANY (?)", ids);
        LongLongMap map = switch (t) {
            case SUBMIT -> maps.submit;
            case MPI_INSTALL -> maps.install;
            default -> maps.build;
        };
        v3Ids.forEach(id -> IdMaps.forget(map, id));
        return n;
    }

    private List<Long> flatIds(FlatTable t, Collection<Long> v3Ids) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (PreparedStatement ps = flat.prepareStatement("SELECT " + ident(t.idColumn) + " FROM " + ident(t.table)
                + " WHERE " + ident("old_" + t.idColumn) + " = ANY (?) AND " + ident(t.idColumn) + " <> 0")) {
            ps.setArray(1, array(v3Ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    private long update(String sql, Array ids) throws SQLException {
        try (PreparedStatement ps = flat.prepareStatement(sql)) {
            ps.setArray(1, ids);
            return ps.executeUpdate();
        }
    }

    private Array array(Collection<Long> ids) throws SQLException {
        return flat.createArrayOf("bigint", ids.toArray());
    }
}
