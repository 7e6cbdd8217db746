package io.ctflow.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * IP addresses as the schemas carry them: raw network-order bytes, 4 for IPv4 and 16 for IPv6.
 * Parsing never does a DNS lookup (literals only), so it is safe on untrusted input.
 */
public final class Addresses {
    private Addresses() {}

    /** Parses an IPv4 or IPv6 literal (no brackets, no zone) into 4 or 16 bytes. */
    public static byte[] parse(String literal) {
        if (literal == null || literal.isEmpty()) {
            throw new IllegalArgumentException("empty address");
        }
        if (literal.indexOf(':') < 0) {
            return parseV4(literal);
        }
        if (literal.charAt(0) == '.' || literal.indexOf(':') == literal.lastIndexOf(':')) {
            throw new IllegalArgumentException("not an IP address: " + literal);
        }
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                throw new IllegalArgumentException("not an IP address: " + literal);
            }
        }
        if (literal.charAt(0) == '.') {
            // The JDK treats only text starting with a hex digit or ':' as a literal; ".1:2" would be looked up in DNS.
            throw new IllegalArgumentException("not an IP address: " + literal);
        }
        try {
            // Only hex digits, ':' and '.' reach here, not starting with '.', so this is a literal parse, never a DNS lookup.
            byte[] b = InetAddress.getByName(literal).getAddress();
            if (b.length == 4) { // ::ffff:a.b.c.d is folded to IPv4 by the JDK; keep it 16 bytes as printed
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xff;
                mapped[11] = (byte) 0xff;
                System.arraycopy(b, 0, mapped, 12, 4);
                return mapped;
            }
            return b;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + literal, e);
        }
    }

    private static byte[] parseV4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) {
                    throw new IllegalArgumentException("not an IPv4 address: " + s);
                }
                out[part++] = (byte) value;
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    throw new IllegalArgumentException("not an IPv4 address: " + s);
                }
            } else {
                throw new IllegalArgumentException("not an IPv4 address: " + s);
            }
        }
        if (part != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + s);
        }
        return out;
    }

    /** Formats 4 or 16 bytes as a literal (IPv6 in its compressed form, without brackets). */
    public static String format(byte[] b) {
        if (b.length == 4) {
            return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        }
        if (b.length == 16) {
            // By hand: the JDK turns ::ffff:a.b.c.d into an Inet4Address, and we keep what conntrack printed.
            int[] w = new int[8];
            for (int i = 0; i < 8; i++) {
                w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
            }
            // conntrack prints with glibc's inet_ntop, which writes the IPv4 part of ::ffff:a.b.c.d (mapped) and
            // ::a.b.c.d (compatible, when that is not just ::x) dotted, as RFC 5952 section 5 recommends.
            boolean first5Zero = w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0;
            String v4 = (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
            if (first5Zero && w[5] == 0xffff) {
                return "::ffff:" + v4;
            }
            if (first5Zero && w[5] == 0 && w[6] != 0) {
                return "::" + v4;
            }
            StringBuilder full = new StringBuilder(40);
            for (int i = 0; i < 8; i++) {
                full.append(i == 0 ? "" : ":").append(Integer.toHexString(w[i]));
            }
            return compressV6(full.toString());
        }
        throw new IllegalArgumentException("address must be 4 or 16 bytes, got " + b.length);
    }

    /** Formats the remaining bytes of a buffer without moving its position. */
    public static String format(ByteBuffer buf) {
        return format(bytes(buf));
    }

    /** Copies the remaining bytes of a buffer without moving its position. */
    public static byte[] bytes(ByteBuffer buf) {
        byte[] b = new byte[buf.remaining()];
        buf.duplicate().get(b);
        return b;
    }

    /** address:port, with IPv6 in brackets. */
    public static String withPort(byte[] addr, int port) {
        return addr.length == 16 ? "[" + format(addr) + "]:" + port : format(addr) + ":" + port;
    }

    /** Whether {@code addr} lies in {@code cidr} ("10.244.1.0/24", "fd00::/64"); false for a family mismatch. */
    public static boolean inCidr(byte[] addr, String cidr) {
        int slash = cidr.indexOf('/');
        byte[] net = parse(slash < 0 ? cidr : cidr.substring(0, slash));
        int bits = slash < 0 ? net.length * 8 : Integer.parseInt(cidr.substring(slash + 1).trim());
        if (net.length != addr.length || bits < 0 || bits > net.length * 8) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (net[i] != addr[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (net[full] & mask) == (addr[full] & mask);
    }

    /** The network of an interface address in CIDR form: "10.244.1.1/24" gives "10.244.1.0/24". */
    public static String networkOf(String ifaceCidr) {
        int slash = ifaceCidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not CIDR: " + ifaceCidr);
        }
        byte[] a = parse(ifaceCidr.substring(0, slash));
        int bits;
        try {
            bits = Integer.parseInt(ifaceCidr.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not CIDR: " + ifaceCidr);
        }
        if (bits < 0 || bits > a.length * 8) {
            throw new IllegalArgumentException("prefix length out of range in " + ifaceCidr);
        }
        for (int i = 0; i < a.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            a[i] = (byte) (a[i] & ((0xff << (8 - keep)) & 0xff));
        }
        return format(a) + "/" + bits;
    }

    /** Whether the bytes are an IPv4 address (by length). */
    public static boolean isV4(byte[] addr) {
        return addr.length == 4;
    }

    // The JDK prints IPv6 uncompressed (0:0:0:0:0:0:0:1); conntrack and humans use the :: form (RFC 5952).
    private static String compressV6(String full) {
        String[] parts = full.split(":");
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < parts.length; ) {
            if (parts[i].equals("0")) {
                int j = i;
                while (j < parts.length && parts[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLen && j - i > 1) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bestStart; i++) {
            sb.append(parts[i]).append(i + 1 < bestStart ? ":" : "");
        }
        sb.append("::");
        for (int i = bestStart + bestLen; i < parts.length; i++) {
            sb.append(parts[i]).append(i + 1 < parts.length ? ":" : "");
        }
        return sb.toString();
    }

}
