package org.fastcopy.data;

/**
 * A half-open range of heap blocks [fromBlock, toBlock) of one table: the slice a chunk copies.
 * Chunks select their rows with {@code ctid >= '(from,0)' AND ctid < '(to,0)'}, which PostgreSQL 14
 * and later answer with a TID range scan that reads only those blocks; older servers scan the whole
 * table once per chunk, so a planner should not chunk tables on them.
 *
 * <p>Hazard: the last chunk of a table must be open-ended ({@link #toEnd}). The planner sizes chunks
 * from {@code relpages}, an estimate from the last VACUUM or ANALYZE; rows in blocks past it would
 * silently be left behind by a closed range.
 *
 * @param fromBlock first block, inclusive
 * @param toBlock   block after the last one, exclusive; {@link #END} for "to the end of the table"
 */
public record BlockRange(long fromBlock, long toBlock) {
    /** One past the largest block number: block numbers are unsigned 32-bit. */
    public static final long END = 1L << 32;

    /** Every block: a whole table. */
    public static final BlockRange WHOLE = new BlockRange(0, END);

    public BlockRange {
        if (fromBlock < 0 || toBlock > END || fromBlock >= toBlock) {
            throw new IllegalArgumentException("block range [" + fromBlock + ", " + toBlock + ") is empty or outside [0, 2^32)");
        }
    }

    public static BlockRange of(long fromBlock, long toBlock) {
        return new BlockRange(fromBlock, toBlock);
    }

    /** From a block to whatever the table holds at snapshot time. */
    public static BlockRange toEnd(long fromBlock) {
        return new BlockRange(fromBlock, END);
    }

    public boolean isWhole() {
        return fromBlock == 0 && toBlock == END;
    }

    public boolean isOpenEnded() {
        return toBlock == END;
    }

    @Override
    public String toString() {
        return "[" + fromBlock + ", " + (isOpenEnded() ? "end" : Long.toString(toBlock)) + ")";
    }
}
