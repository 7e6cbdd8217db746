package io.ctflow.collector.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.collector.testing.ManualTime;
import io.ctflow.testing.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RunStateTest {
    @Test
    void awaitStopWaitsOnTheClockAndEndsEarlyOnStop() throws Exception {
        ManualTime time = new ManualTime(false);
        RunState state = new RunState(time);
        CompletableFuture<Boolean> timedOut = CompletableFuture.supplyAsync(() -> await(state, 100));
        Poll.until(Duration.ofSeconds(10), () -> time.waiting() == 1, () -> "waiting");
        time.advance(99);
        assertFalse(timedOut.isDone(), "99 ms of 100");
        time.advance(1);
        assertFalse(timedOut.get(10, TimeUnit.SECONDS), "the clock reached the deadline: not stopped");

        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> await(state, 60_000));
        Poll.until(Duration.ofSeconds(10), () -> time.waiting() == 1, () -> "waiting");
        AtomicInteger hooks = new AtomicInteger();
        state.onStop(hooks::incrementAndGet);
        state.stop();
        assertTrue(stopped.get(10, TimeUnit.SECONDS), "stop ends the wait");
        assertEquals(1, hooks.get());
        assertEquals(List.of(100L, 60_000L), time.waitsMs());
    }

    @Test
    void theFirstFatalProblemIsKept() {
        RunState state = new RunState(new ManualTime(true));
        state.fatal("conntrack: Operation not permitted");
        state.fatal("later");
        assertEquals("conntrack: Operation not permitted", state.fatal());
        assertTrue(state.stopping());
    }

    private static boolean await(RunState state, long ms) {
        try {
            return state.awaitStop(TimeUnit.MILLISECONDS.toNanos(ms));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aGuardedTaskStopsOnACollectorExceptionKeepsAnInterruptAndGoesOnAfterOtherProblems() {
        RunState state = new RunState(new ManualTime(true));
        state.guarded(() -> {
            throw new java.io.IOException("disk");
        }, e -> "stats: " + e.getMessage());
        assertEquals(null, state.fatal(), "a logged problem does not stop the collector");
        state.guarded(() -> {
            throw new InterruptedException();
        }, e -> "never");
        assertTrue(Thread.interrupted(), "the interrupt is kept for the thread");
        state.guarded(() -> {
            throw io.ctflow.collector.CollectorException.environment("conntrack: Operation not permitted");
        }, e -> "never");
        assertEquals("conntrack: Operation not permitted", state.fatal());
    }
}
