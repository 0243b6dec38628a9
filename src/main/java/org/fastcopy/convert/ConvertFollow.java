package org.fastcopy.convert;

import io.micrometer.core.instrument.MeterRegistry;
import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.follow.ReplicationSlot;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.follow.decode.PgOutputDecoder;
import org.fastcopy.follow.decode.PgOutputMessage;
import org.fastcopy.observe.ProgressRenderer;
import org.fastcopy.pg.Scalar;
import org.fastcopy.pg.ServerError;
import org.postgresql.PGConnection;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code convert --follow}: keeps the flat database current from v3's change stream.
 *
 * <p>The stream only says WHICH rows changed ({@link FollowChanges}); the rows themselves are
 * converted by the same code as every conversion ({@link FlatTable#copyOut}, {@link RowTransform},
 * {@link TransformPipe}), set-based, restricted to the ids the decoded messages touched
 * ({@link FollowApply}). So a followed row is, field for field, what a full conversion makes of
 * it, and the id mapping is the one the maps of the earlier conversions hold.
 *
 * <p>Invariants (those of {@code follow/Follower}): whole source transactions, in commit order,
 * go into one flat transaction together with the follow position ({@code _convert.follow}); the
 * slot is confirmed only after that commit; on restart a transaction whose commit LSN is before
 * the stored position is skipped. Converting an id is idempotent (an id the flat side already
 * holds is not converted again), so what the catch-up conversion already took is not doubled
 * when the stream brings it again.
 *
 * <p>v3 is read as it is NOW, not as of the streamed transaction: right for inserted rows and for
 * deletes; an update is converted with the newest values, which a later transaction of the same
 * batch may have set already.
 */
public final class ConvertFollow implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);
    static final String CREATE = """
            CREATE SCHEMA IF NOT EXISTS _convert;
            CREATE TABLE IF NOT EXISTS _convert.follow (slot_name text PRIMARY KEY, publication text NOT NULL,
                next_lsn text NOT NULL, commit_lsn text, transactions bigint NOT NULL DEFAULT 0,
                updated timestamptz NOT NULL DEFAULT clock_timestamp());
            """;
    /** Source transactions per flat transaction at most, when the stream never pauses. */
    private static final int BATCH_TRANSACTIONS = 500;
    /** Touched ids after which the batch converts at the next source COMMIT. */
    private static final int BATCH_IDS = 20_000;
    /** How often the lag is measured and new weekly children are looked for. */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /**
     * How long the stream may stay quiet before the open batch commits: the walsender sends a
     * backlog transaction by transaction as it decodes it, and committing (and sleeping) at every
     * such gap held the follower to a few hundred rows/s whatever the transaction size.
     */
    private static final long BATCH_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long IDLE_MIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long IDLE_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** What one follow run did. */
    public record Result(long transactions, long skipped, long rows, Lsn next) {
    }

    private final ConvertContext ctx;
    private final Connections connections;
    private final String slot;
    private final String publication;
    private volatile Lsn stopAt;
    /**
     * False only in tests: the slot is never confirmed, as after a crash between the flat commit
     * and the confirmation, so the next follower gets those transactions again and must skip them.
     */
    boolean confirmSlot = true;
    private boolean untilCaughtUp;
    private FollowVerify verify = FollowVerify.OFF;

    private Connection flat;
    private Connection v3;
    /** Catalogue queries, lag and publication changes on v3, in autocommit. */
    private Connection v3Control;
    private Connection replication;
    private PGReplicationStream stream;
    private FollowApply apply;
    private final FollowRelations relations = new FollowRelations();
    private final FollowChanges changes = new FollowChanges();
    private final FollowPublication published;
    private final FollowStatus status;
    private final FollowVisibility visibility;
    private ProgressRenderer progress;

    private Lsn next;
    private boolean inTransaction;
    private boolean skipping;
    private int pendingTransactions;
    private Lsn pendingNext;
    private Lsn pendingCommit;
    private long transactions;
    private long skipped;
    private long rows;
    private long lastTick;

    public ConvertFollow(ConvertSpec spec, Connections connections, String slot, String publication) {
        this(spec, connections, slot, publication, null);
    }

    /** @param registry where the meters go, or null */
    public ConvertFollow(ConvertSpec spec, Connections connections, String slot, String publication,
                         MeterRegistry registry) {
        this.ctx = new ConvertContext(spec, connections, ConvertListener.NONE, new ConvertMeters(registry, spec.flatDatabase()));
        this.connections = connections;
        this.slot = slot;
        this.publication = publication;
        this.published = new FollowPublication(publication, slot);
        this.visibility = new FollowVisibility(ctx.meters::visibilityWait);
        this.status = new FollowStatus(ctx.meters, visibility::waitingFor);
    }

    /**
     * Stop once everything committed on v3 before {@code lsn} is in flat (the {@code --until-caught-up}
     * request; callable from another thread).
     */
    public void stopAt(Lsn lsn) {
        this.stopAt = lsn;
    }

    /** {@code --until-caught-up}: stop at v3's WAL position when following starts. */
    public void untilCaughtUp(boolean on) {
        this.untilCaughtUp = on;
    }

    /**
     * {@code --verify} (a check when {@code --until-caught-up} stops) and {@code --verify-every}
     * (a check every so often): flat against v3 while following.
     *
     * @param every null for no periodic check
     */
    public void verify(boolean atEnd, java.time.Duration every, VerifyOptions how) {
        this.verify = new FollowVerify(ctx, new FollowVerify.Options(atEnd, every, how), status);
    }

    /**
     * Starts following unless the flat database follows this slot already ({@link FollowStart}).
     *
     * @return whether it started (false: resumed)
     */
    public boolean prepare() {
        return new FollowStart(ctx, connections, slot, publication, published).prepare();
    }

    /** Follows until {@link #stopAt} is reached (forever without one). */
    public Result run() {
        try {
            open();
            progress = ProgressRenderer.start("convert", "convert-follow-progress", status::line);
            loop();
            if (verify.enabled() && stopAt != null) {
                // The last check: flat where it stopped against v3, judged once flat followed to
                // where the check read v3.
                stopAt = verify.start(flat, next);
                loop();
                verify.reached(position());
            }
            log.info("convert --follow: stopped at {}: {} v3 transaction(s) followed, {} flat row(s), {} skipped, "
                    + "{} batch(es) waited for v3 to show a transaction", next, transactions, rows, skipped, visibility.waits());
            return new Result(transactions, skipped, rows, next);
        } catch (SQLException e) {
            releaseStream();
            throw new FastcopyException(FastcopyException.FAILED, "convert --follow " + ctx.v3Endpoint + " -> "
                    + ctx.flatEndpoint + " stopped: " + ServerError.describe(e)
                    + "; flat holds every transaction up to its follow position", e);
        } catch (RuntimeException e) {
            releaseStream();
            throw e;
        } finally {
            if (progress != null) {
                progress.close();
                progress = null;
            }
        }
    }

    /** The v3 xid a batch waits for v3 to show to other sessions, 0 when none ({@link FollowVisibility}). */
    long waitingForXid() {
        return visibility.waitingFor();
    }

    /** The differences this run's checks found (empty when none ran or all passed). */
    public java.util.List<String> verifyProblems() {
        return verify.problems();
    }

    private void open() throws SQLException {
        flat = ctx.openFlat();
        ctx.lock(flat);
        next = FollowStart.followPosition(flat, slot);
        if (next == null) {
            throw new FastcopyException(FastcopyException.FAILED, ctx.spec.flatDatabase() + " does not follow slot " + slot
                    + ": start with convert --follow (without --resume)");
        }
        flat.setAutoCommit(false);
        IdMaps maps = IdMaps.load(flat);
        v3 = ctx.openV3();
        V3Session v3Session = new V3Session(v3, null);
        v3Control = ctx.openV3();
        v3Control.setAutoCommit(true);
        published.load(flat, v3Control);
        flat.commit();
        apply = new FollowApply(ctx, flat, v3Session, maps);
        Map<String, String> settings = new HashMap<>(ReplicationSlot.REPLICATION);
        settings.put("options", PgOutputDecoder.SESSION_OPTIONS);
        replication = connections.open(ctx.v3Endpoint, "fastcopy-convert-follow", settings);
        stream = replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                .withSlotName(slot)
                .withStartPosition(Lsn.INVALID.toPgJdbc())
                .withSlotOption("proto_version", 1)
                .withSlotOption("publication_names", publication)
                .withStatusInterval(10, TimeUnit.SECONDS)
                // Never confirm what was merely received: only what flat committed.
                .withAutomaticFlush(false)
                .start();
        if (untilCaughtUp) {
            stopAt = currentLsn();
        }
        verify.open(v3Session);
        status.applied(next, 0, 0);
        log.info("convert --follow: following slot {} from {}{}", slot, next, stopAt == null ? "" : " until " + stopAt);
    }

    private Lsn currentLsn() throws SQLException {
        return Lsn.parse(Scalar.text(v3Control, "SELECT pg_catalog.pg_current_wal_lsn()::text"));
    }

    private void loop() throws SQLException {
        long lastData = System.nanoTime();
        long lastMeasure = lastData;
        long idleWait = IDLE_MIN_NANOS;
        while (true) {
            ByteBuffer buf = inTransaction ? stream.read() : stream.readPending();
            long now = System.nanoTime();
            if (buf != null) {
                lastData = now;
                idleWait = IDLE_MIN_NANOS;
                handle(PgOutputDecoder.decode(buf));
                if (!inTransaction && now - lastMeasure > TICK_NANOS) {
                    // behind, the loop may not go idle for a long time: the lag must show meanwhile
                    lastMeasure = now;
                    status.measured(currentLsn(), position());
                }
                continue;
            }
            if (pendingTransactions > 0 && now - lastData < BATCH_WAIT_NANOS) {
                // a gap between two transactions of a backlog: the next is being decoded
                LockSupport.parkNanos(IDLE_MIN_NANOS);
                continue;
            }
            commit();
            status.caughtUp();
            if (now - lastTick > TICK_NANOS) {
                tick();
            }
            Lsn until = stopAt;
            if (until != null && (!next.isBefore(until) || !Lsn.of(stream.getLastReceiveLSN()).isBefore(until))) {
                // Children created before the stop position: their earlier rows are part of "caught up".
                if (published.check(v3Control, changes)) {
                    commit();
                }
                tick();
                return;
            }
            if (until != null) {
                stream.forceUpdateStatus(); // an idle walsender answers with a keepalive of where it is
            }
            // PgJDBC's stream has no read with a timeout: poll, backing off from 50 us to 5 ms, so a
            // change after a short quiet spell is picked up at once and a long one costs no CPU.
            LockSupport.parkNanos(idleWait);
            idleWait = Math.min(IDLE_MAX_NANOS, idleWait * 2);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new FastcopyException(FastcopyException.INTERRUPTED, "convert --follow interrupted; flat holds "
                        + "every transaction up to " + next);
            }
        }
    }

    /** Between batches: lag, new weekly children, a periodic verify. */
    private void tick() throws SQLException {
        lastTick = System.nanoTime();
        if (published.check(v3Control, changes)) {
            commit();
        }
        status.measured(currentLsn(), position());
        verify.reached(position());
        verify.tick(flat, next);
    }

    /** flat's position; idle with nothing pending, what the walsender said it has sent (never confirmed). */
    private Lsn position() {
        Lsn received = Lsn.of(stream.getLastReceiveLSN());
        return pendingTransactions == 0 && !inTransaction && received.isAfter(next) ? received : next;
    }

    private void handle(PgOutputMessage m) throws SQLException {
        if (m instanceof PgOutputMessage.Begin b) {
            inTransaction = true;
            Lsn from = pendingNext != null && pendingNext.isAfter(next) ? pendingNext : next;
            skipping = b.finalLsn().isBefore(from);
            if (!skipping) {
                status.received(b.commitTime());
                visibility.add(b.xid());
            }
        } else if (m instanceof PgOutputMessage.Relation r) {
            relations.learn(r, v3Control);
        } else if (m instanceof PgOutputMessage.Commit c) {
            inTransaction = false;
            if (skipping) {
                skipped++;
                return;
            }
            pendingTransactions++;
            pendingNext = c.endLsn();
            pendingCommit = c.commitLsn();
            if (pendingTransactions >= BATCH_TRANSACTIONS || changes.size() >= BATCH_IDS) {
                commit();
            }
        } else if (!skipping) {
            changes.record(m, relations, next);
        }
    }

    /**
     * Applies the batch's changes, set-based, and commits them with the follow position; then
     * confirms exactly that to the slot. A batch without source transactions (a new weekly child's
     * earlier rows) commits with the position unchanged.
     */
    private void commit() throws SQLException {
        if (pendingTransactions == 0 && changes.isEmpty()) {
            return;
        }
        // The batch reads v3 as it is now: not before v3 shows its transactions to other sessions.
        visibility.await(v3Control, stream::forceUpdateStatus);
        long batchRows = apply.apply(changes);
        published.record(flat, changes.childrenCaughtUp);
        if (pendingTransactions > 0) {
            try (PreparedStatement ps = flat.prepareStatement("UPDATE _convert.follow SET next_lsn = ?, commit_lsn = ?, "
                    + "transactions = transactions + ?, updated = clock_timestamp() WHERE slot_name = ?")) {
                ps.setString(1, pendingNext.toString());
                ps.setString(2, pendingCommit.toString());
                ps.setLong(3, pendingTransactions);
                ps.setString(4, slot);
                ps.executeUpdate();
            }
        }
        flat.commit();
        // Only now is it durable in flat: confirm it, and nothing beyond.
        boolean moved = pendingTransactions > 0;
        if (moved) {
            next = pendingNext;
        }
        transactions += pendingTransactions;
        rows += batchRows;
        ctx.meters.followed(pendingTransactions);
        status.applied(next, pendingTransactions, batchRows);
        log.debug("convert --follow: {} transaction(s), {} rows, at {}", pendingTransactions, batchRows, next);
        pendingTransactions = 0;
        visibility.clear();
        verify.applied(changes);
        changes.clear();
        if (confirmSlot && moved) {
            stream.setFlushedLSN(next.toPgJdbc());
            stream.setAppliedLSN(next.toPgJdbc());
            stream.forceUpdateStatus();
        }
    }

    /**
     * A stopped follower ends its replication session at once, not when its owner closes it: a
     * walsender whose client no longer reads holds up v3's shutdown (a restart waits for it to
     * send everything) until wal_sender_timeout, and keeps the slot active for a new follower.
     */
    private void releaseStream() {
        if (replication != null) {
            try {
                replication.close();
            } catch (SQLException e) {
                // closing the connection ends the walsender either way
            }
        }
    }

    /** Closes the stream and the sessions; an open flat transaction rolls back. */
    @Override
    public void close() {
        if (stream != null) {
            try {
                stream.close();
            } catch (SQLException e) {
                // closing the connection ends the stream
            }
        }
        for (Connection c : new Connection[] {flat, v3, v3Control, replication}) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException e) {
                    // closing ends the session either way
                }
            }
        }
    }

    /** Drops the slot (after the follower is closed): a forgotten slot keeps v3's WAL forever. */
    public boolean dropSlot() {
        try (Connection src = ctx.openV3()) {
            return ReplicationSlot.drop(src, slot);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not drop slot " + slot + ": " + ServerError.describe(e), e);
        }
    }
}
