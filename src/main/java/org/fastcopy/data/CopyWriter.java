package org.fastcopy.data;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventProcessor;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.Sequence;
import org.fastcopy.pg.CopyCancel;
import org.postgresql.copy.CopyIn;

import java.sql.SQLException;

/**
 * The consumer end of a ring: sends each slot to the target's COPY FROM STDIN and ends the COPY at
 * the last one. Runs on the writer thread only, which owns the {@link CopyIn} from thread start to
 * exit; the reader sees nothing but {@link #state()} until it has joined the thread.
 *
 * <p>States: WRITING until the last slot is sent (DONE), a send fails (FAILED), or the reader
 * halts the processor (ABORTED). Any state but WRITING halts the processor, and the processor's
 * shutdown cancels a COPY still active, so the target connection always ends outside COPY mode.
 *
 * <p>Hazard: PgJDBC's writeToCopy never reads from the server, so a target error (a constraint,
 * a type mismatch) reaches us only at endCopy, after the whole stream is sent. Chunking bounds
 * what a late failure costs.
 */
final class CopyWriter implements EventHandler<CopyBuffer>, ExceptionHandler<CopyBuffer> {
    enum State { WRITING, DONE, FAILED, ABORTED }

    private final CopyIn copyIn;
    /** Set before the thread starts (Thread.start orders it); used to halt ourselves. */
    private EventProcessor processor;
    private Sequence released;
    private volatile State state = State.WRITING;
    private volatile Throwable failure;
    /** Written by the writer thread, read by the reader after join. */
    private long rows = -1;
    private Throwable cleanupFailure;

    CopyWriter(CopyIn copyIn) {
        this.copyIn = copyIn;
    }

    void attach(EventProcessor processor) {
        this.processor = processor;
    }

    @Override
    public void setSequenceCallback(Sequence sequence) {
        this.released = sequence;
    }

    @Override
    public void onEvent(CopyBuffer slot, long sequence, boolean endOfBatch) {
        if (state != State.WRITING) {
            return; // the rest of a batch after a failure: nothing will read it
        }
        try {
            if (slot.length > 0) {
                copyIn.writeToCopy(slot.data, 0, slot.length);
            }
            if (slot.last) {
                rows = copyIn.endCopy();
                stop(State.DONE, null);
            }
        } catch (SQLException e) {
            stop(State.FAILED, e);
        }
        // Release the slot now, not at the end of the batch: the processor releases a whole
        // batch at once, so with a full ring the reader would wait until all of it was sent.
        released.set(sequence);
    }

    /** Processor shutdown, on the writer thread, whatever ended the loop. */
    @Override
    public void onShutdown() {
        if (copyIn.isActive()) {
            // Halted by the reader (or failed before the COPY ended): CopyFail, so the target
            // transaction fails cleanly instead of committing part of a unit.
            cleanupFailure = CopyCancel.cancel(copyIn);
            if (state == State.WRITING) {
                state = State.ABORTED;
            }
        }
    }

    /** Anything onEvent did not expect (a RuntimeException, an Error): fail the unit, loudly. */
    @Override
    public void handleEventException(Throwable ex, long sequence, CopyBuffer slot) {
        stop(State.FAILED, ex);
    }

    @Override
    public void handleOnStartException(Throwable ex) {
        stop(State.FAILED, ex);
    }

    @Override
    public void handleOnShutdownException(Throwable ex) {
        cleanupFailure = ex;
    }

    private void stop(State next, Throwable cause) {
        failure = cause;
        state = next; // after failure: a reader that sees FAILED sees its cause
        processor.halt();
    }

    State state() {
        return state;
    }

    /** True once nothing will consume another slot. */
    boolean stopped() {
        return state != State.WRITING;
    }

    Throwable failure() {
        return failure;
    }

    /** Rows the target reported; valid after join when DONE. */
    long rows() {
        return rows;
    }

    /** A failure while cancelling the COPY; valid after join. */
    Throwable cleanupFailure() {
        return cleanupFailure;
    }
}
