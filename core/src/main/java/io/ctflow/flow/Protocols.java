package io.ctflow.flow;

import io.ctflow.avro.Protocol;
import java.util.Locale;

/** IANA protocol numbers, conntrack's names for them, and the schema's {@link Protocol} enum. */
public final class Protocols {
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int DCCP = 33;
    public static final int GRE = 47;
    public static final int ICMPV6 = 58;
    public static final int SCTP = 132;
    public static final int UDPLITE = 136;

    private Protocols() {}

    public static Protocol of(int number) {
        return switch (number) {
            case TCP -> Protocol.TCP;
            case UDP -> Protocol.UDP;
            case ICMP -> Protocol.ICMP;
            case ICMPV6 -> Protocol.ICMPV6;
            case SCTP -> Protocol.SCTP;
            case DCCP -> Protocol.DCCP;
            case GRE -> Protocol.GRE;
            case UDPLITE -> Protocol.UDPLITE;
            default -> Protocol.OTHER;
        };
    }

    /** The number of a named protocol; OTHER has none (-1). */
    public static int number(Protocol p) {
        return switch (p) {
            case TCP -> TCP;
            case UDP -> UDP;
            case ICMP -> ICMP;
            case ICMPV6 -> ICMPV6;
            case SCTP -> SCTP;
            case DCCP -> DCCP;
            case GRE -> GRE;
            case UDPLITE -> UDPLITE;
            default -> -1;
        };
    }

    /** conntrack's name (tcp, udp, icmp, ...) or the number as text. */
    public static String name(int number) {
        Protocol p = of(number);
        return p == Protocol.OTHER ? Integer.toString(number) : NAMES[p.ordinal()];
    }

    private static final String[] NAMES = new String[Protocol.values().length];

    static {
        for (Protocol p : Protocol.values()) {
            NAMES[p.ordinal()] = p.name().toLowerCase(Locale.ROOT);
        }
    }

    /** Lower-case name of the enum ("tcp", "icmpv6", "other"); precomputed: the parser asks once per line. */
    public static String name(Protocol p) {
        return NAMES[p.ordinal()];
    }

    /**
     * A protocol by the name conntrack, iptables or a person writes (any case; ip6tables spells
     * icmpv6 "ipv6-icmp"), or by its number; null when unknown.
     */
    public static Protocol byName(String name) {
        if (name == null || name.isEmpty()) {
            return null;
        }
        String n = name.toLowerCase(Locale.ROOT);
        switch (n) {
            case "icmpv6", "ipv6-icmp", "icmp6":
                return Protocol.ICMPV6;
            case "other":
                return null;
            default:
                if (n.length() <= 3 && n.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    Protocol p = of(Integer.parseInt(n));
                    return p == Protocol.OTHER ? null : p;
                }
                for (Protocol p : Protocol.values()) {
                    if (NAMES[p.ordinal()].equals(n) && p != Protocol.OTHER) {
                        return p;
                    }
                }
                return null;
        }
    }

    /** Whether conntrack prints sport=/dport= in this protocol's tuples (GRE prints keys instead). */
    public static boolean hasPortFields(Protocol p) {
        return p == Protocol.TCP || p == Protocol.UDP || p == Protocol.SCTP || p == Protocol.DCCP || p == Protocol.UDPLITE;
    }

    public static boolean isIcmp(Protocol p) {
        return p == Protocol.ICMP || p == Protocol.ICMPV6;
    }

    /** Reads a name (any case) or a number. */
    public static int number(String nameOrNumber) {
        String s = nameOrNumber.trim();
        if (!s.isEmpty() && Character.isDigit(s.charAt(0))) {
            int n;
            try {
                n = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unknown protocol '" + nameOrNumber + "'");
            }
            if (n < 0 || n > 255) {
                throw new IllegalArgumentException("protocol number out of range: " + n);
            }
            return n;
        }
        try {
            int n = number(Protocol.valueOf(s.toUpperCase(Locale.ROOT)));
            if (n >= 0) {
                return n;
            }
        } catch (IllegalArgumentException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("unknown protocol '" + nameOrNumber + "'");
    }

    public static boolean hasPorts(int number) {
        return number == TCP || number == UDP || number == SCTP || number == DCCP || number == UDPLITE || number == GRE;
    }

    public static boolean isIcmp(int number) {
        return number == ICMP || number == ICMPV6;
    }
}
