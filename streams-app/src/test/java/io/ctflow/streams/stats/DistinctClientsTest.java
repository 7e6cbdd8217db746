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

    @Test
    void mergingSetsIsAddingTheirAddresses() {
        for (int[] sizes : new int[][] {{10, 20}, {40, 40}, {64, 1}, {100, 5}, {5, 100}, {300, 300}}) {
            List<ByteBuffer> all = new ArrayList<>();
            ByteBuffer allBits = ByteBuffer.allocate(0);
            List<ByteBuffer> a = new ArrayList<>();
            ByteBuffer aBits = ByteBuffer.allocate(0);
            List<ByteBuffer> b = new ArrayList<>();
            ByteBuffer bBits = ByteBuffer.allocate(0);
            for (int i = 0; i < sizes[0]; i++) {
                aBits = DistinctClients.add(a, aBits, ip(i));
                allBits = DistinctClients.add(all, allBits, ip(i));
            }
            for (int i = 0; i < sizes[1]; i++) { // overlapping the first set by half
                bBits = DistinctClients.add(b, bBits, ip(sizes[0] / 2 + i));
                allBits = DistinctClients.add(all, allBits, ip(sizes[0] / 2 + i));
            }
            ByteBuffer merged = DistinctClients.merge(a, aBits, b, bBits);
            assertEquals(allBits, merged, sizes[0] + " + " + sizes[1]);
            assertEquals(new java.util.HashSet<>(all), new java.util.HashSet<>(a));
            assertEquals(DistinctClients.count(all, allBits), DistinctClients.count(a, merged));
        }
    }
}
