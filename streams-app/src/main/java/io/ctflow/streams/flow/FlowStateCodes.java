package io.ctflow.streams.flow;

import io.ctflow.avro.internal.Judgement;
import io.ctflow.avro.internal.NatType;
import io.ctflow.avro.internal.ViewOrigin;
import org.apache.kafka.common.errors.SerializationException;

/** The flows store's explicit codes for a view's origin, NAT kind and judgement: stable whatever the enums' declaration order. */
final class FlowStateCodes {
    private FlowStateCodes() {}

    static byte code(ViewOrigin o) {
        return switch (o) {
            case EVENT -> 'E';
            case SNAPSHOT -> 'S';
            case ADOPTED -> 'A';
        };
    }

    static ViewOrigin origin(byte b) {
        return switch (b) {
            case 'E' -> ViewOrigin.EVENT;
            case 'S' -> ViewOrigin.SNAPSHOT;
            case 'A' -> ViewOrigin.ADOPTED;
            default -> throw new SerializationException("flows store: unknown view origin code " + b);
        };
    }

    static byte code(NatType n) {
        return NatKind.of(n).code();
    }

    static NatType nat(byte b) {
        NatKind k = NatKind.ofCode(b);
        if (k == null) {
            throw new SerializationException("flows store: unknown NAT code " + b);
        }
        return k.stored();
    }

    static byte code(Judgement j) {
        return switch (j) {
            case PENDING -> 'P';
            case DEFERRED -> 'D';
            case RAISED -> 'R';
            case RESOLVED -> 'V';
            case NONE -> 'N';
        };
    }

    static Judgement judgement(byte b) {
        return switch (b) {
            case 'P' -> Judgement.PENDING;
            case 'D' -> Judgement.DEFERRED;
            case 'R' -> Judgement.RAISED;
            case 'V' -> Judgement.RESOLVED;
            case 'N' -> Judgement.NONE;
            default -> throw new SerializationException("flows store: unknown judgement code " + b);
        };
    }
}
