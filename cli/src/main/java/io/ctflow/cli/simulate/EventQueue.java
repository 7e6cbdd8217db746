package io.ctflow.cli.simulate;

import java.util.Arrays;

/**
 * The connections waiting for their next event, by its time. A 4-ary heap over parallel arrays:
 * no boxing per event, half the levels of a binary heap. Ties come out in an order fixed by the
 * sequence of pushes and pops, so a run is reproducible.
 */
final class EventQueue {
    private long[] time = new long[1024];
    private Connection[] conn = new Connection[1024];
    private int size;

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
            conn = Arrays.copyOf(conn, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            if (time[parent] <= t) {
                break;
            }
            time[i] = time[parent];
            conn[i] = conn[parent];
            i = parent;
        }
        time[i] = t;
        conn[i] = c;
    }

    Connection pop() {
        Connection top = conn[0];
        int last = --size;
        long t = time[last];
        Connection c = conn[last];
        conn[last] = null;
        int i = 0;
        while (true) {
            int first = 4 * i + 1;
            if (first >= size) {
                break;
            }
            int min = first;
            int end = Math.min(first + 4, size);
            for (int k = first + 1; k < end; k++) {
                if (time[k] < time[min]) {
                    min = k;
                }
            }
            if (time[min] >= t) {
                break;
            }
            time[i] = time[min];
            conn[i] = conn[min];
            i = min;
        }
        if (size > 0) {
            time[i] = t;
            conn[i] = c;
        }
        return top;
    }
}
