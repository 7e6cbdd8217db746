package io.ctflow.cli.simulate;

import java.util.Arrays;

/**
 * A client pod's ephemeral ports (or ICMP echo ids). Ports are handed out in a fixed scrambled cycle
 * through the range, so a port comes back only after every other one was used; it is reused only
 * when the connection that last had it is gone from every node's table. The pool remembers, in
 * allocation order, when each live allocation frees: bounded by the range, usually far smaller.
 */
final class PortPool {
    static final int EPHEMERAL_LOW = 32768;
    static final int EPHEMERAL_HIGH = 60999;
    private static final int STRIDE = 7919; // a prime: a stride coprime with the range visits every port once per cycle

    private final int low;
    private final int range;
    private final int stride;
    private int cursor;
    private long[] freeAt = new long[16];
    private int head;
    private int size;

    PortPool() {
        this(EPHEMERAL_LOW, EPHEMERAL_HIGH);
    }

    PortPool(int low, int high) {
        this.low = low;
        this.range = high - low + 1;
        int s = STRIDE % range;
        this.stride = java.math.BigInteger.valueOf(s).gcd(java.math.BigInteger.valueOf(range)).intValue() == 1 ? s : 1;
    }

    /** Where the cycle starts (kernels randomize it too). */
    void start(int offset) {
        cursor = Math.floorMod(offset, range);
    }

    /**
     * @param now     current event time (micros)
     * @param release when the connection that gets the port is destroyed on every node
     * @return the port, or -1 when every port is still in use
     */
    int allocate(long now, long release) {
        while (size > 0 && freeAt[head] <= now) {
            head = (head + 1) % freeAt.length;
            size--;
        }
        if (size == range) {
            return -1;
        }
        if (size == freeAt.length) {
            grow();
        }
        freeAt[(head + size) % freeAt.length] = release;
        size++;
        int port = low + cursor;
        cursor = (cursor + stride) % range;
        return port;
    }

    private void grow() {
        long[] bigger = new long[Math.min(range, freeAt.length * 2)];
        for (int i = 0; i < size; i++) {
            bigger[i] = freeAt[(head + i) % freeAt.length];
        }
        Arrays.fill(freeAt, 0);
        freeAt = bigger;
        head = 0;
    }
}
