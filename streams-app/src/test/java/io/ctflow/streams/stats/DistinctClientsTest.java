package io.ctflow.streams.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DistinctClientsTest {
    static ByteBuffer ip(int i) {
        return ByteBuffer.wrap(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
    }

    @Test
    void exactWhileSmallThenABoundedEstimate() {
        List<ByteBuffer> exact = new ArrayList<>();
        ByteBuffer bits = ByteBuffer.allocate(0);
        for (int i = 0; i < 50; i++) {
            bits = DistinctClients.add(exact, bits, ip(i));
            bits = DistinctClients.add(exact, bits, ip(i)); // duplicates do not count
        }
        assertEquals(50, DistinctClients.count(exact, bits));
        for (int i = 50; i < 1000; i++) {
            bits = DistinctClients.add(exact, bits, ip(i));
        }
        assertEquals(DistinctClients.BITS / 8, bits.remaining(), "bounded: 256 bytes");
        assertTrue(exact.isEmpty());
        long est = DistinctClients.count(exact, bits);
        assertTrue(Math.abs(est - 1000) < 80, "estimate " + est);
    }
}
