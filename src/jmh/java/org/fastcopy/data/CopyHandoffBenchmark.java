package org.fastcopy.data;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The reader-to-writer hand-off of one stream: rows packed into 64 KiB slots on the calling
 * thread, sent by a writer thread. One operation moves 1 MiB, so the score is <b>MiB/s</b>.
 *
 * <ul>
 *   <li>{@code disruptor}: fastcopy's own classes exactly as {@link StreamCopier} runs a unit:
 *       {@link CopySettings#DEFAULT} slots, {@link CopyRing} (single-producer ring, blocking wait
 *       strategy, a writer thread per unit), {@link CopyReader} and {@link CopyWriter}. Only the
 *       two PgJDBC ends are replaced by {@link InMemoryCopy}.</li>
 *   <li>{@code arrayBlockingQueue}: the obvious alternative: the same slots recycled through two
 *       ArrayBlockingQueues of the ring's capacity (full and free), the same packing loop and the
 *       same writer thread per unit.</li>
 * </ul>
 *
 * <p>Parameters: row size, slot size (at a constant 4 MiB per ring) and, for the ring, the
 * writer's wait strategy ({@code -p waiting=blocking,liteBlocking,phased,yielding,busySpin}; the default run measures
 * the one a copy uses).
 *
 * <p>Allocation: run with {@code -prof gc}; {@code gc.alloc.rate.norm} is bytes per MiB moved.
 * One core: run the jar under {@code taskset -c 0} (the forked JVM inherits the affinity).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CopyHandoffBenchmark {
    /** One invocation is one unit of this many MiB: large enough that the per-unit thread start is noise. */
    private static final int MIB_PER_UNIT = 64;
    private static final CopyUnit UNIT = CopyUnit.table("public", "bench", List.of("payload"));

    /** Mean row length on the wire; small rows stress the per-row work, large ones the copying. */
    @Param({"100", "1000", "10000"})
    public int rowBytes;

    /**
     * Slot size in KiB; the ring keeps the default's 4 MiB in total (more slots when they are
     * smaller), so every size is measured at the same memory. Small slots mean more hand-offs per
     * MiB: where a ring and a queue would differ, if anywhere.
     */
    @Param({"16", "64", "256"})
    public int slotKiB;

    /** The writer's wait strategy (the ring only; the queue always blocks): blocking, liteBlocking, phased, yielding, busySpin. */
    @Param({"blocking"})
    public String waiting;

    private CopySettings settings;
    private CopyBuffer[] slots;
    private InMemoryCopy.Source source;
    private InMemoryCopy.Sink sink;

    @Setup(Level.Trial)
    public void setUp() {
        int ringBytes = CopySettings.DEFAULT.ringSize() * CopySettings.DEFAULT.bufferSize();
        settings = new CopySettings(ringBytes / (slotKiB * 1024), slotKiB * 1024, CopySettings.DEFAULT.progressEvery());
        slots = new CopyBuffer[settings.ringSize()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new CopyBuffer(settings.bufferSize());
        }
        source = new InMemoryCopy.Source(InMemoryCopy.rows(4096, rowBytes, 42), (long) MIB_PER_UNIT << 20);
        sink = new InMemoryCopy.Sink();
    }

    @TearDown(Level.Invocation)
    public void everyByteArrived() {
        if (sink.bytes() != source.bytes()) {
            throw new IllegalStateException("sent " + source.bytes() + " bytes, the writer got " + sink.bytes());
        }
    }

    @Benchmark
    @OperationsPerInvocation(MIB_PER_UNIT)
    public int disruptor() throws Exception {
        CopyWriter writer = new CopyWriter(sink.restart());
        CopyRing ring = CopyRing.start(slots, writer, StreamCopier.WRITER_THREAD_PREFIX + "bench", waitStrategy());
        // null: no UTF-8 check, as for every source that is not SQL_ASCII.
        CopyReader reader = new CopyReader(UNIT, source.restart(), ring, CopyProgress.NONE,
                settings.progressEvery(), null);
        if (!reader.pump()) {
            ring.join(null, false);
            throw new IllegalStateException("writer stopped early: " + writer.failure());
        }
        ring.awaitWriter();
        if (writer.state() != CopyWriter.State.DONE) {
            throw new IllegalStateException("writer ended " + writer.state() + ": " + writer.failure());
        }
        return sink.check();
    }

    private WaitStrategy waitStrategy() {
        return switch (waiting) {
            case "blocking" -> new BlockingWaitStrategy();
            case "yielding" -> new YieldingWaitStrategy();
            case "busySpin" -> new BusySpinWaitStrategy();
            // signals only when the writer is waiting, where blocking takes the lock at every publish
            case "liteBlocking" -> new LiteBlockingWaitStrategy();
            // spins 20 us, yields up to 200 us, then blocks as liteBlocking: no core burnt on a slow target
            case "phased" -> PhasedBackoffWaitStrategy.withLiteLock(20, 200, TimeUnit.MICROSECONDS);
            default -> throw new IllegalArgumentException("unknown wait strategy " + waiting);
        };
    }

    @Benchmark
    @OperationsPerInvocation(MIB_PER_UNIT)
    public int arrayBlockingQueue() throws Exception {
        BlockingQueue<CopyBuffer> free = new ArrayBlockingQueue<>(slots.length);
        BlockingQueue<CopyBuffer> full = new ArrayBlockingQueue<>(slots.length);
        free.addAll(List.of(slots));
        InMemoryCopy.Sink target = sink.restart();
        Thread writer = new Thread(() -> {
            try {
                while (true) {
                    CopyBuffer slot = full.take();
                    if (slot.length > 0) {
                        target.writeToCopy(slot.data, 0, slot.length);
                    }
                    boolean last = slot.last;
                    free.put(slot);
                    if (last) {
                        target.endCopy();
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "abq-writer-bench");
        writer.setDaemon(true);
        writer.start();

        InMemoryCopy.Source rows = source.restart();
        CopyBuffer slot = null;
        byte[] row;
        while ((row = rows.readFromCopy()) != null) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while reading the source");
            }
            int off = 0;
            while (off < row.length) {
                if (slot == null) {
                    slot = free.take();
                    slot.clear();
                }
                off += slot.append(row, off, row.length - off);
                if (slot.isFull()) {
                    full.put(slot);
                    slot = null;
                }
            }
        }
        if (slot == null) {
            slot = free.take();
            slot.clear();
        }
        slot.last = true;
        full.put(slot);
        writer.join();
        return target.check();
    }
}
