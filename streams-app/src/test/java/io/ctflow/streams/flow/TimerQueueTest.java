package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TimerQueueTest {
    /** A deadline and a tie-breaker, ordered by deadline first. */
    record T(long at, int id) {}

    static final Comparator<T> ORDER = Comparator.comparingLong(T::at).thenComparingInt(T::id);
    static final long BUCKET = 1L << TimerQueue.BUCKET_SHIFT;

    final TimerQueue<T> q = new TimerQueue<>(ORDER, T::at);

    @Test
    void pollsOnlyWhatIsDueInOrderAcrossBuckets() {
        q.add(new T(3 * BUCKET + 5, 1));
        q.add(new T(BUCKET + 7, 2));
        q.add(new T(BUCKET + 7, 1));
        q.add(new T(10, 9));
        assertEquals(new T(10, 9), q.pollDue(BUCKET + 6));
        assertNull(q.pollDue(BUCKET + 6), "the next one is due at BUCKET + 7");
        assertEquals(new T(BUCKET + 7, 1), q.pollDue(3 * BUCKET + 5));
        assertEquals(new T(BUCKET + 7, 2), q.pollDue(3 * BUCKET + 5));
        assertEquals(new T(3 * BUCKET + 5, 1), q.pollDue(3 * BUCKET + 5));
        assertNull(q.pollDue(Long.MAX_VALUE));
        assertEquals(0, q.size());
    }

    @Test
    void aTimerAddedToABucketThatIsFiringTakesItsPlaceInTheOrder() {
        q.add(new T(100, 1));
        q.add(new T(300, 1));
        assertEquals(new T(100, 1), q.pollDue(150)); // the bucket is sorted now
        q.add(new T(200, 1));
        q.add(new T(120, 1));
        q.add(new T(50 - 5 * BUCKET, 1)); // already past (a late event's deadline): fires first
        assertEquals(new T(50 - 5 * BUCKET, 1), q.pollDue(1000));
        assertEquals(new T(120, 1), q.pollDue(1000));
        assertEquals(new T(200, 1), q.pollDue(1000));
        assertTrue(q.remove(new T(300, 1)));
        assertNull(q.pollDue(Long.MAX_VALUE));
    }

    @Test
    void addAndRemoveSayWhetherTheTimerWasThereAndKeepTheCount() {
        assertTrue(q.add(new T(5, 1)));
        assertFalse(q.add(new T(5, 1)));
        assertTrue(q.add(new T(5 + 2 * BUCKET, 1)));
        assertEquals(2, q.size());
        assertFalse(q.remove(new T(6, 1)));
        assertFalse(q.remove(new T(5 + BUCKET, 1)), "an empty bucket");
        assertTrue(q.remove(new T(5, 1)));
        assertFalse(q.remove(new T(5, 1)));
        assertEquals(1, q.size());
        q.clear();
        assertEquals(0, q.size());
        assertNull(q.pollDue(Long.MAX_VALUE));
    }

    @Test
    void anyMixOfAddsCancelsAndPollsFiresAsOneSortedSetWould() {
        Random r = new Random(20261203);
        TreeSet<T> expected = new TreeSet<>(ORDER);
        List<T> fired = new ArrayList<>();
        List<T> expectedFired = new ArrayList<>();
        long now = 0;
        for (int step = 0; step < 200_000; step++) {
            int op = r.nextInt(10);
            if (op < 5) { // add, up to ~30 buckets ahead, ties on purpose
                T t = new T(now + r.nextInt(30) * (BUCKET / 3) + r.nextInt(4), r.nextInt(3));
                assertEquals(expected.add(t), q.add(t));
            } else if (op < 8 && !expected.isEmpty()) { // cancel one that is queued, or one that is not
                T t = r.nextBoolean() ? expected.ceiling(new T(now + r.nextInt(30) * (BUCKET / 3), 0))
                        : new T(now + r.nextInt(1000), 7);
                if (t != null) {
                    assertEquals(expected.remove(t), q.remove(t));
                }
            } else { // time moves on; fire what is due
                now += r.nextInt((int) BUCKET);
                for (T t; (t = q.pollDue(now)) != null; ) {
                    fired.add(t);
                }
                while (!expected.isEmpty() && expected.first().at() <= now) {
                    expectedFired.add(expected.pollFirst());
                }
                assertEquals(expectedFired.size(), fired.size(), "at step " + step);
            }
            assertEquals(expected.size(), q.size());
        }
        assertEquals(expectedFired, fired);
        assertTrue(fired.size() > 10_000, "the mix fired plenty: " + fired.size());
    }
}
