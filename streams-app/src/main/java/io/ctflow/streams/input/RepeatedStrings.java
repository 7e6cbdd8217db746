package io.ctflow.streams.input;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The Strings of values that repeat on almost every record (node names, TCP states), kept by
 * their UTF-8 bytes so a repeat costs a hash and one comparison instead of a decode and an
 * allocation. Sharing them is safe: Strings are immutable. A direct-mapped table of
 * {@link #SLOTS} entries (a collision replaces the older value), none longer than
 * {@link #MAX_LENGTH} bytes, so its memory is bounded whatever the input. Not thread-safe. The
 * flows store's decoder uses one too (node names, Service ids and addresses in every decoded flow).
 */
public final class RepeatedStrings {
    static final int SLOTS = 1024;
    static final int MAX_LENGTH = 64;

    private final byte[][] utf8;
    private final String[] strings;
    private final int mask;

    RepeatedStrings() {
        this(SLOTS);
    }

    /** A table of {@code slots} entries (a power of two). */
    public RepeatedStrings(int slots) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two, not " + slots);
        }
        this.utf8 = new byte[slots][];
        this.strings = new String[slots];
        this.mask = slots - 1;
    }

    /** The string of the UTF-8 bytes {@code b[off, off + len)}, equal to {@code new String(b, off, len, UTF_8)}. */
    public String get(byte[] b, int off, int len) {
        if (len > MAX_LENGTH) {
            return new String(b, off, len, StandardCharsets.UTF_8);
        }
        int h = len;
        for (int i = off, e = off + len; i < e; i++) {
            h = 31 * h + b[i];
        }
        int slot = (h ^ (h >>> 16)) & mask;
        byte[] u = utf8[slot];
        if (u != null && u.length == len && Arrays.equals(u, 0, len, b, off, off + len)) {
            return strings[slot];
        }
        String s = new String(b, off, len, StandardCharsets.UTF_8);
        utf8[slot] = Arrays.copyOfRange(b, off, off + len);
        strings[slot] = s;
        return s;
    }
}
