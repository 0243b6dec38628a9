package org.fastcopy.convert;

import org.fastcopy.pg.Scalar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import static org.fastcopy.util.Sql.literal;

/**
 * {@link ConvertStep#ID_MAPS}: fixes the flat ids of the base tables before any of their rows
 * move, so the test_run ranges can start while submit, mpi_install and test_build are still
 * loading, and a resumed run maps exactly the ids the first attempt mapped (ranges it committed
 * hold them already).
 *
 * <p>Each unfinished base part gets a block of the flat sequence, stored in the ledger with the
 * run's plan: v3 ids in (idLo, maxId] become {@code firstId + id - idLo - 1} (idLo being the
 * largest v3 id converted before, maxId the largest in the run's snapshot). An arithmetic rule
 * rather than numbering the rows as they arrive: it gives the same id for the same v3 row in any
 * snapshot, so rows deleted from v3 between a failure and the rerun cannot shift it. The cost is
 * a gap in flat ids where v3 has one; a first conversion of a fresh flat database keeps the v3 ids.
 *
 * <p>Then the maps are filled: what earlier runs and finished parts committed, from flat
 * ({@link IdMaps#load}); the rest from the v3 ids of each block (ids only, child by child).
 * From then on they are only read, by the base tables and the ranges alike.
 */
final class IdPlan {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);

    private final ConvertContext ctx;

    IdPlan(ConvertContext ctx) {
        this.ctx = ctx;
    }

    /** @return the maps, and the parts as the ledger holds them now (blocks fixed) */
    record Result(IdMaps maps, List<ConvertLedger.Part> parts) {
    }

    Result run(ConvertLedger.Run run, List<ConvertLedger.Part> parts, V3Session v3, Connection flat) throws SQLException {
        boolean fixed = false;
        for (FlatTable t : ConvertContext.BASE) {
            ConvertLedger.Part p = BaseTablesStep.part(parts, "base:" + t.table);
            if (!p.done() && p.firstId() == null) {
                reserve(t, run, v3, flat);
                fixed = true;
            }
        }
        if (fixed) {
            flat.commit();
            parts = ConvertLedger.parts(flat, run.id());
        }
        IdMaps maps = IdMaps.load(flat);
        flat.commit();
        for (FlatTable t : ConvertContext.BASE) {
            ConvertLedger.Part p = BaseTablesStep.part(parts, "base:" + t.table);
            if (!p.done()) {
                fill(t, p, v3, maps);
            }
        }
        log.info("   id maps: {} entries, {} bytes", maps.entries(), maps.memoryBytes());
        ctx.meters.idMaps(maps.memoryBytes());
        return new Result(maps, parts);
    }

    /** Reserves and stores one base part's block (in flat's open transaction). */
    private static void reserve(FlatTable t, ConvertLedger.Run run, V3Session v3, Connection flat) throws SQLException {
        long lo = Scalar.longValue(flat, "SELECT coalesce(max(old_" + t.table + "_id), 0) FROM " + t.table);
        long max = lo;
        // Child by child, each answered by its primary key (never the whole tree in one transaction).
        for (Object[] row : v3.perRelation(t.table, "max(r." + t.idColumn + ")", "true", 1)) {
            if (row[1] != null) {
                max = Math.max(max, ((Number) row[1]).longValue());
            }
        }
        long first = 1;
        if (max > lo) {
            String seq = "pg_get_serial_sequence(" + literal(t.table) + ", " + literal(t.idColumn) + ")";
            long last = Scalar.longValue(flat, "SELECT setval(" + seq + ", nextval(" + seq + ") + ?)", max - lo - 1);
            first = last - (max - lo) + 1;
        }
        ConvertLedger.fixIds(flat, run.id(), "base:" + t.table, lo, max, first);
        log.info("   {}: v3 ids ({}, {}] -> flat ids from {}", t.table, lo, max, first);
    }

    /** Maps the v3 ids of one unfinished part's block (and, for test_build, each build's flat install). */
    private static void fill(FlatTable t, ConvertLedger.Part p, V3Session v3, IdMaps maps) throws SQLException {
        if (p.maxId() <= p.idLo()) {
            return;
        }
        String where = "r." + t.idColumn + " > " + p.idLo() + " AND r." + t.idColumn + " <= " + p.maxId()
                + " AND r." + t.idColumn + " <> 0";
        switch (t) {
            case SUBMIT -> v3.forEachRow(t.table, "r.submit_id", where,
                    rs -> maps.submit.put(rs.getLong(1), p.flatId(rs.getLong(1))));
            case MPI_INSTALL -> v3.forEachRow(t.table, "r.mpi_install_id", where,
                    rs -> maps.install.put(rs.getLong(1), p.flatId(rs.getLong(1))));
            case TEST_BUILD -> v3.forEachRow(t.table, "r.test_build_id, r.mpi_install_id", where, rs -> {
                long id = p.flatId(rs.getLong(1));
                maps.build.put(rs.getLong(1), id);
                long install = maps.install.get(rs.getLong(2), IdMaps.MISSING);
                maps.buildInstall.put(id, install == IdMaps.MISSING ? 0 : install);
            });
            default -> throw new IllegalArgumentException(t.table + " is not a base table");
        }
    }
}
