package io.ctflow.collector.parse;

import java.util.Arrays;

/**
 * Parses IPv4/IPv6 literals straight from a region of a string, without allocating a substring
 * and without ever reaching the JDK resolver (InetAddress can fall back to a DNS lookup for some
 * malformed literals). Returns null instead of throwing, so callers choose their own error.
 * The result has the layout of {@link io.ctflow.net.Addresses#parse}: 4 bytes, or 16 for IPv6
 * (an IPv4-mapped IPv6 literal stays 16 bytes).
 */
final class IpLiteral {
    private IpLiteral() {}

    /** The whole string as an address, or null. */
    static byte[] parse(String s) {
        return s == null ? null : parse(s, 0, s.length());
    }

    /** {@code s[from, to)} as an address, or null. */
    static byte[] parse(CharSequence s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == ':') {
                byte[] out = new byte[16];
                return parseV6(s, from, to, out) ? out : null;
            }
        }
        byte[] out = new byte[4];
        return parseV4(s, from, to, out, 0) ? out : null;
    }

    /**
     * {@code s[from, to)} as an address written into {@code out[0, 16)}: its length (4 or 16), or
     * -1. The same addresses as {@link #parse(CharSequence, int, int)}, in one pass for IPv4 (a
     * literal of digits and dots only has no ':'), into a caller's reused array.
     */
    static int parseInto(CharSequence s, int from, int to, byte[] out) {
        if (parseV4(s, from, to, out, 0)) {
            return 4;
        }
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == ':') {
                return parseV6(s, from, to, out) ? 16 : -1;
            }
        }
        return -1;
    }

    private static boolean parseV4(CharSequence s, int from, int to, byte[] out, int offset) {
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = from; i <= to; i++) {
            char c = i < to ? s.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) {
                    return false;
                }
                out[offset + part++] = (byte) value;
                value = -1;
                digits = 0;
            } else if (c >= '0' && c <= '9' && ++digits <= 3) {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return part == 4;
    }

    // RFC 4291 text form: up to 8 groups of 1-4 hex digits, at most one "::", optionally ending
    // in a dotted IPv4 address. Accepts both the compressed form (conntrack-tools) and the full
    // zero-padded form the kernel prints in /proc/net/nf_conntrack.
    // Writes all of out[0, 16) when it succeeds.
    private static boolean parseV6(CharSequence s, int from, int to, byte[] out) {
        int n = 0;
        int gap = -1;
        int i = from;
        if (i < to && s.charAt(i) == ':') {
            if (i + 1 >= to || s.charAt(i + 1) != ':') {
                return false;
            }
            gap = 0;
            i += 2;
        }
        while (i < to) {
            if (n >= 16) {
                return false;
            }
            int start = i;
            int value = 0;
            int h;
            while (i < to && i - start < 4 && (h = hex(s.charAt(i))) >= 0) {
                value = value * 16 + h;
                i++;
            }
            if (i == start) {
                return false;
            }
            if (i < to && s.charAt(i) == '.') {
                if (n > 12 || !parseV4(s, start, to, out, n)) {
                    return false;
                }
                n += 4;
                break;
            }
            out[n++] = (byte) (value >> 8);
            out[n++] = (byte) value;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != ':' || i + 1 == to) {
                return false; // a fifth hex digit, a stray character, or a trailing single ':'
            }
            i++;
            if (s.charAt(i) == ':') {
                if (gap >= 0) {
                    return false;
                }
                gap = n;
                i++;
            }
        }
        if (gap >= 0) {
            if (n == 16) {
                return false; // "::" must stand for at least one group
            }
            int shift = 16 - n;
            System.arraycopy(out, gap, out, gap + shift, n - gap);
            Arrays.fill(out, gap, gap + shift, (byte) 0);
        } else if (n != 16) {
            return false;
        }
        return true;
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
