package io.ctflow.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShutdownSignalTest {
    @Test
    void theHookStopsTheCommandAndHoldsTheExitUntilItIsClosed() throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        ShutdownSignal s = ShutdownSignal.install("test-stop", Duration.ofSeconds(60), stopped::countDown);
        assertFalse(s.received());
        s.hook.start(); // what the JVM does on SIGTERM
        assertTrue(stopped.await(10, TimeUnit.SECONDS), "onSignal ran");
        assertTrue(s.received());
        s.hook.join(200);
        assertTrue(s.hook.isAlive(), "the exit waits for the clean-up");
        s.close();
        s.hook.join(10_000);
        assertFalse(s.hook.isAlive(), "and goes on once it is done");
    }

    @Test
    void closingWithoutASignalRemovesTheHook() {
        ShutdownSignal s = ShutdownSignal.install("test-stop", Duration.ofSeconds(1), () -> { });
        s.close();
        assertFalse(Runtime.getRuntime().removeShutdownHook(s.hook), "already removed");
        assertEquals(false, s.received());
    }
}
