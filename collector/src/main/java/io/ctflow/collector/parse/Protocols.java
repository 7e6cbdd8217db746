package io.ctflow.collector.parse;

import io.ctflow.avro.Protocol;
import java.util.Locale;

/** IANA numbers and lower-case names of the layer-4 protocols the schemas know. */
final class Protocols {
    private static final String[] NAMES = new String[Protocol.values().length];

    static {
        for (Protocol p : Protocol.values()) {
            NAMES[p.ordinal()] = p.name().toLowerCase(Locale.ROOT);
        }
    }

    private Protocols() {}

    static Protocol byNumber(int number) {
        switch (number) {
            case 1: return Protocol.ICMP;
            case 6: return Protocol.TCP;
            case 17: return Protocol.UDP;
            case 33: return Protocol.DCCP;
            case 47: return Protocol.GRE;
            case 58: return Protocol.ICMPV6;
            case 132: return Protocol.SCTP;
            case 136: return Protocol.UDPLITE;
            default: return Protocol.OTHER;
        }
    }

    /** IANA number, -1 for OTHER. */
    static int number(Protocol p) {
        switch (p) {
            case ICMP: return 1;
            case TCP: return 6;
            case UDP: return 17;
            case DCCP: return 33;
            case GRE: return 47;
            case ICMPV6: return 58;
            case SCTP: return 132;
            case UDPLITE: return 136;
            default: return -1;
        }
    }

    /**
     * A protocol by the name conntrack, iptables or a human writes (any case; "ipv6-icmp" is how
     * ip6tables spells icmpv6), or by its number; null when unknown.
     */
    static Protocol byName(String name) {
        if (name == null || name.isEmpty()) {
            return null;
        }
        String n = name.toLowerCase(Locale.ROOT);
        switch (n) {
            case "tcp": return Protocol.TCP;
            case "udp": return Protocol.UDP;
            case "icmp": return Protocol.ICMP;
            case "icmpv6":
            case "ipv6-icmp":
            case "icmp6": return Protocol.ICMPV6;
            case "sctp": return Protocol.SCTP;
            case "dccp": return Protocol.DCCP;
            case "gre": return Protocol.GRE;
            case "udplite": return Protocol.UDPLITE;
            default:
                if (n.length() <= 3 && n.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    Protocol p = byNumber(Integer.parseInt(n));
                    return p == Protocol.OTHER ? null : p;
                }
                return null;
        }
    }

    /** Lower-case name: "tcp", "icmpv6", "other". */
    static String name(Protocol p) {
        return NAMES[p.ordinal()]; // precomputed: called once per parsed line
    }

    /** Whether tuples of this protocol carry source and destination ports. */
    static boolean hasPorts(Protocol p) {
        return p == Protocol.TCP || p == Protocol.UDP || p == Protocol.SCTP || p == Protocol.DCCP || p == Protocol.UDPLITE;
    }

    static boolean isIcmp(Protocol p) {
        return p == Protocol.ICMP || p == Protocol.ICMPV6;
    }
}
