package org.fastcopy.data;

/**
 * Sizing of one stream's ring. Memory per stream is bounded by {@code ringSize * bufferSize}
 * (4 MiB with the defaults), whatever the table or row size.
 *
 * <p>Why 64 x 64 KiB: 64 KiB is the chunk PostgreSQL's COPY FROM reads its input in, and large
 * enough that the 5-byte CopyData header and the per-buffer hand-off cost nothing measurable. 64
 * slots let the reader run up to 4 MiB ahead, which rides out the target's short stalls
 * (checkpoints, WAL segment switches, index page splits) without stopping the source, while 16
 * parallel streams still stay at 64 MiB. Bigger rings only help against longer stalls, which
 * the kernel's socket buffers (several MiB each side) absorb as well.
 *
 * @param ringSize      slots in the ring, a power of two (a Disruptor requirement), at least 2
 * @param bufferSize    bytes per slot; rows larger than this are split across slots
 * @param progressEvery call {@link CopyProgress} after this many published slots
 */
public record CopySettings(int ringSize, int bufferSize, int progressEvery) {
    public static final CopySettings DEFAULT = new CopySettings(64, 64 * 1024, 16);

    /** Far below PostgreSQL's 1 GB message limit; a larger slot only wastes memory. */
    public static final int MAX_BUFFER_SIZE = 16 * 1024 * 1024;

    public CopySettings {
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size " + ringSize + " is not a power of two >= 2");
        }
        if (bufferSize < 1024 || bufferSize > MAX_BUFFER_SIZE) {
            throw new IllegalArgumentException("buffer size " + bufferSize + " is not in [1 KiB, 16 MiB]");
        }
        if (progressEvery < 1) {
            throw new IllegalArgumentException("progress interval " + progressEvery + " < 1");
        }
    }
}
