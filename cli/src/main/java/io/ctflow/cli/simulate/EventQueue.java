package io.ctflow.cli.simulate;

import java.util.Arrays;

/**
 * The connections waiting for their next event, by its time; equal times in the order they were
 * queued, so the run is reproducible. A binary heap over parallel arrays: no boxing per event.
 */
final class EventQueue {
    private long[] time = new long[1024];
    private long[] order = new long[1024];
    private Connection[] conn = new Connection[1024];
    private int size;
    private long sequence;

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Time of the earliest event; Long.MAX_VALUE when empty. */
    long peekTime() {
        return size == 0 ? Long.MAX_VALUE : time[0];
    }

    void push(long t, Connection c) {
        if (size == time.length) {
            time = Arrays.copyOf(time, size * 2);
            order = Arrays.copyOf(order, size * 2);
            conn = Arrays.copyOf(conn, size * 2);
        }
        long seq = sequence++;
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(t, seq, time[parent], order[parent])) {
                break;
            }
            set(i, time[parent], order[parent], conn[parent]);
            i = parent;
        }
        set(i, t, seq, c);
    }

    Connection pop() {
        Connection top = conn[0];
        int last = --size;
        long t = time[last];
        long seq = order[last];
        Connection c = conn[last];
        conn[last] = null;
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(time[child + 1], order[child + 1], time[child], order[child])) {
                child++;
            }
            if (!before(time[child], order[child], t, seq)) {
                break;
            }
            set(i, time[child], order[child], conn[child]);
            i = child;
        }
        if (size > 0) {
            set(i, t, seq, c);
        }
        return top;
    }

    private static boolean before(long t1, long s1, long t2, long s2) {
        return t1 < t2 || (t1 == t2 && s1 < s2);
    }

    private void set(int i, long t, long seq, Connection c) {
        time[i] = t;
        order[i] = seq;
        conn[i] = c;
    }
}
