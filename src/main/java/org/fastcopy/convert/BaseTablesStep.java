package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.report.RunRecorder;
import org.fastcopy.report.Span;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;

/**
 * The base tables submit, mpi_install and test_build, run by one of the {@link RangesStep}
 * workers (the "base lane") while the others convert test_run ranges: their flat ids were fixed
 * by {@link IdPlan}, so no range waits for them. Each table is the v3 rows of its id block, in one
 * flat transaction with its ledger mark, and one v3 transaction.
 *
 * <p>One after another on one worker, not a worker each: a query on mpi_install or test_build
 * locks every weekly child and its indexes (about five locks a child), and two such queries at
 * once beside the snapshot holder's lock per table would not fit ten years of children in
 * PostgreSQL's default lock table.
 */
final class BaseTablesStep {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);

    private final ConvertContext ctx;

    BaseTablesStep(ConvertContext ctx) {
        this.ctx = ctx;
    }

    /**
     * One base part. The v3 transaction commits only when the table did; a failure rolls it back
     * and is the error reported (a COMMIT after it would fail too and hide it).
     *
     * @return the part's seconds
     */
    double table(ConvertLedger.Run run, ConvertLedger.Part p, V3Session v3, Connection flat, IdMaps maps)
            throws SQLException {
        FlatTable t = table(p);
        long s = System.nanoTime();
        RunRecorder.current().begin(Span.Kind.BASE_TABLE, t.table);
        try {
            v3.inTransaction(c -> {
                copy(t, run, p, c, flat, maps);
                return null;
            });
        } catch (SQLException | RuntimeException e) {
            RunRecorder.current().failed();
            try {
                flat.rollback(); // the table's rows and its mark go together
            } catch (SQLException r) {
                e.addSuppressed(r);
            }
            throw e;
        }
        return (System.nanoTime() - s) / 1e9;
    }

    private void copy(FlatTable t, ConvertLedger.Run run, ConvertLedger.Part p, Connection v3, Connection flat,
                      IdMaps maps) throws SQLException {
        Timestamp started = new Timestamp(System.currentTimeMillis());
        String where = "r." + t.idColumn + " > " + p.idLo() + " AND r." + t.idColumn + " <= " + p.maxId();
        TransformPipe.Result r = TransformPipe.run(v3, flat, t.copyOut(where), t.copyIn(),
                RowTransform.fixedIds(t, maps), t.table);
        ConvertLedger.markDone(flat, run.id(), p.key(), r.rows(), r.dangling(), started, p.maxId());
        flat.commit();
        RunRecorder.current().end(r.rows(), 0);
        ctx.meters.committed(t.table, r.rows(), r.dangling());
        log.info("   {}: {} rows, dangling {}", t.table, r.rows(), r.dangling().asMap());
    }

    private static FlatTable table(ConvertLedger.Part p) {
        return ConvertContext.BASE.stream().filter(t -> p.key().equals("base:" + t.table)).findFirst()
                .orElseThrow(() -> new FastcopyException(FastcopyException.FAILED, "not a base table part: " + p.key()));
    }

    static ConvertLedger.Part part(List<ConvertLedger.Part> parts, String key) {
        return parts.stream().filter(p -> p.key().equals(key)).findFirst()
                .orElseThrow(() -> new FastcopyException(FastcopyException.FAILED, "ledger has no part " + key));
    }
}
