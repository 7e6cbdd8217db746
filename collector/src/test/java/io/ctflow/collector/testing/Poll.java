package io.ctflow.collector.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition with a deadline (no sleep-and-hope). */
public final class Poll {
    private Poll() {}

    public interface Check {
        boolean ok() throws Exception;
    }

    public static void until(Duration timeout, Check check, Supplier<String> what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what.get());
            }
            Thread.sleep(20);
        }
    }
}
