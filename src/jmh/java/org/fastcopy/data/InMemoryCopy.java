package org.fastcopy.data;

import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.postgresql.util.ByteStreamWriter;

import java.util.Random;

/**
 * The two PgJDBC ends of a copy, in memory, so a benchmark times fastcopy's hand-off and nothing
 * of PostgreSQL or the network: a source that hands out prepared rows (one array per row, as
 * PgJDBC's readFromCopy does) and a target that only counts what it was sent.
 *
 * <p>Unlike PgJDBC the source reuses its row arrays, so {@code -prof gc} shows what the hand-off
 * itself allocates, not the driver's one array per row. The sink also stands for the target of
 * the follower's COPY (FollowApplyBenchmark).
 */
public final class InMemoryCopy {
    private InMemoryCopy() {
    }

    /** {@code count} rows of random length in [1, 2 * meanBytes), reproducible. */
    static byte[][] rows(int count, int meanBytes, long seed) {
        Random random = new Random(seed);
        byte[][] rows = new byte[count][];
        for (int i = 0; i < count; i++) {
            byte[] row = new byte[1 + random.nextInt(2 * meanBytes - 1)];
            random.nextBytes(row);
            row[row.length - 1] = '\n';
            rows[i] = row;
        }
        return rows;
    }

    /** COPY TO STDOUT of {@code totalBytes} (rounded up to whole rows), cycling through {@code rows}. */
    static final class Source implements CopyOut {
        private final byte[][] rows;
        private final long totalBytes;
        private long sent;
        private long handed;
        private int next;

        Source(byte[][] rows, long totalBytes) {
            if (Integer.bitCount(rows.length) != 1) {
                throw new IllegalArgumentException("row count must be a power of two");
            }
            this.rows = rows;
            this.totalBytes = totalBytes;
        }

        Source restart() {
            sent = 0;
            handed = 0;
            return this;
        }

        long bytes() {
            return sent;
        }

        @Override
        public byte[] readFromCopy() {
            if (sent >= totalBytes) {
                return null;
            }
            byte[] row = rows[next++ & (rows.length - 1)];
            sent += row.length;
            handed++;
            return row;
        }

        @Override
        public byte[] readFromCopy(boolean block) {
            return readFromCopy();
        }

        @Override
        public int getFieldCount() {
            return 1;
        }

        @Override
        public int getFormat() {
            return 0;
        }

        @Override
        public int getFieldFormat(int field) {
            return 0;
        }

        @Override
        public boolean isActive() {
            return sent < totalBytes;
        }

        @Override
        public void cancelCopy() {
            sent = totalBytes;
        }

        @Override
        public long getHandledRowCount() {
            return handed;
        }
    }

    /** COPY FROM STDIN into nothing: counts the bytes and reads one byte of each message. */
    public static final class Sink implements CopyIn {
        private volatile boolean active;
        private long bytes;
        private long messages;
        private int check;

        public Sink restart() {
            bytes = 0;
            messages = 0;
            active = true;
            return this;
        }

        public long bytes() {
            return bytes;
        }

        int check() {
            return check;
        }

        @Override
        public void writeToCopy(byte[] buf, int off, int len) {
            bytes += len;
            messages++;
            check += buf[off + len - 1];
        }

        @Override
        public void writeToCopy(ByteStreamWriter from) {
            throw new UnsupportedOperationException("not used by fastcopy");
        }

        @Override
        public void flushCopy() {
        }

        @Override
        public long endCopy() {
            active = false;
            return messages;
        }

        @Override
        public int getFieldCount() {
            return 1;
        }

        @Override
        public int getFormat() {
            return 0;
        }

        @Override
        public int getFieldFormat(int field) {
            return 0;
        }

        @Override
        public boolean isActive() {
            return active;
        }

        @Override
        public void cancelCopy() {
            active = false;
        }

        @Override
        public long getHandledRowCount() {
            return messages;
        }
    }
}
