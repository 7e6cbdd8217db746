package io.ctflow.streams.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void aLargerTableSharesMoreDistinctValues() {
        assertTrue(shared(new RepeatedStrings(8_192), 2_000) > 1_600, "8,192 slots keep most of 2,000 values");
        assertTrue(shared(new RepeatedStrings(), 2_000) < 1_000, "1,024 slots cannot");
        assertThrows(IllegalArgumentException.class, () -> new RepeatedStrings(1_000));
    }

    /** Of {@code n} distinct values read twice, how many come back as the instance of the first read. */
    private static int shared(RepeatedStrings table, int n) {
        String[] first = new String[n];
        for (int i = 0; i < n; i++) {
            byte[] v = ("default/svc-" + i).getBytes(StandardCharsets.UTF_8);
            first[i] = table.get(v, 0, v.length);
        }
        int same = 0;
        for (int i = 0; i < n; i++) {
            byte[] v = ("default/svc-" + i).getBytes(StandardCharsets.UTF_8);
            same += table.get(v, 0, v.length) == first[i] ? 1 : 0;
        }
        return same;
    }
}
