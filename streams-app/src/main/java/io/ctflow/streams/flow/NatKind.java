package io.ctflow.streams.flow;

import io.ctflow.avro.Tuple;
import io.ctflow.avro.internal.NatType;
import java.util.Objects;

/**
 * Which NAT a conntrack entry applied, from comparing its tuples: DNAT when the original destination
 * is not the reply source (a Service IP rewritten to a pod), SNAT when the original source is not
 * the reply destination (masquerade).
 */
public enum NatKind {
    NONE('N'), SNAT('S'), DNAT('D'), BOTH('B');

    /** Its code in the flows store: explicit and stable, never the ordinal. */
    private final byte code;

    NatKind(char code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /** The kind stored as {@code code}, or null when none has it. */
    public static NatKind ofCode(byte code) {
        for (NatKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        return null;
    }

    public static NatKind of(Tuple original, Tuple reply) {
        boolean dnat = !original.getDst().equals(reply.getSrc()) || !Objects.equals(original.getDstPort(), reply.getSrcPort());
        boolean snat = !original.getSrc().equals(reply.getDst()) || !Objects.equals(original.getSrcPort(), reply.getDstPort());
        if (dnat && snat) {
            return BOTH;
        }
        return dnat ? DNAT : snat ? SNAT : NONE;
    }

    public boolean natted() {
        return this != NONE;
    }

    public boolean dnat() {
        return this == DNAT || this == BOTH;
    }

    public boolean snat() {
        return this == SNAT || this == BOTH;
    }

    // Switches, not valueOf(name()): Enum.valueOf hashes the name in a map, and the flow join asks
    // for a view's kind several times per event (4.6 % of the stream thread at 1 M open flows).

    /** The named value kept in the flow state. */
    public NatType stored() {
        return switch (this) {
            case NONE -> NatType.NONE;
            case SNAT -> NatType.SNAT;
            case DNAT -> NatType.DNAT;
            case BOTH -> NatType.BOTH;
        };
    }

    public static NatKind of(NatType stored) {
        return switch (stored) {
            case NONE -> NONE;
            case SNAT -> SNAT;
            case DNAT -> DNAT;
            case BOTH -> BOTH;
        };
    }
}
