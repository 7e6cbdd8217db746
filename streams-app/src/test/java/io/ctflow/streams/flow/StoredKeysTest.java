package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.flow.FlowKey;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoredKeysTest {
    private static final FlowKey A = FlowCacheTest.key(1);
    private static final FlowKey B = FlowCacheTest.key(2);

    /** Two different keys with the same hash (found by search: FlowKey hashes its bytes like {@code Arrays.hashCode}). */
    static FlowKey[] colliding() {
        Map<Integer, FlowKey> seen = new HashMap<>();
        for (int i = 0; ; i++) {
            FlowKey k = FlowCacheTest.key(i);
            FlowKey before = seen.putIfAbsent(k.hashCode(), k);
            if (before != null) {
                return new FlowKey[] {before, k};
            }
        }
    }

    @Test
    void untilItLearnedTheStoreEveryKeyMayBeStored() {
        StoredKeys keys = new StoredKeys(1 << 20);
        keys.added(A);
        assertTrue(keys.mayHold(B));
        assertFalse(keys.known());
        assertEquals(0, keys.size(), "nothing counted before it learns");
    }

    @Test
    void afterAScanOnlyTheKeysStoredMayBe() {
        StoredKeys keys = new StoredKeys(1 << 20);
        keys.learn();
        keys.scanned(A);
        assertTrue(keys.mayHold(B), "still learning: it cannot say yet");
        keys.learned();
        assertTrue(keys.known());
        assertTrue(keys.mayHold(A));
        assertFalse(keys.mayHold(B));
        keys.added(B);
        assertTrue(keys.mayHold(B));
        keys.removed(A);
        assertFalse(keys.mayHold(A));
        assertTrue(keys.mayHold(B));
    }

    @Test
    void aKeyRemovedWhileTheScanIsOnStaysCountedOnlyIfTheScanSawIt() {
        StoredKeys keys = new StoredKeys(1 << 20);
        keys.learn();
        keys.scanned(A);
        keys.removed(A); // deleted after the scan passed it
        keys.removed(B); // deleted before the scan got there: the scan's snapshot may still show it
        keys.scanned(B);
        keys.learned();
        assertFalse(keys.mayHold(A));
        assertTrue(keys.mayHold(B), "counted once more than stored: it costs a read, never a wrong answer");
    }

    @Test
    void keysWithTheSameHashAreCountedEach() {
        FlowKey[] same = colliding();
        assertNotEquals(same[0], same[1]);
        assertEquals(same[0].hashCode(), same[1].hashCode());
        StoredKeys keys = new StoredKeys(1 << 20);
        keys.learn();
        keys.learned();
        keys.added(same[0]);
        keys.added(same[1]);
        keys.removed(same[0]);
        assertTrue(keys.mayHold(same[1]), "the other one is still stored");
        assertTrue(keys.mayHold(same[0]), "a collision: one read too many, not a wrong answer");
        keys.removed(same[1]);
        assertFalse(keys.mayHold(same[0]));
        assertFalse(keys.mayHold(same[1]));
    }

    @Test
    void beyondItsShareOfMemoryItForgetsAndEveryKeyMayBeStored() {
        StoredKeys keys = new StoredKeys(100 * StoredKeys.BYTES_PER_KEY);
        keys.learn();
        for (int i = 0; i < 100; i++) {
            keys.scanned(FlowCacheTest.key(i));
        }
        keys.learned();
        assertTrue(keys.known());
        assertFalse(keys.mayHold(FlowCacheTest.key(100)));
        keys.added(FlowCacheTest.key(100));
        assertFalse(keys.known(), "101 keys in room for 100");
        assertTrue(keys.mayHold(FlowCacheTest.key(1000)));
        assertEquals(0, keys.size());
        keys.learn();
        keys.scanned(A);
        keys.learned();
        assertFalse(keys.mayHold(B), "a later scan teaches it again");
    }

    @Test
    void forgettingMakesEveryKeyMayBeStoredAgain() {
        StoredKeys keys = new StoredKeys(1 << 20);
        keys.learn();
        keys.learned();
        keys.forget();
        assertTrue(keys.mayHold(A));
        keys.added(A);
        assertEquals(0, keys.size());
    }
}
