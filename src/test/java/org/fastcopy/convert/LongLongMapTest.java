package org.fastcopy.convert;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LongLongMapTest {
    @Test
    void shouldAgreeWithHashMapThroughGrowth() {
        LongLongMap m = new LongLongMap(4);
        Map<Long, Long> ref = new HashMap<>();
        Random r = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            long k = r.nextInt(200_000) - 1000;
            long v = r.nextLong();
            m.put(k, v);
            ref.put(k, v);
        }
        assertEquals(ref.size(), m.size());
        ref.forEach((k, v) -> assertEquals(v, m.get(k, -1)));
        assertEquals(-7, m.get(10_000_000, -7));
        assertEquals(false, m.containsKey(10_000_000));
    }
}
