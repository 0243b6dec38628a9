package org.fastcopy.data;

import java.sql.Connection;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Copies one {@link CopyUnit} at a time from a source connection to a target connection: the
 * source's COPY TO STDOUT is read on the calling thread and handed through a Disruptor ring to a
 * writer thread named {@code copy-writer-<workerId>} that feeds the target's COPY FROM STDIN.
 * Memory per copier is at most {@code ringSize * bufferSize}, allocated as needed and reused for
 * every unit.
 *
 * <p>One owner: a copier belongs to one worker, which calls {@link #copy} from one thread at a
 * time; a second concurrent call is refused. Run units in parallel with one copier per worker.
 */
public final class StreamCopier {
    public static final String WRITER_THREAD_PREFIX = "copy-writer-";

    private final CopySettings settings;
    private final CopyProgress progress;
    private final String writerName;
    private final CopyBuffer[] slots;
    private final AtomicBoolean busy = new AtomicBoolean();

    /** A copier with {@link CopySettings#DEFAULT} and no progress reporting. */
    public StreamCopier(int workerId) {
        this(workerId, CopySettings.DEFAULT, CopyProgress.NONE);
    }

    /**
     * @param workerId names the writer thread, so a thread dump pairs each worker with its writer
     */
    public StreamCopier(int workerId, CopySettings settings, CopyProgress progress) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.writerName = WRITER_THREAD_PREFIX + workerId;
        this.slots = new CopyBuffer[settings.ringSize()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new CopyBuffer(settings.bufferSize());
        }
    }

    /**
     * Copies the unit's rows. The caller owns both connections and their transactions: the source
     * typically in REPEATABLE READ on an imported snapshot, the target in a transaction the caller
     * commits together with its ledger entry. Neither is committed, rolled back or closed here.
     *
     * <p>On return both COPYs are complete. On a {@link CopyException} both COPYs are over
     * (cancelled if need be), both transactions are failed and accept a ROLLBACK, and the writer
     * thread has ended. If the calling thread is interrupted, the copy stops between rows with
     * exit code INTERRUPTED and the interrupt flag stays set.
     *
     * @param freeze COPY ... FREEZE; the target table must have been created or truncated in the
     *               target's current transaction
     */
    public CopyResult copy(CopyUnit unit, Connection source, Connection target, CopyFormat format, boolean freeze) {
        return copy(unit, source, target, format, freeze, null);
    }

    /**
     * {@link #copy(CopyUnit, Connection, Connection, CopyFormat, boolean)} checking every row of a
     * TEXT stream for valid UTF-8 under {@code encodingErrors} (null: no check). For a source whose
     * server does not validate its text (SQL_ASCII) and a target that does.
     */
    public CopyResult copy(CopyUnit unit, Connection source, Connection target, CopyFormat format, boolean freeze,
                           EncodingErrors encodingErrors) {
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(format, "format");
        if (source == target) {
            throw new IllegalArgumentException(unit.label() + ": source and target are the same connection; "
                    + "a connection runs one COPY at a time");
        }
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException(writerName + " is already copying: a StreamCopier has one owner");
        }
        try {
            return new UnitCopy(unit, source, target, format, freeze, slots, writerName, progress,
                    settings.progressEvery(), encodingErrors).run();
        } finally {
            busy.set(false);
        }
    }

    public CopySettings settings() {
        return settings;
    }
}
