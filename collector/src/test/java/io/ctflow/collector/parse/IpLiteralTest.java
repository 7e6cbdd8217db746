package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ctflow.net.Addresses;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralTest {

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "10.244.1.3", "255.255.255.255", "010.1.1.1", "::", "::1", "1::", "fd00::1",
        "FD00::A", "2001:db8::ff00:42:8329", "2001:0db8:0000:0000:0000:ff00:0042:8329", "1:2:3:4:5:6:7:8", "1::8",
        "1:2:3:4:5:6::8", "::2:3:4:5:6:7:8", "::ffff:10.0.0.1", "64:ff9b::192.0.2.33", "::1.2.3.4",
        "1:2:3:4:5:6:1.2.3.4"})
    void validLiteralsAgreeWithAddresses(String literal) {
        assertArrayEquals(Addresses.parse(literal), IpLiteral.parse(literal));
        String padded = " " + literal + " ";
        assertArrayEquals(Addresses.parse(literal), IpLiteral.parse(padded, 1, padded.length() - 1));
        byte[] into = dirty();
        int len = IpLiteral.parseInto(padded, 1, padded.length() - 1, into);
        assertArrayEquals(Addresses.parse(literal), Arrays.copyOf(into, len), "parseInto over a used array");
    }

    /** A reused array as the parser has it: the last address's bytes (and a failed IPv4 attempt's) still in it. */
    private static byte[] dirty() {
        byte[] b = new byte[16];
        Arrays.fill(b, (byte) 0x5a);
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "1.2.3", "1.2.3.4.5", "1.2.3.256", "1..2.3", "1.2.3.4.", ".1.2.3", "1.2.3.a",
        "1.2.3.0004", "-1.2.3.4", ":", ":::", "1:::2", ":1::", "1:", ":1", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7", "g::1", "fe80::1%eth0", "[::1]", "::1.2.3",
        "::1.2.3.4.5", "1:2:3:4:5:6:7:1.2.3.4", "::ffff:1.2.3.256", "1.2.3.4::", "\u0661.1.1.1", "fd00::\uff11", ".1:2"})
    void invalidLiteralsAreNull(String literal) {
        assertNull(IpLiteral.parse(literal));
        String padded = "x" + literal + "x";
        assertEquals(-1, IpLiteral.parseInto(padded, 1, padded.length() - 1, dirty()));
    }
}
