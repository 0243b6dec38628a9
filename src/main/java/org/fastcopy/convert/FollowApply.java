package org.fastcopy.convert;

import org.fastcopy.pg.Scalar;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * Writes one batch of followed changes into flat, inside the caller's flat transaction, in the
 * order that leaves flat as a full conversion of v3 would:
 * <ol>
 *   <li>removed runs and deleted base rows go (dependants to the sentinel 0);</li>
 *   <li>new base rows are converted (submit, mpi_install, test_build: each refers only to those before);</li>
 *   <li>updated base rows, and base rows inlining an updated dimension row, are converted again in place;</li>
 *   <li>rows holding a sentinel get the references that arrived ({@link LateReferences});</li>
 *   <li>new and updated runs are converted, then runs inlining an updated dimension row rewritten.</li>
 * </ol>
 * v3 is read as it is when the batch is applied, so a row changed twice in a batch is written once.
 */
final class FollowApply {
    private static final List<FlatTable> BASE = ConvertContext.BASE;

    private final ConvertContext ctx;
    private final Connection flat;
    private final V3Session v3;
    private final IdMaps maps;
    private final FollowRewrite rewrite;
    private final LateReferences late;

    FollowApply(ConvertContext ctx, Connection flat, V3Session v3, IdMaps maps) {
        this.ctx = ctx;
        this.flat = flat;
        this.v3 = v3;
        this.maps = maps;
        this.rewrite = new FollowRewrite(flat, v3, maps);
        this.late = new LateReferences(flat, v3, maps);
    }

    /** @return flat rows written (converted, rewritten or deleted) */
    long apply(FollowChanges ch) throws SQLException {
        for (FlatTable t : FlatTable.values()) {
            late.forget(t, ch.inserted.get(t));
            late.forget(t, ch.deleted.get(t));
        }
        late.forget(FlatTable.TEST_RUN, ch.runsRemoved);
        late.named(ch);
        long rows = 0;
        if (!ch.runsRemoved.isEmpty()) {
            try (PreparedStatement ps = flat.prepareStatement("DELETE FROM test_run WHERE old_test_run_id = ANY (?)")) {
                ps.setArray(1, flat.createArrayOf("bigint", ch.runsRemoved.toArray()));
                rows += ps.executeUpdate();
            }
        }
        for (int i = BASE.size() - 1; i >= 0; i--) {
            FlatTable t = BASE.get(i);
            if (!ch.deleted.get(t).isEmpty()) {
                rows += rewrite.deleteBase(t, ch.deleted.get(t));
            }
        }
        boolean newBase = false;
        for (FlatTable t : BASE) {
            long n = convert(t, ch.inserted.get(t), ch.relations.get(t));
            rows += n;
            newBase |= n > 0;
        }
        for (FlatTable t : BASE) {
            TreeSet<Long> updated = ch.updated.get(t);
            if (!updated.isEmpty()) {
                rows += rewrite.rewrite(t, "r." + t.idColumn + " = ANY (" + FollowDimension.array(updated) + ")",
                        ch.relations.get(t));
            }
            // A changed dimension row is inlined by rows of any week: these are read through the parent.
            String dims = FollowDimension.referring(t, ch.dimensions);
            if (!dims.isEmpty()) {
                rows += rewrite.rewrite(t, dims, null);
            }
        }
        if (!ch.updated.get(FlatTable.TEST_BUILD).isEmpty()) {
            rows += rewrite.runsFollowTheirBuilds(ch.updated.get(FlatTable.TEST_BUILD));
        }
        if (newBase) {
            late.resolve();
        }
        rows += convert(FlatTable.TEST_RUN, ch.inserted.get(FlatTable.TEST_RUN), ch.relations.get(FlatTable.TEST_RUN));
        String runs = FollowDimension.referring(FlatTable.TEST_RUN, ch.dimensions);
        if (!runs.isEmpty()) {
            rows += rewrite.rewrite(FlatTable.TEST_RUN, runs, null);
        }
        late.named(ch); // the runs converted after this batch's resolve are read by the next one from there
        return rows;
    }

    /**
     * Converts the given v3 ids flat does not hold yet, set-based, with the conversion's SELECT,
     * id maps and transform, from the relations the stream named for them. An id flat holds
     * already is skipped, so the catch-up conversion and the stream may overlap.
     */
    private long convert(FlatTable t, TreeSet<Long> ids, Set<String> relations) throws SQLException {
        if (t == FlatTable.TEST_RUN) {
            ids.removeAll(convertedRuns(ids));
        } else {
            LongLongMap map = switch (t) {
                case SUBMIT -> maps.submit;
                case MPI_INSTALL -> maps.install;
                default -> maps.build;
            };
            ids.removeIf(id -> map.get(id, IdMaps.MISSING) != IdMaps.MISSING);
        }
        if (ids.isEmpty()) {
            return 0;
        }
        long first = 0;
        long last = -1;
        if (t != FlatTable.TEST_RUN) {
            // A block of ids as large as the touched set: a row deleted since leaves a gap, never a clash.
            String seq = "pg_get_serial_sequence(" + literal(t.table) + ", " + literal(t.idColumn) + ")";
            last = Scalar.longValue(flat, "SELECT setval(" + seq + ", nextval(" + seq + ") + ?)", ids.size() - 1);
            first = last - ids.size() + 1;
        }
        String where = "r." + ident(t.idColumn) + " = ANY (" + FollowDimension.array(ids) + ")";
        // One transform over every group: the block's id cursor and the dangling counts run on.
        RowTransform transform = new RowTransform(t, maps, first, last);
        long[] rows = {0};
        v3.inGroups(relations, (c, group) -> rows[0] += TransformPipe.run(c, flat, t.copyOutOf(group, where), t.copyIn(),
                transform, "follow " + t.table).rows());
        ctx.meters.committed(t.table, rows[0], transform.dangling());
        return rows[0];
    }

    private Set<Long> convertedRuns(TreeSet<Long> ids) throws SQLException {
        Set<Long> done = new HashSet<>();
        if (ids.isEmpty()) {
            return done;
        }
        try (PreparedStatement ps = flat.prepareStatement(
                "SELECT old_test_run_id FROM test_run WHERE old_test_run_id = ANY (?)")) {
            ps.setArray(1, flat.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    done.add(rs.getLong(1));
                }
            }
        }
        return done;
    }
}
