package io.ctflow.collector.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PackedKeySetTest {

    @Test
    void holdsExactlyTheKeysAddedWhateverTheirNumber() {
        Random r = new Random(7);
        for (int n : new int[] {0, 1, 2, 3, 7, 100, 5000}) {
            Set<Long> keys = new HashSet<>();
            PackedKeySet.Builder b = new PackedKeySet.Builder(1);
            while (keys.size() < n) {
                long k = r.nextLong() | 1L << 60;
                keys.add(k);
                b.add(k).add(k); // duplicates count once
            }
            PackedKeySet s = b.build();
            assertEquals(n, s.size());
            for (long k : keys) {
                assertTrue(s.contains(k), n + " keys: " + k);
            }
            for (int i = 0; i < 10_000; i++) {
                long k = r.nextLong() | 1L << 60;
                assertEquals(keys.contains(k), s.contains(k));
            }
            // neighbours of a key (one bit off) are other keys
            for (long k : keys) {
                assertFalse(s.contains(k ^ 1) && !keys.contains(k ^ 1));
            }
        }
    }

    @Test
    void threeLongKeysMatchOnEveryPart() {
        PackedKeySet s = new PackedKeySet.Builder(3).add(1, 2, 3).add(1, 2, 4).add(0, 0, 5).build();
        assertEquals(3, s.size());
        assertTrue(s.contains(1, 2, 3));
        assertTrue(s.contains(1, 2, 4));
        assertTrue(s.contains(0, 0, 5));
        assertFalse(s.contains(1, 2, 5));
        assertFalse(s.contains(2, 2, 3));
        assertFalse(s.contains(1, 3, 3));
        assertFalse(new PackedKeySet.Builder(3).build().contains(1, 2, 3));
    }

    @Test
    void aKeyEndingInZeroOrOfTheWrongWidthIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PackedKeySet.Builder(1).add(0));
        assertThrows(IllegalArgumentException.class, () -> new PackedKeySet.Builder(3).add(1, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new PackedKeySet.Builder(1).add(1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> new PackedKeySet.Builder(2));
    }
}
