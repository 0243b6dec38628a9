package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.Scalar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Holds a batch back until v3 shows its transactions to other sessions.
 *
 * <p>Why: the follower converts a batch by reading v3 as it is now ({@link FollowApply}), and a
 * transaction reaches the change stream before other sessions can see it. A committing backend
 * writes and flushes its commit record, and only afterwards leaves the proc array; the walsender
 * decodes flushed WAL, so it may send the transaction in between. Read in that gap, an inserted
 * run is not there yet, the batch commits the follow position past it, and the run is never
 * converted (seen once in 103,394 one-row transactions of bench/convert-follow). The gap is
 * microseconds after an ordinary commit, and as long as a synchronous standby takes to answer
 * when v3 has one (the commit waits for it before it becomes visible).
 *
 * <p>How: a snapshot of v3 ({@code txid_current_snapshot()}, every version from 9.6 to 17) sees a
 * committed transaction unless its xid is at or after the snapshot's xmax or in its list of
 * running xids. Once one snapshot sees it, every later one does, so one passing check before the
 * batch reads v3 covers all the batch's reads.
 */
final class FollowVisibility {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);
    private static final long POLL_MIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long POLL_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How long a wait goes before it is logged (once per wait). */
    private static final long WARN_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How often a long wait calls its keep-alive (the walsender's timeout is 60 s by default). */
    private static final long KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Called every few seconds of a long wait, to keep the replication session alive. */
    interface KeepAlive {
        void ping() throws SQLException;
    }

    /** Called once per batch that has to wait (the meter). */
    private final Runnable onWait;
    private long[] xids = new long[64];
    private int count;
    /** The xid a wait is on now, 0 when not waiting (read by tests and the progress line). */
    private volatile long waitingFor;
    private long waits;

    FollowVisibility(Runnable onWait) {
        this.onWait = onWait;
    }

    /** Notes a transaction of the open batch (its 32-bit xid, as pgoutput's Begin sends it). */
    void add(long xid) {
        if (count == xids.length) {
            xids = Arrays.copyOf(xids, count * 2);
        }
        xids[count++] = xid;
    }

    void clear() {
        count = 0;
    }

    /** The xid being waited for, 0 when none. */
    long waitingFor() {
        return waitingFor;
    }

    /** Batches that had to wait for v3 to show one of their transactions. */
    long waits() {
        return waits;
    }

    /**
     * Returns once a v3 snapshot sees every noted transaction.
     *
     * @param v3 an autocommit session on v3 (each query its own snapshot)
     */
    void await(Connection v3, KeepAlive keepAlive) throws SQLException {
        if (count == 0) {
            return;
        }
        long start = System.nanoTime();
        long lastPing = start;
        long poll = POLL_MIN_NANOS;
        boolean warned = false;
        try {
            while (true) {
                long hidden = firstHidden(Scalar.text(v3, "SELECT pg_catalog.txid_current_snapshot()::text"));
                if (hidden < 0) {
                    return;
                }
                if (waitingFor == 0) {
                    waits++;
                    onWait.run();
                }
                waitingFor = hidden;
                long now = System.nanoTime();
                if (!warned && now - start > WARN_NANOS) {
                    warned = true;
                    log.warn("convert --follow: v3 transaction {} is in the change stream but not yet visible to other "
                            + "sessions (a commit waiting for a synchronous standby?); its rows are converted once it is",
                            hidden);
                }
                if (now - lastPing > KEEPALIVE_NANOS) {
                    lastPing = now;
                    keepAlive.ping();
                }
                LockSupport.parkNanos(poll);
                poll = Math.min(POLL_MAX_NANOS, poll * 2);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new FastcopyException(FastcopyException.INTERRUPTED, "convert --follow interrupted while "
                            + "waiting for v3 to show transaction " + hidden + " to other sessions");
                }
            }
        } finally {
            if (warned) {
                log.info("convert --follow: v3 shows transaction {} after {} ms", waitingFor,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
            waitingFor = 0;
        }
    }

    /** The first noted xid the snapshot ({@code xmin:xmax:xip,...}, 64-bit xids) does not see, or -1. */
    long firstHidden(String snapshot) {
        String[] parts = snapshot.split(":", -1);
        long xmax = Long.parseLong(parts[1]);
        long[] running = parts.length < 3 || parts[2].isEmpty() ? new long[0]
                : Arrays.stream(parts[2].split(",")).mapToLong(Long::parseLong).sorted().toArray();
        for (int i = 0; i < count; i++) {
            long x = widen(xids[i], xmax);
            if (x >= xmax || Arrays.binarySearch(running, x) >= 0) {
                return xids[i];
            }
        }
        return -1;
    }

    /**
     * The 64-bit xid (epoch and xid) of a recent 32-bit one, from the snapshot's xmax: the
     * nearest value with those low 32 bits, behind xmax or (still running when xmax was taken)
     * ahead of it.
     */
    static long widen(long xid32, long xmax64) {
        long back = ((xmax64 & 0xFFFF_FFFFL) - xid32) & 0xFFFF_FFFFL;
        return back <= 0x7FFF_FFFFL ? xmax64 - back : xmax64 + (0x1_0000_0000L - back);
    }
}
