package org.fastcopy.follow;

import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.follow.decode.PgOutputDecoder;
import org.fastcopy.follow.decode.PgOutputMessage;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * The slot's stream, read and decoded on its own thread ahead of the apply: while the apply waits
 * for the target (a COPY's end, a pipeline, a commit), the next transactions are already being
 * taken off the socket and decoded, instead of the two taking turns on one thread.
 *
 * <p>Ownership: the reader thread owns the {@link PGReplicationStream} (PgJDBC's stream is not
 * safe for two threads: a status reply written while a read is under way would interleave on the
 * socket), so confirmations and status replies are asked for here and sent by that thread. The
 * applying thread is the ring's only consumer ({@link #poll}). Nothing else is shared but the
 * volatile fields below, each with one writer.
 *
 * <p>Bounds: at most {@link #SLOTS} messages and about {@link #BUDGET_BYTES} of their payload wait
 * in the ring (one message is always let in, however large, so a row larger than the budget still
 * passes, as it did before the ring). Memory stays flat whatever the size of a source transaction:
 * the apply sends rows on as it takes them.
 *
 * <p>Order: a failure of the stream or of the decoder goes into the ring after the messages read
 * before it, so the apply handles everything that arrived intact and then fails with the reader's
 * exception, as one thread would have.
 */
final class StreamReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamReader.class);
    /** Messages waiting in the ring at most (a power of two). */
    static final int SLOTS = 8192;
    /** Payload bytes waiting in the ring at most, beyond one message. */
    static final long BUDGET_BYTES = 8L << 20;
    /** The reader's wait for the socket grows from this, doubling... */
    private static final long IDLE_MIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /** ...up to this: PgJDBC's stream has no wait with a timeout, so an idle stream is polled. */
    private static final long IDLE_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** The reader's wait while the ring is full: the apply has {@link #SLOTS} messages of work. */
    private static final long FULL_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    /** How long close() waits for the reader to see it is stopping. */
    private static final long JOIN_MILLIS = 10_000;

    /** A confirmation the apply asks for: the target committed everything before {@code next}. */
    record Confirm(Lsn commitLsn, Lsn next) {
    }

    private static final class Slot {
        PgOutputMessage message;
        /** A SQLException or RuntimeException of the reader, in its place in the order. */
        Exception failure;
        int bytes;
    }

    /** The apply's work per message. */
    interface Handler {
        void handle(PgOutputMessage m) throws SQLException;
    }

    private final PGReplicationStream stream;
    private final RingBuffer<Slot> ring;
    private final EventPoller<Slot> poller;
    private final Thread thread;
    /** Called on the reader thread once the slot was told about a confirmation. */
    private final BiConsumer<Lsn, Lsn> onConfirmed;
    private final Thread consumer;

    private volatile boolean stopping;
    /** Written by the apply: what to confirm next. */
    private volatile Confirm confirmTo;
    private final AtomicBoolean statusWanted = new AtomicBoolean();
    /** Written by the reader after the messages it read before are in the ring. */
    private volatile Lsn lastReceived = Lsn.INVALID;
    /** Written by the apply only. */
    private volatile long consumedBytes;
    /** Set by the apply before it parks on an empty ring: the reader unparks it after a publish. */
    private volatile boolean consumerWaiting;

    /** Written by the reader: how often it waited for room in the ring. */
    private volatile long fullWaits;

    // the reader thread's own (the closing thread's once the reader has been joined)
    private volatile long publishedBytes; // written by the reader only
    private Confirm confirmed;

    private StreamReader(PGReplicationStream stream, BiConsumer<Lsn, Lsn> onConfirmed, String threadName) {
        this.stream = stream;
        this.onConfirmed = onConfirmed;
        this.ring = RingBuffer.createSingleProducer(Slot::new, SLOTS);
        this.poller = ring.newPoller();
        ring.addGatingSequences(poller.getSequence());
        this.consumer = Thread.currentThread();
        this.thread = new Thread(this::read, threadName);
        // Always joined by close(); daemon only so a JVM dying of something else is not held up
        // by a reader blocked on a dead socket.
        thread.setDaemon(true);
    }

    /**
     * Starts reading {@code stream} on a thread of its own; the calling thread becomes the ring's
     * consumer. {@code onConfirmed(commitLsn, next)} is called on the reader thread.
     */
    static StreamReader start(PGReplicationStream stream, BiConsumer<Lsn, Lsn> onConfirmed, String threadName) {
        StreamReader r = new StreamReader(stream, onConfirmed, threadName);
        r.thread.start();
        return r;
    }

    /**
     * Hands every message waiting in the ring to {@code handler}, in order; returns whether there
     * was any. A failure of the reader is thrown here, after the messages read before it.
     */
    boolean poll(Handler handler) throws SQLException {
        try {
            return poller.poll((slot, sequence, endOfBatch) -> {
                PgOutputMessage m = slot.message;
                Exception failure = slot.failure;
                slot.message = null; // the ring must not keep a row alive once applied
                slot.failure = null;
                consumedBytes += slot.bytes; // one writer: this thread
                if (failure != null) {
                    throw failure;
                }
                handler.handle(m);
                return true;
            }) == EventPoller.PollState.PROCESSING || checkAlive();
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // Handler and Slot allow no other kind
        }
    }

    /** False, or a failure when the reader ended without saying why (an Error on its thread). */
    private boolean checkAlive() {
        if (!thread.isAlive() && !stopping && !hasWaiting()) {
            throw new IllegalStateException(thread.getName() + " ended without passing on a failure; the target holds "
                    + "every transaction up to its ledger's position");
        }
        return false;
    }

    /**
     * Parks the consumer for at most {@code nanos}, or until the reader publishes: a change after
     * a quiet spell is applied at once, and a long quiet spell costs no CPU.
     */
    void await(long nanos) {
        consumerWaiting = true;
        if (!hasWaiting()) {
            LockSupport.parkNanos(this, nanos);
        }
        consumerWaiting = false;
    }

    private boolean hasWaiting() {
        return ring.getCursor() > poller.getSequence().get();
    }

    /**
     * What the server last said it has sent (a change's LSN, or a keepalive's position), published
     * only after every message read before it is in the ring: read before a {@link #poll} that
     * finds the ring empty, every message before it has been handed to the apply.
     */
    Lsn lastReceived() {
        return lastReceived;
    }

    /** Asks the reader to tell the slot that the target has everything before {@code next}. */
    void confirm(Lsn commitLsn, Lsn next) {
        confirmTo = new Confirm(commitLsn, next);
        LockSupport.unpark(thread);
    }

    /** Asks the reader for a status reply, to which an idle walsender answers with a keepalive. */
    void requestStatus() {
        statusWanted.set(true);
        LockSupport.unpark(thread);
    }

    /** Payload bytes published and not yet handed to the apply (for tests and the budget). */
    long waitingBytes() {
        return publishedBytes - consumedBytes;
    }

    /** How often the reader has waited for room in the ring so far. */
    long fullWaits() {
        return fullWaits;
    }

    private void read() {
        long idle = IDLE_MIN_NANOS;
        try {
            while (!stopping) {
                sendStatus();
                ByteBuffer buf = stream.readPending();
                if (buf == null) {
                    lastReceived = Lsn.of(stream.getLastReceiveLSN()); // a keepalive may have moved it
                    LockSupport.parkNanos(this, idle);
                    idle = Math.min(IDLE_MAX_NANOS, idle * 2);
                    continue;
                }
                idle = IDLE_MIN_NANOS;
                int bytes = buf.remaining();
                PgOutputMessage m;
                try {
                    m = PgOutputDecoder.decode(buf);
                } catch (RuntimeException e) {
                    fail(e);
                    return;
                }
                if (!publish(m, null, bytes)) {
                    return;
                }
                lastReceived = Lsn.of(stream.getLastReceiveLSN());
            }
        } catch (SQLException | RuntimeException e) {
            if (!stopping) {
                fail(e);
            }
        }
    }

    /** Puts the reader's failure into the ring, after what it read before; the reader then ends. */
    private void fail(Exception failure) {
        try {
            publish(null, failure, 0);
        } catch (SQLException e) {
            failure.addSuppressed(e); // publish sends no status with a failure: cannot happen
        }
    }

    /** Puts one message (or failure) into the ring, waiting while it is full; false when stopping. */
    private boolean publish(PgOutputMessage m, Exception failure, int bytes) throws SQLException {
        long seq;
        while (true) {
            if (stopping) {
                return false;
            }
            if (publishedBytes - consumedBytes <= BUDGET_BYTES || !hasWaiting()) {
                try {
                    seq = ring.tryNext();
                    break;
                } catch (InsufficientCapacityException full) {
                    // preallocated, no stack trace: cheap to throw per wait
                }
            }
            if (failure == null) {
                sendStatus(); // a confirmation must not wait for the apply to drain the ring
            }
            fullWaits++; // one writer: this thread
            LockSupport.parkNanos(this, FULL_PARK_NANOS);
        }
        Slot s = ring.get(seq);
        s.message = m;
        s.failure = failure;
        s.bytes = bytes;
        publishedBytes += bytes;
        ring.publish(seq);
        if (consumerWaiting) {
            LockSupport.unpark(consumer);
        }
        return true;
    }

    /** Sends what the apply asked for: a confirmation, a status reply. On the stream's owner only. */
    private void sendStatus() throws SQLException {
        Confirm c = confirmTo;
        if (c != null && c != confirmed) {
            stream.setFlushedLSN(c.next().toPgJdbc());
            stream.setAppliedLSN(c.next().toPgJdbc());
            stream.forceUpdateStatus();
            confirmed = c;
            statusWanted.set(false);
            onConfirmed.accept(c.commitLsn(), c.next());
        } else if (statusWanted.getAndSet(false)) {
            stream.forceUpdateStatus();
        }
    }

    /**
     * Stops the reader and waits for it; then, as the stream's owner now, sends a confirmation the
     * reader had not sent yet, so a kept slot holds back no more WAL than it must. A reader still
     * blocked after {@link #JOIN_MILLIS} (a message cut short by a dead socket) is left to the
     * connection's close, which ends its read; the slot is then confirmed as far as it was.
     */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
        while (thread.isAlive() && deadline - System.nanoTime() > 0) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        if (thread.isAlive()) {
            log.warn("{} did not stop within {} ms; closing its connection under it", thread.getName(), JOIN_MILLIS);
        } else {
            try {
                sendStatus();
            } catch (SQLException | RuntimeException e) {
                log.debug("the last confirmation could not be sent: {}", e.toString());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
