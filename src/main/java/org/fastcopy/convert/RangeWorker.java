package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;
import org.fastcopy.report.RunRecorder;
import org.fastcopy.report.Span;
import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.work.Workers;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One range worker of {@link RangesStep}: its own v3 session in the shared snapshot and its own
 * flat session; takes work from the queue until it is empty or the run is stopped: a test_run
 * range, or the base lane (the unfinished base tables, one after another, {@link BaseTablesStep}).
 * Each range or base table is one flat transaction with its ledger mark, and one v3 transaction
 * (its children's locks go when it ends).
 */
final class RangeWorker {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);

    /** What the workers of one step share. */
    record Shared(ConvertContext ctx, ConvertLedger.Run run, SourceSnapshot snap, Queue<List<ConvertLedger.Part>> queue,
                  IdMaps maps, Map<String, Double> times, AtomicInteger committed, List<RangePlanner.Week> spans) {
    }

    private final int id;
    private final Shared shared;
    private final ConvertProgress progress;
    private volatile Connection flatSession;

    RangeWorker(int id, Shared shared, ConvertProgress progress) {
        this.id = id;
        this.shared = shared;
        this.progress = progress;
    }

    /**
     * Cancels the range in flight (the run is stopped already, so no new one starts): the flat
     * side's COPY is where a range spends its time (socket writes and the final end of COPY), and
     * no interrupt reaches into it. From another thread, so a cancel request, not
     * {@link org.fastcopy.pg.CopyCancel}, which ends a COPY from the thread that owns it.
     */
    void cancel() {
        Connection c = flatSession;
        if (c != null) {
            try {
                c.unwrap(PGConnection.class).cancelQuery();
            } catch (SQLException e) {
                log.warn("worker {}: could not cancel the range in flight: {}", id, e.getMessage());
            }
        }
    }

    /** Takes ranges until the queue is empty or the run is stopped (another worker failed, an interrupt). */
    Void work(Workers.Worker worker) {
        String current = "(none)";
        ConvertContext ctx = shared.ctx();
        try (Connection v3conn = ctx.openV3(); Connection flat = ctx.openLoading()) {
            flatSession = flat;
            V3Session session = new V3Session(v3conn, shared.snap());
            flat.setAutoCommit(false);
            List<ConvertLedger.Part> item;
            while (!worker.stopped() && (item = shared.queue().poll()) != null) {
                for (ConvertLedger.Part p : item) {
                    if (worker.stopped()) {
                        break;
                    }
                    current = p.key();
                    if (p.base()) {
                        shared.times().put(p.key(), new BaseTablesStep(ctx).table(shared.run(), p, session, flat,
                                shared.maps()));
                    } else {
                        range(p, session, flat);
                        ctx.listener.rangeCommitted(p.key(), 0, shared.committed().incrementAndGet());
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            log.error("part {} failed (worker {}): {}", current, id, e.toString());
            if (e instanceof FastcopyException fe) {
                throw fe;
            }
            throw new FastcopyException(FastcopyException.FAILED, (current.startsWith("base:")
                    ? "base table " + current.substring("base:".length()) : "test_run range " + current) + " failed: "
                    + ServerError.describe(e), e);
        }
        return null;
    }

    private void range(ConvertLedger.Part p, V3Session session, Connection flat) throws SQLException {
        long s = System.nanoTime();
        Timestamp started = new Timestamp(System.currentTimeMillis());
        String where = TimeRange.runBounds(shared.run().from(), shared.run().to());
        String cond = p.range().condition();
        String rangeWhere = cond.isEmpty() ? where : where + " AND " + cond;
        RunRecorder.current().begin(Span.Kind.RANGE, "test_run " + p.key());
        try {
            TransformPipe.Result r = session.inTransaction(v3 -> TransformPipe.run(v3, flat,
                    FlatTable.TEST_RUN.copyOutOf(RangePlanner.relationsOf(shared.spans(), p.range()), rangeWhere),
                    FlatTable.TEST_RUN.copyIn(), new RowTransform(FlatTable.TEST_RUN, shared.maps(), 0, -1),
                    "w" + id, progress.rangeStarted(p.key())));
            ConvertLedger.markDone(flat, shared.run().id(), p.key(), r.rows(), r.dangling(), started, null);
            flat.commit();
            RunRecorder.current().end(r.rows(), 0);
            long nanos = System.nanoTime() - s;
            progress.rangeEnded(p.key(), r.rows(), true);
            shared.ctx().meters.committed("test_run", r.rows(), r.dangling());
            shared.ctx().meters.rangeDone(nanos);
            shared.times().put(p.key(), nanos / 1e9);
            log.info("   {}: {} rows in {} ms, {} rows/s (worker {})", p.key(), r.rows(), nanos / 1_000_000,
                    Math.round(r.rows() / Math.max(1e-9, nanos / 1e9)), id);
        } catch (SQLException | RuntimeException e) {
            RunRecorder.current().failed();
            progress.rangeEnded(p.key(), 0, false);
            try {
                flat.rollback(); // the range's rows and its mark go together
            } catch (SQLException r) {
                e.addSuppressed(r);
            }
            throw e;
        }
    }
}
