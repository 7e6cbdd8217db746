package io.ctflow.streams.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void exactBelow64AndWithin3PercentAbove() {
        for (long v = 0; v < 64; v++) {
            assertEquals(v, LatencyHistogram.lowerBound(LatencyHistogram.bucket(v)));
        }
        for (long v = 64; v < 50_000_000; v = v * 17 / 16 + 1) {
            long lb = LatencyHistogram.lowerBound(LatencyHistogram.bucket(v));
            assertTrue(lb <= v && v - lb <= v * 0.032, v + " -> " + lb);
        }
    }

    @Test
    void nearestRankPercentiles() {
        Map<String, Long> h = new HashMap<>();
        assertNull(LatencyHistogram.percentile(h, 50));
        for (long v : new long[] {200, 400, 36, 36, 94}) {
            LatencyHistogram.add(h, v);
        }
        assertEquals(36L, LatencyHistogram.percentile(h, 20));
        assertEquals(94L, LatencyHistogram.percentile(h, 50));
        assertEquals(400L, LatencyHistogram.percentile(h, 99));
        assertTrue(h.size() <= 4, "equal values share a bucket");
    }
}
