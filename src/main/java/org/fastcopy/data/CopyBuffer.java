package org.fastcopy.data;

/**
 * One ring slot: a byte array the reader fills with COPY data and the writer sends as one
 * CopyData message. Reused for every unit a {@link StreamCopier} copies; never shared between
 * copiers. The reader owns a slot from claim to publish, the writer from then until it releases
 * the sequence; the ring's sequences order the two.
 *
 * <p>Slots hold bytes, not rows: COPY FROM treats its input as one byte stream ("message
 * boundaries are not required to have anything to do with row boundaries", protocol docs), so a
 * row may end in the next slot, and a row larger than a slot spans several. Memory stays at
 * ring size times slot size whatever the rows look like.
 */
final class CopyBuffer {
    private final int capacity;
    /** Allocated at first use: most tables are small and fill one slot, not the whole ring. */
    byte[] data;
    int length;
    /** The last slot of the stream: the writer ends the COPY after sending it. */
    boolean last;

    CopyBuffer(int capacity) {
        this.capacity = capacity;
    }

    /** Makes the slot empty; called by the reader right after claiming it. */
    void clear() {
        if (data == null) {
            data = new byte[capacity];
        }
        length = 0;
        last = false;
    }

    /** Copies as much of {@code src[off, off+len)} as fits and returns how much that was. */
    int append(byte[] src, int off, int len) {
        int n = Math.min(len, capacity - length);
        System.arraycopy(src, off, data, length, n);
        length += n;
        return n;
    }

    boolean isFull() {
        return length == capacity;
    }
}
