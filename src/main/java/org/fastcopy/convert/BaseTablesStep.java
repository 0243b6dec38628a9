package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.Scalar;
import org.fastcopy.report.RunRecorder;
import org.fastcopy.report.Span;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;

import static org.fastcopy.util.Sql.literal;

/**
 * {@link ConvertStep#BASE_TABLES}: submit, mpi_install and test_build, each the v3 rows whose id
 * is above the largest id already converted (ids are serial: a later run's rows are above it, and
 * a resumed one finds none), in one flat transaction with its ledger mark. Returns the id maps
 * the ranges resolve references through.
 */
final class BaseTablesStep {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);

    private final ConvertContext ctx;

    BaseTablesStep(ConvertContext ctx) {
        this.ctx = ctx;
    }

    /** @param seconds where each table converted here puts its time, by part key */
    IdMaps run(ConvertLedger.Run run, List<ConvertLedger.Part> parts, V3Session v3, Connection flat,
               Map<String, Double> seconds) throws SQLException {
        IdMaps maps = IdMaps.load(flat);
        for (FlatTable t : ConvertContext.BASE) {
            ConvertLedger.Part p = part(parts, "base:" + t.table);
            if (!p.done()) {
                long s = System.nanoTime();
                RunRecorder.current().begin(Span.Kind.BASE_TABLE, t.table);
                // The v3 transaction commits only when the table did; a failure rolls it back and is
                // the error reported (a COMMIT after it would fail too and hide it).
                try {
                    v3.inTransaction(c -> {
                        table(t, run, c, flat, maps);
                        return null;
                    });
                } catch (SQLException | RuntimeException e) {
                    RunRecorder.current().failed();
                    throw e;
                }
                seconds.put(p.key(), (System.nanoTime() - s) / 1e9);
            }
        }
        log.info("   id maps: {} entries, {} bytes", maps.entries(), maps.memoryBytes());
        ctx.meters.idMaps(maps.memoryBytes());
        return maps;
    }

    private void table(FlatTable t, ConvertLedger.Run run, Connection v3, Connection flat, IdMaps maps)
            throws SQLException {
        Timestamp started = new Timestamp(System.currentTimeMillis());
        long maxOld = Scalar.longValue(flat, "SELECT coalesce(max(old_" + t.table + "_id), 0) FROM " + t.table);
        String where = "r." + t.idColumn + " > " + maxOld;
        long rows;
        long maxV3;
        // One pass (each query on a parent plans and locks all its weekly children): the count and the largest id.
        try (Statement st = v3.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE r."
                + t.idColumn + " <> 0 AND " + where + "), coalesce(max(r." + t.idColumn + "), 0) FROM " + t.table + " r")) {
            rs.next();
            rows = rs.getLong(1);
            maxV3 = rs.getLong(2);
        }
        long first = 1;
        if (rows > 0) {
            // Reserve exactly this many ids; the COPY reads the same snapshot, so the same rows.
            String seq = "pg_get_serial_sequence(" + literal(t.table) + ", " + literal(t.idColumn) + ")";
            long last = Scalar.longValue(flat, "SELECT setval(" + seq + ", nextval(" + seq + ") + ?)", rows - 1);
            first = last - rows + 1;
        }
        RowTransform transform = new RowTransform(t, maps, first, first + rows - 1);
        TransformPipe.Result r = TransformPipe.run(v3, flat, t.copyOut(where), t.copyIn(), transform, t.table);
        ConvertLedger.markDone(flat, run.id(), "base:" + t.table, r.rows(), r.dangling(), started, maxV3);
        flat.commit();
        RunRecorder.current().end(r.rows(), 0);
        ctx.meters.committed(t.table, r.rows(), r.dangling());
        log.info("   {}: {} rows, dangling {}", t.table, r.rows(), r.dangling().asMap());
    }

    private static ConvertLedger.Part part(List<ConvertLedger.Part> parts, String key) {
        return parts.stream().filter(p -> p.key().equals(key)).findFirst()
                .orElseThrow(() -> new FastcopyException(FastcopyException.FAILED, "ledger has no part " + key));
    }
}
