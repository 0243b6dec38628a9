package org.fastcopy.convert;

import org.fastcopy.pg.CopyCancel;
import org.fastcopy.pg.CopyGuard;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * One stream: COPY (SELECT ... joins) TO STDOUT on v3, {@link RowTransform} on a reader thread,
 * a bounded ring of reusable buffers, COPY ... FROM STDIN on flat in the calling thread (which owns
 * the flat transaction, so the caller can commit the rows together with their ledger mark).
 *
 * <p>Memory is bounded by {@code SLOTS} buffers of about {@code BUFFER} bytes: a slow flat side
 * fills the ring and the reader blocks (back-pressure). Both COPYs are cancelled in {@code finally}
 * when they did not end, so no connection is left locked in COPY mode.
 *
 * <p>Why not the copy's Disruptor ring ({@code data.CopyRing} via {@code StreamCopier}): that
 * pipe moves a {@code CopyUnit}'s bytes verbatim, and its reader works in whole COPY buffers
 * rather than rows; a transform needs row boundaries and its own per-stream state (id cursor,
 * dangling counts), which StreamCopier has no hook for. Adding one would widen the copy's hot path
 * and its package-private ring for one caller. Here the transform, not the hand-off, is the cost:
 * one hand-off per 64 KiB buffer (a few hundred rows), so a lock-based bounded queue gives the same
 * back-pressure and memory bound without the ring's spin-and-park machinery.
 */
final class TransformPipe {
    private static final int SLOTS = 16;
    private static final int BUFFER = 1 << 16;
    private static final Chunk END = new Chunk(new byte[0], 0);

    private record Chunk(byte[] data, int length) {
    }

    /** What one stream did. */
    record Result(long rows, long bytes, Dangling dangling) {
    }

    private TransformPipe() {
    }

    static Result run(Connection v3, Connection flat, String copyOutSql, String copyInSql, RowTransform transform,
                      String label) throws SQLException {
        return run(v3, flat, copyOutSql, copyInSql, transform, label, rows -> {
        });
    }

    /** @param onRows told the rows streamed since its last call, once per buffer handed over (progress) */
    static Result run(Connection v3, Connection flat, String copyOutSql, String copyInSql, RowTransform transform,
                      String label, LongConsumer onRows) throws SQLException {
        BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(SLOTS);
        BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(SLOTS + 1);
        for (int i = 0; i < SLOTS; i++) {
            free.add(new byte[BUFFER]);
        }
        transform.swap(new byte[BUFFER]);
        Reader reader = new Reader(v3, copyOutSql, transform, full, free, onRows);
        Thread thread = new Thread(reader, "convert-reader-" + label);
        thread.setDaemon(true);
        long bytes = 0;
        // The guard cancels the flat COPY when it did not end, before the reader is stopped; a
        // failing cancel is added to the stream's own error, never in its place.
        try (CopyGuard<CopyIn> guard = CopyGuard.copyIn(flat, copyInSql)) {
            CopyIn in = guard.op();
            thread.start();
            while (true) {
                Chunk c = full.poll(1, TimeUnit.SECONDS);
                if (c == null) {
                    if (!thread.isAlive() && full.isEmpty()) {
                        break; // died without END: its error is reported below
                    }
                    continue;
                }
                if (c == END) {
                    break;
                }
                in.writeToCopy(c.data, 0, c.length);
                bytes += c.length;
                free.offer(c.data);
            }
            thread.join();
            if (reader.error != null) {
                throw reader.error instanceof SQLException se ? se
                        : new SQLException(label + ": reading v3 failed: " + reader.error, reader.error);
            }
            in.endCopy();
            return new Result(reader.rows, bytes, transform.dangling());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException(label + ": interrupted", e);
        } finally {
            if (thread.isAlive()) {
                reader.stop = true;
                thread.interrupt();
                try {
                    thread.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** COPY OUT and transform; hands full buffers over, ends with {@link #END} on success. */
    private static final class Reader implements Runnable {
        private final Connection v3;
        private final String sql;
        private final RowTransform transform;
        private final BlockingQueue<Chunk> full;
        private final BlockingQueue<byte[]> free;
        private final LongConsumer onRows;
        volatile Throwable error;
        volatile boolean stop;
        long rows;
        private long reported;

        Reader(Connection v3, String sql, RowTransform transform, BlockingQueue<Chunk> full, BlockingQueue<byte[]> free,
               LongConsumer onRows) {
            this.v3 = v3;
            this.onRows = onRows;
            this.sql = sql;
            this.transform = transform;
            this.full = full;
            this.free = free;
        }

        @Override
        public void run() {
            CopyOut out = null;
            try {
                out = v3.unwrap(PGConnection.class).getCopyAPI().copyOut(sql);
                byte[] row;
                while ((row = out.readFromCopy()) != null) {
                    transform.transform(row, row.length);
                    rows++;
                    if (transform.length() >= BUFFER - 512) {
                        handOver();
                    }
                    if (stop) {
                        return;
                    }
                }
                if (transform.length() > 0) {
                    handOver();
                }
                full.put(END);
            } catch (Throwable t) {
                error = t;
            } finally {
                // Cancel and drain, so v3 is usable again; a failing cancel joins the error, if any.
                SQLException cancel = CopyCancel.cancel(out, v3);
                if (cancel != null) {
                    if (error == null) {
                        error = cancel;
                    } else {
                        error.addSuppressed(cancel);
                    }
                }
            }
        }

        private void handOver() throws InterruptedException {
            int len = transform.length();
            byte[] next = free.take();
            full.put(new Chunk(transform.swap(next), len));
            onRows.accept(rows - reported);
            reported = rows;
        }
    }
}
