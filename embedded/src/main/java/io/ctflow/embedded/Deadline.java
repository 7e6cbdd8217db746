package io.ctflow.embedded;

import java.util.concurrent.TimeUnit;

/** An end in time for start-up and admin waits, with short bounded pauses for polling towards it. */
record Deadline(long nanos) {
    static Deadline in(java.time.Duration d) {
        return new Deadline(System.nanoTime() + d.toNanos());
    }

    long remainingMillis() {
        return TimeUnit.NANOSECONDS.toMillis(nanos - System.nanoTime());
    }

    int remainingMillisInt() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, remainingMillis()));
    }

    boolean passed() {
        return System.nanoTime() >= nanos;
    }

    /** Sleeps {@code millis}, or less when the deadline comes first. */
    void pause(long millis) {
        long sleep = Math.min(millis, Math.max(0, remainingMillis()));
        if (sleep <= 0) {
            return;
        }
        try {
            Thread.sleep(sleep);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for embedded Kafka", e);
        }
    }
}
