package org.fastcopy.convert;

import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.util.ByteSize;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The follower's lag and counts, for its meters and its progress line. Written by the follower's
 * thread only; the gauges and the progress renderer read the volatile fields.
 *
 * <p>Lag in bytes: v3's current WAL position minus flat's follow position (or, idle with nothing
 * open, what the walsender said it had sent: WAL of other databases or unpublished tables is
 * then not counted as lag). Lag in seconds: since v3 committed the oldest transaction the
 * follower has received and flat does not hold yet; between batches of a backlog, when the next
 * one is not received yet, since the commit of the newest transaction flat holds (the next one
 * committed later, so this bounds the lag from above); 0 once the stream had nothing waiting.
 */
final class FollowStatus {
    private volatile long lagBytes;
    private volatile double lagSeconds;
    private volatile long transactions;
    private volatile long rows;
    private volatile long verifies;
    private volatile String verified = "";
    private volatile Lsn at = Lsn.INVALID;
    /** When the previous progress line was made, and the rows then (the renderer's thread only). */
    private long lineNanos = System.nanoTime();
    private long lineRows;
    /** Commit time of the oldest transaction received and not yet in flat, or null. */
    private Instant oldestPending;
    /** Commit time of the newest transaction received. */
    private Instant newestReceived;
    /** Commit time of the newest transaction in flat while more may be waiting, or null once caught up. */
    private Instant behindSince;

    /** The v3 transaction a batch waits to see, 0 when none ({@link FollowVisibility}). */
    private final java.util.function.LongSupplier waitingFor;

    FollowStatus(ConvertMeters meters, java.util.function.LongSupplier waitingFor) {
        this.waitingFor = waitingFor;
        meters.following(() -> lagBytes, () -> lagSeconds);
    }

    void received(Instant commitTime) {
        if (oldestPending == null) {
            oldestPending = commitTime;
        }
        newestReceived = commitTime;
    }

    /** The stream had nothing waiting and the batch is in flat: no lag in seconds. */
    void caughtUp() {
        behindSince = null;
    }

    void applied(Lsn next, long batchTransactions, long batchRows) {
        at = next;
        transactions += batchTransactions;
        rows += batchRows;
        if (batchTransactions > 0) {
            behindSince = newestReceived;
        }
        oldestPending = null;
    }

    /** @param position flat's position, or the walsender's when idle and nothing is pending */
    void measured(Lsn v3Now, Lsn position) {
        lagBytes = v3Now.bytesSince(position);
        Instant oldest = oldestPending != null ? oldestPending : behindSince;
        lagSeconds = oldest == null ? 0 : Math.max(0, Duration.between(oldest, Instant.now()).toNanos() / 1e9);
    }

    void verified(String outcome) {
        verifies++;
        verified = outcome;
    }

    long lagBytes() {
        return lagBytes;
    }

    double lagSeconds() {
        return lagSeconds;
    }

    /**
     * The progress line. Its rate is the one since the previous line (the renderer's thread is the
     * only caller): an average since the start would still show thousands of rows/s an hour after
     * the writers stopped.
     */
    String line() {
        long now = System.nanoTime();
        long total = rows;
        double secs = Math.max(0.001, (now - lineNanos) / 1e9);
        double rate = (total - lineRows) / secs;
        lineNanos = now;
        lineRows = total;
        long waiting = waitingFor.getAsLong();
        return String.format(Locale.ROOT, "following: %,d v3 transactions, %,d flat rows (%,.0f rows/s), lag %s / %.1f s, "
                + "at %s%s%s", transactions, total, rate, ByteSize.format(lagBytes), lagSeconds, at,
                waiting == 0 ? "" : ", waiting for v3 to show transaction " + waiting + " to other sessions",
                verifies == 0 ? "" : ", last verify: " + verified);
    }
}
