package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchHeapTest {
    private static final long GIB = 1L << 30;

    @Test
    void aFixedPreTouchedHeapNeedsNoWarning() {
        BenchHeap h = new BenchHeap(6 * GIB, 6 * GIB, false, true);
        assertTrue(h.fixed());
        assertEquals("heap 6 GiB fixed, touched at start", h.describe());
        assertNull(h.warning());
    }

    @Test
    void aGrowingHeapIsNamedWithTheFlagsThatFixIt() {
        BenchHeap h = new BenchHeap(384L << 20, 6 * GIB, true, false);
        assertEquals("heap 384 MiB growing to 6 GiB", h.describe());
        assertEquals("bench: heap 384 MiB growing to 6 GiB: a round that touches new heap pays for it and the next round does not; "
                + "for comparable rounds run with -Xms6144m -Xmx6144m -XX:+AlwaysPreTouch (./ctflow bench does)", h.warning());
    }

    @Test
    void aFixedHeapNotTouchedYetStillWarns() {
        BenchHeap h = new BenchHeap(GIB, GIB, false, false);
        assertEquals("heap 1 GiB fixed, not pre-touched", h.describe());
        assertTrue(h.warning().startsWith("bench: heap 1 GiB fixed, not pre-touched: "), h.warning());
    }

    @Test
    void aHeapThatStartsAtItsMaxButMayShrinkIsNotFixed() {
        BenchHeap h = new BenchHeap(6 * GIB, 6 * GIB, true, true);
        assertEquals("heap 6 GiB touched at start, which G1 may shrink and grow again", h.describe());
        assertTrue(h.warning().contains("-Xms6144m -Xmx6144m -XX:+AlwaysPreTouch"), h.warning());
    }

    @Test
    void readsThisJvmsHeapAsTheJvmResolvedIt() {
        BenchHeap h = BenchHeap.current();
        assertEquals(Runtime.getRuntime().maxMemory(), h.maxBytes());
        assertTrue(h.initialBytes() > 0 && h.initialBytes() <= h.maxBytes(), h.toString());
    }

    @Test
    void timesTheFirstTouchOfFreshMemory() {
        double s = BenchHeap.firstTouchSecondsPerGiB();
        assertTrue(s > 0 && s < 600, "seconds per GiB: " + s);
    }
}
