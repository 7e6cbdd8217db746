package io.ctflow.streams.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An exchange past its limit is interrupted; one that ends in time leaves its thread clean for the next. */
@Timeout(30)
class BoundedExchangesTest {
    @Test
    void aStalledExchangeIsInterruptedAtItsLimit() throws Exception {
        try (BoundedExchanges ex = new BoundedExchanges(1, 2, Duration.ofMillis(300))) {
            CountDownLatch interrupted = new CountDownLatch(1);
            long t0 = System.nanoTime();
            ex.execute(() -> {
                try {
                    new CountDownLatch(1).await(); // stands for a blocking read of a stalled client
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
            });
            assertTrue(interrupted.await(10, TimeUnit.SECONDS), "not interrupted");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms >= 250, "interrupted too early: " + ms + " ms");
        }
    }

    @Test
    void anExchangeThatEndsInTimeIsNotInterruptedNorIsTheNextOne() throws Exception {
        try (BoundedExchanges ex = new BoundedExchanges(1, 1, Duration.ofMillis(200))) {
            CountDownLatch first = new CountDownLatch(1);
            ex.execute(first::countDown);
            assertTrue(first.await(5, TimeUnit.SECONDS));
            Thread.sleep(400); // past the first exchange's limit: its cut was cancelled
            AtomicBoolean flagged = new AtomicBoolean(true);
            CountDownLatch second = new CountDownLatch(1);
            ex.execute(() -> {
                flagged.set(Thread.currentThread().isInterrupted());
                second.countDown();
            });
            assertTrue(second.await(5, TimeUnit.SECONDS));
            assertFalse(flagged.get(), "the next exchange started interrupted");
        }
    }
}
