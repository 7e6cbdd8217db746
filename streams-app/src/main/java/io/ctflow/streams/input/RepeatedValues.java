package io.ctflow.streams.input;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Addresses and small numbers that repeat on almost every record (pod, node and Service IPs;
 * ports), shared between records instead of allocated for each: an event's tuples held four
 * buffers, four arrays and up to four boxed ports, most of its allocation. Addresses sit in a
 * direct-mapped table of {@link #SLOTS} entries (a collision replaces the older one), none longer
 * than an IPv6 address, so memory is bounded whatever the input.
 *
 * <p>A shared buffer is safe because no reader of an event moves a buffer's position: the app reads
 * addresses with absolute access or through {@code duplicate()} (FlowKey, Addresses, the flow state
 * writer) and Avro's encoder writes them the same way; {@code RepeatedValuesTest} checks the
 * encoders leave them untouched. Not thread-safe: one per decoder.
 */
final class RepeatedValues {
    static final int SLOTS = 4096;
    static final int MAX_ADDRESS = 16;
    /** Ports, ICMP ids and the like: 0..65535 boxed once, on first use. */
    private static final Integer[] SMALL = new Integer[65536];

    private final ByteBuffer[] addresses = new ByteBuffer[SLOTS];

    /** A buffer holding {@code b[off, off + len)}, equal to {@code ByteBuffer.wrap(copyOfRange(b, off, off + len))}. */
    ByteBuffer address(byte[] b, int off, int len) {
        if (len > MAX_ADDRESS) {
            return ByteBuffer.wrap(Arrays.copyOfRange(b, off, off + len));
        }
        int h = len;
        for (int i = off, e = off + len; i < e; i++) {
            h = 31 * h + b[i];
        }
        int slot = (h ^ (h >>> 13)) & (SLOTS - 1);
        ByteBuffer known = addresses[slot];
        if (known != null && known.remaining() == len && Arrays.equals(known.array(), 0, len, b, off, off + len)) {
            return known;
        }
        ByteBuffer fresh = ByteBuffer.wrap(Arrays.copyOfRange(b, off, off + len));
        addresses[slot] = fresh;
        return fresh;
    }

    /** {@code Integer.valueOf(v)}, boxed once for 0..65535. */
    static Integer integer(int v) {
        if (v < 0 || v >= SMALL.length) {
            return v;
        }
        Integer i = SMALL[v];
        if (i == null) {
            i = v;
            SMALL[v] = i; // a racing thread may box it too: both are equal Integers, either is fine
        }
        return i;
    }
}
