package io.ctflow.streams.stats;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Distinct client addresses of a window: exact up to {@link #EXACT} addresses, then a linear-counting
 * bitmap of {@link #BITS} bits (256 bytes; a few % error up to some thousands of clients), so the
 * state of a busy Service stays bounded.
 */
public final class DistinctClients {
    static final int EXACT = 64;
    static final int BITS = 2048;

    private DistinctClients() {}

    /** Adds an address; returns the (possibly new) bitmap. */
    public static ByteBuffer add(List<ByteBuffer> exact, ByteBuffer bits, ByteBuffer client) {
        if (bits.remaining() == 0) {
            if (exact.contains(client)) {
                return bits;
            }
            if (exact.size() < EXACT) {
                exact.add(client);
                return bits;
            }
            byte[] b = new byte[BITS / 8];
            for (ByteBuffer c : exact) {
                set(b, c);
            }
            exact.clear();
            set(b, client);
            return ByteBuffer.wrap(b);
        }
        byte[] b = new byte[bits.remaining()];
        bits.duplicate().get(b);
        set(b, client);
        return ByteBuffer.wrap(b);
    }

    /**
     * Adds another set (its exact addresses or its bitmap) to this one; returns the (possibly new)
     * bitmap. The outcome depends only on the union of the addresses, as if they were added one by one.
     */
    public static ByteBuffer merge(List<ByteBuffer> exact, ByteBuffer bits, List<ByteBuffer> otherExact, ByteBuffer otherBits) {
        if (otherBits.remaining() == 0) {
            for (ByteBuffer c : otherExact) {
                bits = add(exact, bits, c);
            }
            return bits;
        }
        byte[] b = new byte[BITS / 8];
        otherBits.duplicate().get(b);
        if (bits.remaining() == 0) {
            for (ByteBuffer c : exact) {
                set(b, c);
            }
            exact.clear();
        } else {
            for (int i = 0; i < b.length; i++) {
                b[i] |= bits.get(bits.position() + i);
            }
        }
        return ByteBuffer.wrap(b);
    }

    public static long count(List<ByteBuffer> exact, ByteBuffer bits) {
        if (bits.remaining() == 0) {
            return exact.size();
        }
        int zeros = 0;
        for (int i = bits.position(); i < bits.limit(); i++) {
            zeros += 8 - Integer.bitCount(bits.get(i) & 0xff);
        }
        int m = bits.remaining() * 8;
        return zeros == 0 ? m : Math.round(-m * Math.log((double) zeros / m));
    }

    static void set(byte[] bitmap, ByteBuffer client) {
        int h = 0;
        for (int i = client.position(); i < client.limit(); i++) { // the address's bits, 32 at a time
            h = Integer.rotateLeft(h, 8) ^ (client.get(i) & 0xff);
            if ((i - client.position()) % 4 == 3) {
                h *= 0x9E3779B1;
            }
        }
        h ^= h >>> 16; // murmur3's finalizer: neighbouring addresses land far apart
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        int bit = h & (bitmap.length * 8 - 1);
        bitmap[bit >>> 3] |= (byte) (1 << (bit & 7));
    }
}
