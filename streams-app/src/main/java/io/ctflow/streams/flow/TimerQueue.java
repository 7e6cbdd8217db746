package io.ctflow.streams.flow;

import com.carrotsearch.hppc.LongObjectHashMap;
import com.carrotsearch.hppc.ObjectHashSet;
import com.carrotsearch.hppc.cursors.ObjectCursor;
import io.ctflow.streams.flow.FlowTimers.Timer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The timers in firing order ({@link Timer#ORDER}), by millisecond of their deadline: adding or
 * cancelling one is a hash lookup of its millisecond's bucket and of the timer in it, whatever the
 * number queued; a bucket is sorted once, when it comes due. A sorted set of every timer (the
 * production bench queues over a million: open flows' expiries and the lingering finished ones')
 * walked some twenty cold nodes per add and cancel (6.3 % of the stream thread, BENCHMARKS.md
 * twelfth round). Deadlines spread over the milliseconds of a few minutes, so buckets are few
 * against timers, and the order of the buckets is a heap of their milliseconds, primitive
 * ({@link LongMinHeap}). A bucket is an open-addressing set (HPPC), not a {@code HashMap}: a map
 * entry per timer was 32 B for each of those million timers and one more cold object per add,
 * cancel and fire (BENCHMARKS.md, seventeenth round).
 */
final class TimerQueue {
    /** One millisecond's timers (a mark replaces the queued one in its slot), and their order once it came due. */
    private static final class Bucket {
        final ObjectHashSet<Timer> timers = new ObjectHashSet<>();
        /** Sorted when the bucket first came due; null again once a timer joins it. Cancelled ones are skipped. */
        Timer[] sorted;
        int next;
    }

    private final LongObjectHashMap<Bucket> buckets = new LongObjectHashMap<>();
    /** The milliseconds of the buckets, earliest first; one whose bucket emptied is dropped when it comes up. */
    private final LongMinHeap order = new LongMinHeap();
    private int size;

    private static long millis(long atMicros) {
        return Math.floorDiv(atMicros, 1000L);
    }

    /** Queues {@code t} unless an equal timer is queued. */
    void add(Timer t) {
        long ms = millis(t.at());
        Bucket b = buckets.get(ms);
        if (b == null) {
            b = new Bucket();
            buckets.put(ms, b);
            order.add(ms);
        }
        if (b.timers.add(t)) {
            b.sorted = null;
            size++;
        }
    }

    /** Takes out the queued timer equal to {@code t}, if any. */
    boolean remove(Timer t) {
        long ms = millis(t.at());
        Bucket b = buckets.get(ms);
        if (b == null || !b.timers.remove(t)) {
            return false;
        }
        size--;
        if (b.timers.isEmpty()) {
            buckets.remove(ms); // its millisecond stays in the heap until it comes up
        }
        return true;
    }

    /** The queued timer equal to {@code t}, or null. */
    Timer get(Timer t) {
        Bucket b = buckets.get(millis(t.at()));
        if (b == null) {
            return null;
        }
        int i = b.timers.indexOf(t);
        return b.timers.indexExists(i) ? b.timers.indexGet(i) : null;
    }

    /** Puts {@code t} in place of the queued timer equal to it (same place in the order). */
    void replace(Timer t) {
        Bucket b = buckets.get(millis(t.at()));
        if (b != null) {
            int i = b.timers.indexOf(t);
            if (b.timers.indexExists(i)) {
                b.timers.indexReplace(i, t);
            }
        }
    }

    /** Removes and returns up to {@code max} timers due at or before {@code nowMicros}, in firing order. */
    List<Timer> pollDue(long nowMicros, int max) {
        List<Timer> due = List.of();
        long ms;
        while (!order.isEmpty() && (ms = order.peek()) <= millis(nowMicros) && due.size() < max) {
            Bucket b = buckets.get(ms);
            if (b == null || b.timers.isEmpty()) {
                order.poll(); // emptied by cancels, or a second entry of a bucket already done
                continue;
            }
            if (due.isEmpty()) {
                due = new ArrayList<>();
            }
            if (!drain(b, nowMicros, max, due)) {
                break; // the rest of this millisecond is not due yet, or the batch is full
            }
            buckets.remove(ms);
            order.poll();
        }
        return due;
    }

    /** Moves the bucket's due timers to {@code due}, in order; true when it is empty after. */
    private boolean drain(Bucket b, long nowMicros, int max, List<Timer> due) {
        if (b.sorted == null) {
            b.sorted = b.timers.toArray(Timer.class);
            Arrays.sort(b.sorted, Timer.ORDER);
            b.next = 0;
        }
        while (b.next < b.sorted.length && due.size() < max) {
            Timer t = b.sorted[b.next];
            if (t.at() > nowMicros) {
                return false;
            }
            b.next++;
            int i = b.timers.indexOf(t);
            if (b.timers.indexExists(i)) { // else cancelled since the sort
                due.add(b.timers.indexGet(i)); // the queued one: it may have been marked since
                b.timers.indexRemove(i); // found once: no second probe
                size--;
            }
        }
        return b.timers.isEmpty();
    }

    /**
     * A lower bound of the earliest queued timer's deadline (its millisecond's start), or
     * {@code Long.MAX_VALUE} when none is queued. Drops the milliseconds whose buckets emptied.
     */
    long earliestAtLeast() {
        while (!order.isEmpty()) {
            long ms = order.peek();
            Bucket b = buckets.get(ms);
            if (b != null && !b.timers.isEmpty()) {
                return ms * 1000L;
            }
            order.poll();
        }
        return Long.MAX_VALUE;
    }

    int size() {
        return size;
    }

    /** Every queued timer, in no order (tests). */
    List<Timer> all() {
        List<Timer> out = new ArrayList<>(size);
        for (ObjectCursor<Bucket> c : buckets.values()) {
            for (ObjectCursor<Timer> t : c.value.timers) {
                out.add(t.value);
            }
        }
        return out;
    }

    void clear() {
        buckets.clear();
        order.clear();
        size = 0;
    }
}
