package io.ctflow.streams.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RepeatedStringsTest {
    final RepeatedStrings strings = new RepeatedStrings();

    @Test
    void aRepeatIsTheSameStringAndEqualToAFreshDecode() {
        byte[] a = "xxnœud-1yy".getBytes(StandardCharsets.UTF_8);
        int len = "nœud-1".getBytes(StandardCharsets.UTF_8).length;
        String first = strings.get(a, 2, len);
        assertEquals("nœud-1", first);
        byte[] b = ("nœud-1").getBytes(StandardCharsets.UTF_8);
        assertSame(first, strings.get(b, 0, b.length));
        assertEquals("", strings.get(b, 0, 0));
    }

    @Test
    void invalidUtf8ReadsAsTheStringConstructorReadsIt() {
        byte[] bad = {(byte) 0xc3, 'a', (byte) 0xff};
        assertEquals(new String(bad, StandardCharsets.UTF_8), strings.get(bad, 0, bad.length));
        assertEquals(new String(bad, StandardCharsets.UTF_8), strings.get(bad, 0, bad.length));
    }

    @Test
    void longValuesAreNotKeptAndCollisionsReplace() {
        byte[] big = "y".repeat(RepeatedStrings.MAX_LENGTH + 1).getBytes(StandardCharsets.UTF_8);
        String one = strings.get(big, 0, big.length);
        assertNotSame(one, strings.get(big, 0, big.length));
        assertEquals(one, strings.get(big, 0, big.length));
        // more distinct values than slots: every answer is still right
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 3 * RepeatedStrings.SLOTS; i++) {
                byte[] v = ("node-" + i).getBytes(StandardCharsets.UTF_8);
                assertEquals("node-" + i, strings.get(v, 0, v.length));
            }
        }
    }
}
