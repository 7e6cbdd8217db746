package io.ctflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProtocolsTest {

    @ParameterizedTest
    @CsvSource({"1, ICMP, icmp", "6, TCP, tcp", "17, UDP, udp", "33, DCCP, dccp", "47, GRE, gre", "58, ICMPV6, icmpv6",
        "132, SCTP, sctp", "136, UDPLITE, udplite"})
    void namedProtocolsRoundTrip(int number, Protocol p, String name) {
        assertEquals(p, Protocols.of(number));
        assertEquals(number, Protocols.number(p));
        assertEquals(name, Protocols.name(number));
        assertEquals(number, Protocols.number(name));
        assertEquals(number, Protocols.number(name.toUpperCase()));
        assertEquals(number, Protocols.number(" " + name + " "));
        assertEquals(number, Protocols.number(Integer.toString(number)));
    }

    @Test
    void otherProtocolsAreNumbers() {
        assertEquals(Protocol.OTHER, Protocols.of(2));
        assertEquals(-1, Protocols.number(Protocol.OTHER));
        assertEquals("2", Protocols.name(2));
        assertEquals(2, Protocols.number("2"));
        assertEquals(0, Protocols.number("0"));
        assertEquals(255, Protocols.number("255"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "other", "OTHER", "tcp6", "256", "-1", "6x", "99999999999", "ipv4"})
    void unknownProtocolsAreRefusedWithTheirName(String s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Protocols.number(s));
        assertTrue(e.getMessage().contains(s.trim()), e.getMessage());
    }

    @Test
    void portsAndIcmp() {
        for (int p : new int[] {Protocols.TCP, Protocols.UDP, Protocols.SCTP, Protocols.DCCP, Protocols.UDPLITE, Protocols.GRE}) {
            assertTrue(Protocols.hasPorts(p), Protocols.name(p));
            assertFalse(Protocols.isIcmp(p));
        }
        for (int p : new int[] {Protocols.ICMP, Protocols.ICMPV6}) {
            assertFalse(Protocols.hasPorts(p));
            assertTrue(Protocols.isIcmp(p));
        }
        assertFalse(Protocols.hasPorts(2));
        assertFalse(Protocols.isIcmp(2));
    }
}
