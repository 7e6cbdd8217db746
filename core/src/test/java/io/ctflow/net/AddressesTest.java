package io.ctflow.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressesTest {

    static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    @Test
    void parsesIpv4() {
        assertArrayEquals(b(10, 244, 1, 2), Addresses.parse("10.244.1.2"));
        assertArrayEquals(b(0, 0, 0, 0), Addresses.parse("0.0.0.0"));
        assertArrayEquals(b(255, 255, 255, 255), Addresses.parse("255.255.255.255"));
    }

    @Test
    void parsesIpv6IncludingMappedAsSixteenBytes() {
        assertArrayEquals(b(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), Addresses.parse("::1"));
        assertArrayEquals(b(0xfd, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a), Addresses.parse("fd00:10::a"));
        assertArrayEquals(b(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3), Addresses.parse("::ffff:10.1.2.3"),
                "the JDK folds mapped addresses to IPv4; conntrack printed 16 bytes");
        assertEquals(16, Addresses.parse("::").length);
        assertEquals(16, Addresses.parse("2001:DB8::A").length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4 ", "a.b.c.d", "localhost", "example.com",
        "1:2:3:4:5:6:7:8:9", ".1:2", ".::1", "fe80::1%eth0", "[::1]", ":::", "1.2.3.-4", "10.0.0.1/24", "::ffff:1.2.3.256"})
    void rejectsAnythingButALiteralWithoutLookingItUp(String s) {
        assertThrows(IllegalArgumentException.class, () -> Addresses.parse(s));
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> Addresses.parse(null));
    }

    @ParameterizedTest
    @CsvSource({
        "10.244.1.2, 10.244.1.2",
        "::1, ::1",
        "::, ::",
        "0:0:0:0:0:0:0:1, ::1",
        "1:0:0:0:0:0:0:0, 1::",
        "fd00:0:0:0:0:0:0:a, fd00::a",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1", // equal runs: the first is compressed (RFC 5952 4.2.3)
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1", // a single 0 group is not compressed
        "2001:0:0:1:0:0:0:1, 2001:0:0:1::1", // the longest run wins
        "2001:DB8::A, 2001:db8::a", // lowercase
        "::ffff:10.1.2.3, ::ffff:10.1.2.3", // IPv4-mapped printed as conntrack (glibc inet_ntop) does
        "::ffff:0.0.0.0, ::ffff:0.0.0.0",
        "::1.2.3.4, ::1.2.3.4", // IPv4-compatible
        "::0.0.1.2, ::102", // ... but not when it is just ::x
        "64:ff9b::c000:221, 64:ff9b::c000:221"
    })
    void formatsAsConntrackAndRfc5952Do(String in, String out) {
        assertEquals(out, Addresses.format(Addresses.parse(in)));
        assertArrayEquals(Addresses.parse(in), Addresses.parse(out), "the text parses back to the same bytes");
    }

    @Test
    void formatRejectsOtherLengthsAndBuffersAreNotMoved() {
        assertThrows(IllegalArgumentException.class, () -> Addresses.format(new byte[5]));
        ByteBuffer buf = ByteBuffer.wrap(b(9, 10, 0, 0, 1));
        buf.get();
        assertEquals("10.0.0.1", Addresses.format(buf));
        assertEquals(1, buf.position());
        assertArrayEquals(b(10, 0, 0, 1), Addresses.bytes(buf));
        assertEquals(1, buf.position());
    }

    @Test
    void withPortBracketsIpv6() {
        assertEquals("10.0.0.1:80", Addresses.withPort(Addresses.parse("10.0.0.1"), 80));
        assertEquals("[fd00::1]:8080", Addresses.withPort(Addresses.parse("fd00::1"), 8080));
        assertTrue(Addresses.isV4(Addresses.parse("1.2.3.4")));
        assertFalse(Addresses.isV4(Addresses.parse("::1")));
    }

    @ParameterizedTest
    @CsvSource({
        "10.244.1.7, 10.244.1.0/24, true",
        "10.244.2.7, 10.244.1.0/24, false",
        "10.244.1.7, 10.244.1.7, true",
        "10.244.1.7, 10.244.1.8, false",
        "10.244.1.7, 0.0.0.0/0, true",
        "10.255.0.1, 10.240.0.0/12, true", // a prefix not on a byte boundary
        "10.224.0.1, 10.240.0.0/12, false",
        "fd00::5, fd00::/64, true",
        "fd01::5, fd00::/64, false",
        "fd00::5, 10.0.0.0/8, false", // families never match
        "10.0.0.1, fd00::/8, false",
        "10.0.0.1, 10.0.0.0/33, false"
    })
    void inCidr(String addr, String cidr, boolean in) {
        assertEquals(in, Addresses.inCidr(Addresses.parse(addr), cidr));
    }

    @Test
    void networkOf() {
        assertEquals("10.244.1.0/24", Addresses.networkOf("10.244.1.1/24"));
        assertEquals("10.240.0.0/12", Addresses.networkOf("10.255.3.4/12"));
        assertEquals("10.0.0.7/32", Addresses.networkOf("10.0.0.7/32"));
        assertEquals("0.0.0.0/0", Addresses.networkOf("10.0.0.7/0"));
        assertEquals("fd00:10:244:1::/64", Addresses.networkOf("fd00:10:244:1::1/64"));
        assertThrows(IllegalArgumentException.class, () -> Addresses.networkOf("10.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> Addresses.networkOf("10.0.0.1/33"));
        assertThrows(IllegalArgumentException.class, () -> Addresses.networkOf("fd00::1/129"));
        assertThrows(IllegalArgumentException.class, () -> Addresses.networkOf("10.0.0.1/x"));
    }
}
