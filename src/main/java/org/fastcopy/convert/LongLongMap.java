package org.fastcopy.convert;

import java.util.Arrays;

/**
 * An open-addressing map from long keys to long values (linear probing, power-of-two capacity,
 * load factor at most 1/2), for the old-to-new id maps of the conversion. A boxed HashMap costs
 * about 80 bytes per entry; this costs 16 bytes per slot, 32-64 per entry.
 *
 * <p>Not thread-safe for writers; readers may share it once all puts have happened before (the
 * base phase finishes before the range workers start). {@code Long.MIN_VALUE} is reserved as the
 * empty marker and cannot be a key.
 */
public final class LongLongMap {
    private static final long EMPTY = Long.MIN_VALUE;

    private long[] keys;
    private long[] values;
    private int size;
    private int mask;

    public LongLongMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        allocate(cap);
    }

    private void allocate(int cap) {
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, EMPTY);
        mask = cap - 1;
    }

    public void put(long key, long value) {
        if (key == EMPTY) {
            throw new IllegalArgumentException("Long.MIN_VALUE is reserved");
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int i = slot(key);
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (keys[i] == EMPTY) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
    }

    /** The value for {@code key}, or {@code missing} when the key is absent. */
    public long get(long key, long missing) {
        int i = slot(key);
        while (true) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return missing;
            }
            i = (i + 1) & mask;
        }
    }

    public boolean containsKey(long key) {
        return slotOf(key) >= 0;
    }

    private int slotOf(long key) {
        int i = slot(key);
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    public int size() {
        return size;
    }

    /** Bytes held by the two arrays (the object headers aside). */
    public long memoryBytes() {
        return 16L * keys.length;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        allocate(oldKeys.length * 2);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
