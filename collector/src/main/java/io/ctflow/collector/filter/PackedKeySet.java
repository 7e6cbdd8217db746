package io.ctflow.collector.filter;

import java.util.Arrays;

/**
 * An immutable hash set of fixed-width keys ({@code width} longs each), looked up without
 * allocation: open addressing with linear probing in one {@code long[]}, at most half full. A key's
 * last long must not be 0, which marks an empty slot (callers set a marker bit in it).
 */
final class PackedKeySet {
    private final int width;
    private final long[] slots;
    private final int mask;
    private final int size;

    private PackedKeySet(int width, long[] slots, int mask, int size) {
        this.width = width;
        this.slots = slots;
        this.mask = mask;
        this.size = size;
    }

    int size() {
        return size;
    }

    /** Whether the set of one-long keys holds {@code a}. */
    boolean contains(long a) {
        int i = index(mix(a));
        long[] s = slots;
        while (true) {
            long k = s[i];
            if (k == a) {
                return true;
            }
            if (k == 0) {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    /** Whether the set of three-long keys holds {@code (a, b, c)}. */
    boolean contains(long a, long b, long c) {
        int i = index(hash3(a, b, c));
        long[] s = slots;
        while (true) {
            int at = i * 3;
            long kc = s[at + 2];
            if (kc == 0) {
                return false;
            }
            if (kc == c && s[at] == a && s[at + 1] == b) {
                return true;
            }
            i = (i + 1) & mask;
        }
    }

    private int index(long hash) {
        return (int) hash & mask;
    }

    private static long hash3(long a, long b, long c) {
        return mix(a ^ mix(b ^ mix(c)));
    }

    /** SplitMix64's finalizer: every bit of the key moves the slot. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Collects keys (duplicates allowed), then {@link #build()}s the set. */
    static final class Builder {
        private final int width;
        private long[] keys;
        private int count;

        Builder(int width) {
            if (width != 1 && width != 3) {
                throw new IllegalArgumentException("width 1 or 3, not " + width);
            }
            this.width = width;
            this.keys = new long[16 * width];
        }

        Builder add(long a) {
            check(1, a);
            grow();
            keys[count++] = a;
            return this;
        }

        Builder add(long a, long b, long c) {
            check(3, c);
            grow();
            int at = count++ * 3;
            keys[at] = a;
            keys[at + 1] = b;
            keys[at + 2] = c;
            return this;
        }

        private void check(int w, long last) {
            if (w != width) {
                throw new IllegalArgumentException("a key of " + w + " longs in a set of " + width);
            }
            if (last == 0) {
                throw new IllegalArgumentException("a key's last long must not be 0");
            }
        }

        private void grow() {
            if ((count + 1) * width > keys.length) {
                keys = Arrays.copyOf(keys, keys.length * 2);
            }
        }

        PackedKeySet build() {
            int capacity = Integer.highestOneBit(Math.max(4, count * 2 + 1)) << 1; // load factor at most 1/2
            int mask = capacity - 1;
            long[] slots = new long[capacity * width];
            int size = 0;
            for (int k = 0; k < count; k++) {
                int from = k * width;
                if (width == 1) {
                    size += put1(slots, mask, keys[from]) ? 1 : 0;
                } else {
                    size += put3(slots, mask, keys[from], keys[from + 1], keys[from + 2]) ? 1 : 0;
                }
            }
            return new PackedKeySet(width, slots, mask, size);
        }

        private static boolean put1(long[] s, int mask, long a) {
            int i = (int) mix(a) & mask;
            while (s[i] != 0) {
                if (s[i] == a) {
                    return false;
                }
                i = (i + 1) & mask;
            }
            s[i] = a;
            return true;
        }

        private static boolean put3(long[] s, int mask, long a, long b, long c) {
            int i = (int) hash3(a, b, c) & mask;
            while (s[i * 3 + 2] != 0) {
                int at = i * 3;
                if (s[at] == a && s[at + 1] == b && s[at + 2] == c) {
                    return false;
                }
                i = (i + 1) & mask;
            }
            s[i * 3] = a;
            s[i * 3 + 1] = b;
            s[i * 3 + 2] = c;
            return true;
        }
    }

    @Override
    public String toString() {
        return "PackedKeySet[" + size + " keys of " + width + "]";
    }
}
