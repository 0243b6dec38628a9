package org.fastcopy.follow;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.follow.decode.PgOutputDecoder;
import org.fastcopy.follow.decode.PgOutputMessage;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.metrics.FollowMetrics;
import org.fastcopy.observe.ProgressRenderer;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.UserRelations;
import org.fastcopy.util.ByteSize;
import org.postgresql.PGConnection;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Streams the slot and applies it to the target until a cutover is asked for and reached.
 *
 * <p>Invariants, each a lesson of a peer's lost or doubled transactions:
 * <ul>
 * <li>Whole source transactions, in commit order (the order the slot sends them), go into target
 * transactions; several may share one. The ledger's {@link FollowLedger#NEXT} is written in the
 * same target transaction, so the target and its LSN commit together.</li>
 * <li>The slot is confirmed ({@code setFlushedLSN}, {@code setAppliedLSN},
 * {@code forceUpdateStatus}) only after that target commit, and only up to it. PgJDBC would
 * otherwise confirm whatever it received, keepalives included ({@code withAutomaticFlush}, off
 * here): the slot would move past rows the target never got.</li>
 * <li>A keepalive never moves the apply position (pgcopydb #1033): the position moves only at a
 * COMMIT applied. Keepalives only tell the cutover that nothing older is left to come.</li>
 * <li>A transaction is skipped iff its COMMIT LSN is before {@link FollowLedger#NEXT}; statement
 * LSNs are never compared (pgcopydb #282), and transactions that began in one order and committed
 * in the other are judged by their commits alone (pgcopydb #1044).</li>
 * <li>Nothing of a transaction is held in memory: its rows go to the target as they arrive.</li>
 * </ul>
 */
final class Follower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");
    /**
     * Source transactions per target transaction at most, when the stream never pauses: 500 on
     * loopback, more over a network ({@link #batchTransactions}).
     */
    private static final int BATCH_TRANSACTIONS = 500;
    private static final int BATCH_TRANSACTIONS_MAX = 5_000;
    /** Rows per target transaction after which it commits at the next source COMMIT. */
    private static final long BATCH_ROWS = 20_000;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /**
     * How long the stream may stay quiet before the open batch commits. The walsender sends a
     * backlog transaction by transaction as it decodes them; a gap this short means the next one is
     * on its way, and committing at every gap would cost a target commit per source transaction.
     */
    private static final long BATCH_WAIT_NANOS = TimeUnit.MICROSECONDS.toNanos(1_000);
    /** The idle wait grows from this, doubling... */
    private static final long IDLE_MIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /** ...up to this: the latency of the first change after a quiet spell. */
    private static final long IDLE_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long NEW_TABLE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final FollowSpec spec;
    private final Connections connections;
    private final FollowMetrics metrics;
    private final FollowJob.Listener listener;
    private final BooleanSupplier cutoverSignal;
    private final Endpoint source;
    private final Endpoint target;

    private Connection apply;
    private Connection control;
    private Connection sourceControl;
    private Connection replication;
    private PGReplicationStream stream;
    private RowApplier rows;
    /**
     * Source transactions per target transaction at most. A commit ends the run of INSERTs (its
     * COPY's end), sends what was held with the COMMIT, and the next run starts a COPY: three round
     * trips, at 2 ms 6 ms per 500 single-row transactions, about a third of the time a backlog of
     * them took (bench/follow, 2026-12-07 00:21: 20,000 in 0.69 s). So
     * 500 per 250 us of round trip to the target, as the held changes ({@link RowApplier#heldMax}).
     */
    private int batchTransactions = BATCH_TRANSACTIONS;

    /** Everything with a COMMIT before this is committed on the target. */
    private volatile Lsn next;
    private volatile long applied;
    private volatile Lsn sourceNow = Lsn.INVALID;
    private volatile long lagBytes;
    private volatile double lagSeconds;
    private boolean inTransaction;
    private boolean skipping;
    private long skipped;
    private int pendingTransactions;
    private long rowsAtLastCommit;
    private Lsn pendingNext;
    private Lsn pendingCommit;
    /** Source commit time of the transaction being applied: the age of the oldest change not on the target. */
    private Instant applyingCommitTime;
    /** The last read found nothing waiting and nothing is open or uncommitted. */
    private boolean caughtUp;
    private Lsn cutoverAt;

    Follower(FollowSpec spec, Connections connections, FollowMetrics metrics, FollowJob.Listener listener,
             BooleanSupplier cutoverSignal) {
        this.spec = spec;
        this.connections = connections;
        this.metrics = metrics;
        this.listener = listener;
        this.cutoverSignal = cutoverSignal;
        this.source = spec.copy().source(spec.database());
        this.target = spec.copy().target(spec.database());
    }

    /** Follows until the cutover point is applied; returns it. */
    Lsn run(String publications) {
        try {
            open(publications);
            try (ProgressRenderer progress = ProgressRenderer.start("follow", "follow-progress", this::line)) {
                return loop();
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "following " + source + " into " + target
                    + " stopped: " + ServerError.describe(e), e);
        }
    }

    private void open(String publications) throws SQLException {
        apply = connections.open(target, "fastcopy-follow");
        control = connections.open(target, "fastcopy-follow-control");
        sourceControl = connections.open(source, "fastcopy-follow-control");
        next = FollowLedger.next(control).orElseThrow(() -> new FastcopyException(FastcopyException.FAILED,
                "the ledger on " + target + " has no follow position"));
        applied = FollowLedger.transactions(control);
        apply.setAutoCommit(false);
        rows = new RowApplier(apply);
        batchTransactions = RowApplier.perRoundTrip(BATCH_TRANSACTIONS, BATCH_TRANSACTIONS_MAX, rows.roundTripNanos());
        apply.commit();
        // Values arrive as text in the walsender session's styles: pin them (the decoder's SESSION_OPTIONS).
        Map<String, String> settings = new HashMap<>(ReplicationSlot.REPLICATION);
        settings.put("options", PgOutputDecoder.SESSION_OPTIONS);
        replication = connections.open(source, "fastcopy-follow", settings);
        stream = replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                .withSlotName(spec.slotName())
                // From the slot's own confirmed position, not the ledger's: what the target has
                // beyond it comes again and is skipped here, by commit LSN, rather than trusted
                // to the server's start point.
                .withStartPosition(Lsn.INVALID.toPgJdbc())
                .withSlotOption("proto_version", 1)
                .withSlotOption("publication_names", publications)
                .withStatusInterval((int) Math.max(1, spec.statusEvery().toSeconds()), TimeUnit.SECONDS)
                // Never confirm what PgJDBC merely received: only what the target committed.
                .withAutomaticFlush(false)
                .start();
        log.info("[{}] following slot {} from {} (publications {})", spec.database(), spec.slotName(), next, publications);
        listener.following(next);
    }

    private Lsn loop() throws SQLException {
        long nextTick = 0;
        long nextTableCheck = System.nanoTime() + NEW_TABLE_CHECK_NANOS;
        long lastData = System.nanoTime();
        long idleWait = IDLE_MIN_NANOS;
        while (true) {
            long now = System.nanoTime();
            if (now - nextTick >= 0) {
                nextTick = now + TICK_NANOS;
                tick();
            }
            // Inside a source transaction the rest of it is on its way: wait for it without polling.
            ByteBuffer buf = inTransaction ? stream.read() : stream.readPending();
            if (buf != null) {
                caughtUp = false;
                lastData = now;
                idleWait = IDLE_MIN_NANOS;
                handle(PgOutputDecoder.decode(buf));
                continue;
            }
            if (pendingTransactions > 0 && now - lastData < BATCH_WAIT_NANOS) {
                // a gap between two transactions of a backlog: the next is being decoded
                LockSupport.parkNanos(IDLE_MIN_NANOS);
                continue;
            }
            commit();
            caughtUp = true;
            if (cutoverAt != null && reached(cutoverAt)) {
                // everything committed before the request is on the target: the final lag
                lagBytes = 0;
                lagSeconds = 0;
                metrics.lag(0, 0);
                return cutoverAt;
            }
            if (now - nextTableCheck >= 0) {
                nextTableCheck = now + NEW_TABLE_CHECK_NANOS;
                refuseNewTables();
            }
            // PgJDBC's stream has no wait with a timeout (read() blocks until a message, which an
            // idle server sends only as a keepalive): poll, backing off from 50 us to 5 ms so a
            // change after a short quiet spell is picked up at once and a long one costs no CPU.
            pause(idleWait);
            idleWait = Math.min(IDLE_MAX_NANOS, idleWait * 2);
        }
    }

    private void handle(PgOutputMessage m) throws SQLException {
        if (m instanceof PgOutputMessage.Begin b) {
            inTransaction = true;
            applyingCommitTime = b.commitTime();
            Lsn applyFrom = pendingNext != null && pendingNext.isAfter(next) ? pendingNext : next;
            skipping = b.finalLsn().isBefore(applyFrom);
        } else if (m instanceof PgOutputMessage.Relation r) {
            rows.relation(r);
        } else if (skipping) {
            if (m instanceof PgOutputMessage.Commit c) {
                inTransaction = false;
                skipped++;
                listener.skipped(c.commitLsn());
                log.debug("skipped the transaction committed at {}: already on the target", c.commitLsn());
            }
        } else if (m instanceof PgOutputMessage.Commit c) {
            inTransaction = false;
            pendingTransactions++;
            pendingNext = c.endLsn();
            pendingCommit = c.commitLsn();
            if (pendingTransactions >= batchTransactions || rows.rows() - rowsAtLastCommit >= BATCH_ROWS) {
                commit();
            }
        } else {
            rows.apply(m); // a row change; the other messages need nothing
        }
    }

    /** Commits the applied transactions with their ledger position, then confirms exactly that to the slot. */
    private void commit() throws SQLException {
        if (pendingTransactions == 0) {
            return;
        }
        long total = applied + pendingTransactions;
        // The changes still queued, the ledger's three facts and COMMIT in one round trip (one
        // Sync: a failure skips the rest, COMMIT included, and nothing is confirmed): over a
        // network a commit costs one wait, not one per statement.
        rows.flushWith(List.of(Ledger.putSql(FollowLedger.NEXT, pendingNext.toString()),
                Ledger.putSql(FollowLedger.COMMIT, pendingCommit.toString()),
                Ledger.putSql(FollowLedger.TRANSACTIONS, Long.toString(total)),
                "COMMIT"));
        apply.commit(); // a no-op after the COMMIT above (the driver sees the session idle)
        // Only now is it durable on the target: confirm it, and nothing beyond.
        next = pendingNext;
        applied = total;
        listener.committed(pendingCommit, next);
        metrics.applied(pendingTransactions);
        pendingTransactions = 0;
        rowsAtLastCommit = rows.rows();
        stream.setFlushedLSN(next.toPgJdbc());
        stream.setAppliedLSN(next.toPgJdbc());
        stream.forceUpdateStatus();
        listener.applied(pendingCommit, next);
    }

    /**
     * Whether everything committed on the source before {@code point} is on the target: either a
     * transaction ending at or after it was applied, or, idle with nothing open, the server said
     * (in a keepalive) that it has sent everything up to it. The second never moves {@link #next}.
     */
    private boolean reached(Lsn point) {
        return !next.isBefore(point) || !Lsn.of(stream.getLastReceiveLSN()).isBefore(point);
    }

    /** Every few hundred milliseconds: cutover requests, lag, and a status reply while cutting over. */
    private void tick() throws SQLException {
        if (cutoverAt == null && (cutoverSignal.getAsBoolean() || Ledger.get(control, FollowLedger.CUTOVER_REQUESTED).isPresent())) {
            cutoverAt = currentLsn();
            log.info("[{}] cutover requested: applying everything committed on the source before {}", spec.database(), cutoverAt);
        }
        if (cutoverAt != null) {
            // each status reply lets an idle walsender answer with a keepalive of where it is
            stream.forceUpdateStatus();
        }
        sourceNow = currentLsn();
        // Idle, what the server last said it had sent is done too (for the display only: it never
        // moves the apply position).
        Lsn received = Lsn.of(stream.getLastReceiveLSN());
        Lsn at = caughtUp && received.isAfter(next) ? received : next;
        lagBytes = sourceNow.bytesSince(at);
        lagSeconds = caughtUp || applyingCommitTime == null ? 0
                : Math.max(0, Duration.between(applyingCommitTime, Instant.now()).toNanos() / 1e9);
        metrics.lag(lagBytes, lagSeconds);
    }

    private Lsn currentLsn() throws SQLException {
        return Lsn.parse(org.fastcopy.pg.Scalar.text(sourceControl, "SELECT pg_catalog.pg_current_wal_lsn()::text"));
    }

    /** A table created on the source after the copy is in no publication: its rows would be lost silently. */
    private void refuseNewTables() throws SQLException {
        List<UserRelations.Relation> fresh = Publications.unpublished(sourceControl, spec);
        if (!fresh.isEmpty()) {
            throw new FastcopyException(FastcopyException.FAILED, "following stopped: table(s) "
                    + fresh.stream().limit(10).map(Object::toString).collect(Collectors.joining(", "))
                    + " were created on the source after the copy and are not followed; everything before is "
                    + "applied. To continue: create them on the target, add them to publication " + spec.publication()
                    + " on the source and rerun with --follow --resume, or copy again with --follow --drop-if-exists");
        }
    }

    private static void pause(long nanos) {
        LockSupport.parkNanos(nanos);
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, "following interrupted; the target holds every "
                    + "transaction up to its ledger's position");
        }
    }

    /** The progress line: applied, rows, lag. */
    String line() {
        return String.format(Locale.ROOT, "[%s] applied %,d transactions (%,d rows), lag %s / %.1f s, at %s%s",
                spec.database(), applied, rows == null ? 0 : rows.rows(), ByteSize.format(lagBytes), lagSeconds, next,
                cutoverAt == null ? "" : ", cutting over at " + cutoverAt);
    }

    long applied() {
        return applied;
    }

    /** Streamed transactions skipped because the target had them already. */
    long skipped() {
        return skipped;
    }

    /** Closes the stream and every connection; an open target transaction rolls back. */
    @Override
    public void close() {
        if (rows != null) {
            rows.close();
        }
        closeQuietly(stream);
        for (Connection c : new Connection[] {apply, control, sourceControl, replication}) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException e) {
                    // closing ends the session either way
                }
            }
        }
    }

    private static void closeQuietly(PGReplicationStream s) {
        if (s != null) {
            try {
                s.close();
            } catch (SQLException e) {
                // the connection close below ends the stream
            }
        }
    }
}
