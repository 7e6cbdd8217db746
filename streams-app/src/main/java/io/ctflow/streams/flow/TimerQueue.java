package io.ctflow.streams.flow;

import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * Timers in firing order, with O(1) add and cancel: bucketed by deadline (2^20 µs, about a second of
 * event time, a bucket), a bucket sorted only once it comes up. Every timer polled comes out in
 * {@code order} (which must order by deadline first), as from one sorted set.
 *
 * <p>Why not one sorted set: the flow join keeps a timer per open flow (its expiry) and adds or
 * cancels several per connection, so a sorted set of a million timers paid a cache-missing walk of
 * some twenty levels on each. Here an add or a cancel is a hash-set operation in its bucket; the
 * sort comes once, when the watermark reaches the bucket, over one second's timers.
 */
final class TimerQueue<T> {
    static final int BUCKET_SHIFT = 20;

    /** One bucket's timers: unordered until the bucket comes up, sorted from then on. */
    private static final class Bucket<T> {
        HashSet<T> unsorted = new HashSet<>();
        TreeSet<T> sorted;
    }

    private final Comparator<T> order;
    private final ToLongFunction<T> deadline;
    /** Buckets by deadline >> BUCKET_SHIFT; none is empty. */
    private final TreeMap<Long, Bucket<T>> buckets = new TreeMap<>();
    private int size;

    TimerQueue(Comparator<T> order, ToLongFunction<T> deadline) {
        this.order = order;
        this.deadline = deadline;
    }

    /** False when it was queued already. */
    boolean add(T timer) {
        Bucket<T> b = buckets.computeIfAbsent(bucketOf(timer), k -> new Bucket<>());
        boolean added = b.sorted != null ? b.sorted.add(timer) : b.unsorted.add(timer);
        if (added) {
            size++;
        }
        return added;
    }

    /** False when it was not queued. */
    boolean remove(T timer) {
        long k = bucketOf(timer);
        Bucket<T> b = buckets.get(k);
        if (b == null) {
            return false;
        }
        boolean removed = b.sorted != null ? b.sorted.remove(timer) : b.unsorted.remove(timer);
        if (removed) {
            size--;
            if (b.sorted != null ? b.sorted.isEmpty() : b.unsorted.isEmpty()) {
                buckets.remove(k);
            }
        }
        return removed;
    }

    /** Removes and returns the first timer if its deadline is at or before {@code now}, else null. */
    T pollDue(long now) {
        Map.Entry<Long, Bucket<T>> first = buckets.firstEntry();
        if (first == null || first.getKey() > now >> BUCKET_SHIFT) {
            return null; // the earliest bucket starts after now: nothing due, and nothing sorted for it
        }
        Bucket<T> b = first.getValue();
        if (b.sorted == null) {
            b.sorted = new TreeSet<>(order);
            b.sorted.addAll(b.unsorted);
            b.unsorted = null;
        }
        T t = b.sorted.first();
        if (deadline.applyAsLong(t) > now) {
            return null;
        }
        b.sorted.pollFirst();
        size--;
        if (b.sorted.isEmpty()) {
            buckets.pollFirstEntry();
        }
        return t;
    }

    int size() {
        return size;
    }

    void clear() {
        buckets.clear();
        size = 0;
    }

    private long bucketOf(T timer) {
        return deadline.applyAsLong(timer) >> BUCKET_SHIFT;
    }
}
