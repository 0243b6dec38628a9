package org.fastcopy.data;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventFactory;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One unit's ring: a single-producer Disruptor ring of {@link CopyBuffer} slots, the reader (the
 * calling thread) as its only producer, and a {@link CopyWriter} on its own named thread as its
 * only consumer. Every method is called by the reader.
 *
 * <p>A ring lives for one unit; the slots outlive it, in the copier's pool. A fresh ring per unit
 * means a unit that ended mid-stream leaves no claimed or unconsumed sequence behind for the next
 * one to trip over.
 *
 * <p>Waiting: the writer blocks on a lock and condition when the ring is empty (a source slower
 * than the target costs no CPU); the reader parks briefly when the ring is full, re-checking the
 * writer's state and its own interrupt flag, because RingBuffer.next() would spin forever on a
 * writer that has stopped. The park length does not matter for speed: a full ring holds
 * {@code ringSize} slots of work for the writer.
 */
final class CopyRing {
    private static final Logger log = LoggerFactory.getLogger(CopyRing.class);
    private static final long FULL_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /** How long a halted writer may take to wind down before the target gets a cancel request. */
    private static final long CANCEL_AFTER_MILLIS = 2_000;
    /** How long after the cancel request before the target connection is closed under it. */
    private static final long ABORT_AFTER_MILLIS = 20_000;

    private final RingBuffer<CopyBuffer> ring;
    private final BatchEventProcessor<CopyBuffer> processor;
    private final CopyWriter writer;
    private final Thread thread;
    private long claimed = -1;
    private int maxFill;
    private long fullNanos;

    private CopyRing(RingBuffer<CopyBuffer> ring, BatchEventProcessor<CopyBuffer> processor, CopyWriter writer,
                     Thread thread) {
        this.ring = ring;
        this.processor = processor;
        this.writer = writer;
        this.thread = thread;
    }

    /** Builds the ring over {@code slots} and starts the writer thread, which owns the CopyIn from now on. */
    static CopyRing start(CopyBuffer[] slots, CopyWriter writer, String threadName) {
        return start(slots, writer, threadName, new BlockingWaitStrategy());
    }

    /**
     * With another wait strategy for the writer: only CopyHandoffBenchmark uses this, to show what
     * the blocking strategy costs against spinning ones (a copy keeps the blocking one: a writer
     * waiting on a slow source must not burn a core the servers need).
     */
    static CopyRing start(CopyBuffer[] slots, CopyWriter writer, String threadName, WaitStrategy waiting) {
        RingBuffer<CopyBuffer> ring = RingBuffer.createSingleProducer(pooled(slots), slots.length, waiting);
        BatchEventProcessor<CopyBuffer> processor = new BatchEventProcessorBuilder()
                .build(ring, ring.newBarrier(), writer);
        processor.setExceptionHandler(writer);
        ring.addGatingSequences(processor.getSequence());
        writer.attach(processor);
        Thread thread = new Thread(processor, threadName);
        // Always joined before copy() returns; daemon only so a JVM dying of something else is
        // not held up by a writer blocked on a dead socket.
        thread.setDaemon(true);
        thread.start();
        return new CopyRing(ring, processor, writer, thread);
    }

    /** The ring's constructor asks for one event per slot, in order: hand it the pool's. */
    private static EventFactory<CopyBuffer> pooled(CopyBuffer[] slots) {
        int[] next = {0};
        return () -> slots[next[0]++];
    }

    /**
     * Claims the next slot, empty, waiting while the ring is full. Returns null when the writer has
     * stopped, since nothing will ever free a slot again.
     */
    CopyBuffer claim() throws InterruptedException {
        while (true) {
            if (writer.stopped()) {
                return null;
            }
            try {
                claimed = ring.tryNext();
                break;
            } catch (InsufficientCapacityException full) {
                // a preallocated instance without a stack trace: cheap to throw per wait
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while the ring was full");
                }
                long t0 = System.nanoTime();
                LockSupport.parkNanos(this, FULL_PARK_NANOS);
                fullNanos += System.nanoTime() - t0;
            }
        }
        int inFlight = (int) (claimed - processor.getSequence().get());
        if (inFlight > maxFill) {
            maxFill = inFlight;
        }
        CopyBuffer slot = ring.get(claimed);
        slot.clear();
        return slot;
    }

    void publish() {
        ring.publish(claimed);
    }

    boolean writerStopped() {
        return writer.stopped();
    }

    /** Slots published and not yet released by the writer. */
    int fill() {
        return (int) (ring.getCursor() - processor.getSequence().get());
    }

    int size() {
        return ring.getBufferSize();
    }

    int maxFill() {
        return maxFill;
    }

    long fullNanos() {
        return fullNanos;
    }

    /** Waits for the writer to end the COPY after the last slot. */
    void awaitWriter() throws InterruptedException {
        thread.join();
    }

    /** Tells the writer to stop at its next slot; its shutdown cancels the COPY. Idempotent. */
    void halt() {
        processor.halt();
    }

    /**
     * Returns only when the writer thread has ended. A writer stuck in a socket write to a target
     * that stopped reading would never see a halt, so: after {@link #CANCEL_AFTER_MILLIS} a cancel
     * request to the target (PgJDBC sends it over a separate socket, meant to be called from
     * another thread), and if even that does not free it, the target connection is aborted. Both
     * only when {@code aborting}; a healthy writer still sending a backlog or waiting for endCopy
     * is waited for, unless this thread is interrupted. The interrupt flag is restored.
     */
    void join(Connection target, boolean aborting) {
        boolean interrupted = false;
        int escalation = 0;
        while (thread.isAlive()) {
            try {
                if (aborting) {
                    thread.join(escalation == 0 ? CANCEL_AFTER_MILLIS : ABORT_AFTER_MILLIS);
                } else {
                    thread.join();
                }
            } catch (InterruptedException e) {
                interrupted = true;
                aborting = true;
                halt();
                continue;
            }
            if (thread.isAlive() && aborting) {
                escalate(target, escalation++);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void escalate(Connection target, int step) {
        try {
            if (step == 0) {
                log.warn("{} did not stop within {} ms; sending the target a cancel request", thread.getName(),
                        CANCEL_AFTER_MILLIS);
                target.unwrap(PGConnection.class).cancelQuery();
            } else if (step == 1) {
                log.warn("{} still blocked {} ms after the cancel request; closing the target connection",
                        thread.getName(), ABORT_AFTER_MILLIS);
                target.abort(Runnable::run);
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("{}: could not {} the target: {}", thread.getName(), step == 0 ? "cancel" : "abort", e.toString());
        }
    }
}
