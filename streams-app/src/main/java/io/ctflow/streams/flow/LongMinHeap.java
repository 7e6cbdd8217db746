package io.ctflow.streams.flow;

import java.util.Arrays;

/**
 * A binary min-heap of {@code long}s in one array. {@link TimerQueue} keeps the milliseconds of its
 * buckets here: a {@code PriorityQueue<Long>} held one boxed {@code Long} per bucket (millions of
 * them in production, with the expiries of an hour of connections queued), every sift step read a
 * cold box to compare, and every step wrote a reference into an array in the old generation, a card
 * for G1 to refine. Here a sift step moves a primitive: nothing to box, follow or refine.
 */
final class LongMinHeap {
    private static final int INITIAL = 64;
    private long[] heap = new long[INITIAL];
    private int size;

    void add(long v) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size++;
        while (i > 0) { // sift up: the parents greater than v move down one level
            int parent = (i - 1) >>> 1;
            long p = heap[parent];
            if (p <= v) {
                break;
            }
            heap[i] = p;
            i = parent;
        }
        heap[i] = v;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The least value; only when not {@link #isEmpty()}. */
    long peek() {
        if (size == 0) {
            throw new IllegalStateException("empty heap");
        }
        return heap[0];
    }

    /** Removes and returns the least value; only when not {@link #isEmpty()}. */
    long poll() {
        long min = peek();
        long last = heap[--size];
        int i = 0;
        int half = size >>> 1; // nodes below it have a child
        while (i < half) { // sift down: the smaller child moves up while it is less than last
            int c = 2 * i + 1;
            long cv = heap[c];
            int r = c + 1;
            if (r < size && heap[r] < cv) {
                c = r;
                cv = heap[r];
            }
            if (last <= cv) {
                break;
            }
            heap[i] = cv;
            i = c;
        }
        heap[i] = last;
        if (heap.length > INITIAL && size < heap.length >>> 2) { // give back what a peak left
            heap = Arrays.copyOf(heap, heap.length >>> 1);
        }
        return min;
    }

    int size() {
        return size;
    }

    void clear() {
        heap = new long[INITIAL];
        size = 0;
    }
}
