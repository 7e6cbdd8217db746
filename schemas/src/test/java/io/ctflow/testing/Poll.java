package io.ctflow.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition with a deadline (no sleep-and-hope); the one polling helper of every module's tests. */
public final class Poll {
    private static final long PAUSE_MILLIS = 20;

    private Poll() {}

    public interface Check {
        boolean ok() throws Exception;
    }

    /** Checks until {@code check} holds; fails naming {@code what} once {@code timeout} has passed. */
    public static void until(Duration timeout, Check check, Supplier<String> what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what.get());
            }
            Thread.sleep(PAUSE_MILLIS);
        }
    }

    /** As {@link #until(Duration, Check, Supplier)} with a fixed description. */
    public static void until(Duration timeout, Check check, String what) throws Exception {
        until(timeout, check, () -> what);
    }
}
