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
 * encoders leave them untouched. Not thread-safe: one per decoder (the flows store's decoder has
 * its own, for the addresses of the flows it decodes).
 */
public final class RepeatedValues {
    private static final int SLOT_BITS = 12;
    static final int SLOTS = 1 << SLOT_BITS;
    static final int MAX_ADDRESS = 16;
    /** Ports, ICMP ids and the like: 0..65535 boxed once, on first use. */
    private static final Integer[] SMALL = new Integer[65536];

    private final int slotBits;
    private final ByteBuffer[] addresses;
    // Each slot's bytes packed in two longs and its length: a lookup compares numbers in three small
    // arrays instead of following the slot's buffer to its array.
    private final long[] lows;
    private final long[] highs;
    private final byte[] lengths;

    RepeatedValues() {
        this(SLOT_BITS);
    }

    /** A table of {@code 2^slotBits} addresses. */
    public RepeatedValues(int slotBits) {
        if (slotBits < 1 || slotBits > 24) {
            throw new IllegalArgumentException("slotBits must be 1..24, not " + slotBits);
        }
        this.slotBits = slotBits;
        int n = 1 << slotBits;
        this.addresses = new ByteBuffer[n];
        this.lows = new long[n];
        this.highs = new long[n];
        this.lengths = new byte[n];
    }

    /** A buffer holding {@code b[off, off + len)}, equal to {@code ByteBuffer.wrap(copyOfRange(b, off, off + len))}. */
    public ByteBuffer address(byte[] b, int off, int len) {
        if (len > MAX_ADDRESS) {
            return ByteBuffer.wrap(Arrays.copyOfRange(b, off, off + len));
        }
        long lo = 0;
        long hi = 0;
        int first = Math.min(len, 8);
        for (int i = 0; i < first; i++) {
            lo = (lo << 8) | (b[off + i] & 0xff);
        }
        for (int i = 8; i < len; i++) {
            hi = (hi << 8) | (b[off + i] & 0xff);
        }
        int slot = (int) (((lo * 0x9E3779B97F4A7C15L) ^ (hi * 0xC2B2AE3D27D4EB4FL)) >>> (64 - slotBits));
        ByteBuffer known = addresses[slot];
        if (known != null && lows[slot] == lo && highs[slot] == hi && lengths[slot] == len) {
            return known;
        }
        ByteBuffer fresh = ByteBuffer.wrap(Arrays.copyOfRange(b, off, off + len));
        addresses[slot] = fresh;
        lows[slot] = lo;
        highs[slot] = hi;
        lengths[slot] = (byte) len;
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
