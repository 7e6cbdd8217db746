package io.ctflow.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PollTest {
    private static final Duration LONG = Duration.ofSeconds(10);

    @Test
    void untilReturnsOnceTheCheckHolds() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        Poll.until(LONG, () -> tries.incrementAndGet() == 3, "three tries");
        assertEquals(3, tries.get());
    }

    @Test
    void untilFailsNamingWhatAfterTheDeadline() {
        AssertionError e = assertThrows(AssertionError.class, () -> Poll.until(Duration.ofMillis(50), () -> false, () -> "the answer"));
        assertEquals("not within PT0.05S: the answer", e.getMessage());
    }

    @Test
    void valueReturnsTheFirstValueGiven() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        assertEquals("x2", Poll.value(LONG, () -> tries.incrementAndGet() == 2 ? "x2" : null, () -> "x"));
        assertThrows(AssertionError.class, () -> Poll.value(Duration.ofMillis(50), () -> null, () -> "x"));
    }

    @Test
    void findIsEmptyAfterTheDeadline() throws Exception {
        assertEquals(Optional.empty(), Poll.find(Duration.ofMillis(50), () -> null));
        assertEquals(Optional.of(7), Poll.find(LONG, () -> 7));
    }

    @Test
    void holdsSaysWhetherTheCheckHeldInTime() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        assertTrue(Poll.holds(LONG, () -> tries.incrementAndGet() == 2));
        assertEquals(2, tries.get());
        assertEquals(false, Poll.holds(Duration.ofMillis(50), () -> false));
    }

    @Test
    void aCheckThatFailsAtOnceIsNotRetried() {
        AtomicInteger tries = new AtomicInteger();
        AssertionError e = assertThrows(AssertionError.class, () -> Poll.until(LONG, () -> {
            tries.incrementAndGet();
            throw new AssertionError("the process ended");
        }, "never"));
        assertEquals("the process ended", e.getMessage());
        assertEquals(1, tries.get());
    }

    @Test
    void steadyWaitsForTheValueToStopChanging() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        // grows for five tries, then stays at 5; null (still at work) on the first
        long start = System.nanoTime();
        int v = Poll.steady(Duration.ofMillis(100), LONG, Duration.ofMillis(10),
                () -> tries.incrementAndGet() == 1 ? null : Math.min(tries.get(), 5), () -> "growing");
        assertEquals(5, v);
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(100).toNanos());
        assertThrows(AssertionError.class, () -> Poll.steady(Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(10),
                tries::incrementAndGet, () -> "always growing"));
    }
}
