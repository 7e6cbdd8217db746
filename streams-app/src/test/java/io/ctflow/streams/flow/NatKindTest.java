package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.Tuple;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class NatKindTest {
    static Tuple t(String src, int sport, String dst, int dport) {
        return Tuple.newBuilder().setSrc(ByteBuffer.wrap(Addresses.parse(src))).setDst(ByteBuffer.wrap(Addresses.parse(dst)))
                .setSrcPort(sport).setDstPort(dport).build();
    }

    @Test
    void comparesOriginalAndReplyTuples() {
        assertEquals(NatKind.NONE, NatKind.of(t("10.0.0.1", 1000, "10.0.0.2", 80), t("10.0.0.2", 80, "10.0.0.1", 1000)));
        assertEquals(NatKind.DNAT, NatKind.of(t("10.0.0.1", 1000, "10.96.0.10", 80), t("10.244.1.3", 8080, "10.0.0.1", 1000)));
        assertEquals(NatKind.DNAT, NatKind.of(t("10.0.0.1", 1000, "10.0.0.2", 80), t("10.0.0.2", 8080, "10.0.0.1", 1000)), "port-only DNAT");
        assertEquals(NatKind.SNAT, NatKind.of(t("10.244.1.2", 1000, "1.1.1.1", 53), t("1.1.1.1", 53, "192.168.0.5", 61000)));
        assertEquals(NatKind.BOTH, NatKind.of(t("10.244.1.2", 1000, "10.96.0.10", 80), t("10.244.2.3", 8080, "10.244.1.1", 61000)));
        assertEquals(true, NatKind.BOTH.dnat() && NatKind.BOTH.snat() && NatKind.DNAT.natted() && !NatKind.NONE.natted());
    }

    @Test
    void eachKindIsStoredAsTheNatTypeOfItsNameAndReadBack() {
        for (NatKind k : NatKind.values()) {
            assertEquals(k.name(), k.stored().name());
            assertEquals(k, NatKind.of(k.stored()));
        }
        assertEquals(NatKind.values().length, io.ctflow.avro.internal.NatType.values().length, "a new symbol needs its mapping");
    }

    @Test
    void storedCodesArePinned() {
        assertEquals('N', NatKind.NONE.code());
        assertEquals('S', NatKind.SNAT.code());
        assertEquals('D', NatKind.DNAT.code());
        assertEquals('B', NatKind.BOTH.code());
        for (NatKind k : NatKind.values()) {
            assertEquals(k, NatKind.ofCode(k.code()));
        }
        assertEquals(null, NatKind.ofCode((byte) 'X'));
    }
}
