package io.ctflow.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline (no sleep-and-hope); the one polling helper of every module's
 * tests. A check or attempt may itself fail at once (throw an {@link AssertionError}), e.g. when the
 * process it waits for has ended.
 */
public final class Poll {
    private static final long PAUSE_MILLIS = 20;

    private Poll() {}

    public interface Check {
        boolean ok() throws Exception;
    }

    /** One try at a value: {@code null} while it is not there yet. */
    public interface Attempt<T> {
        T get() throws Exception;
    }

    /** Checks until {@code check} holds; fails naming {@code what} once {@code timeout} has passed. */
    public static void until(Duration timeout, Check check, Supplier<String> what) throws Exception {
        value(timeout, () -> check.ok() ? Boolean.TRUE : null, what);
    }

    /** As {@link #until(Duration, Check, Supplier)} with a fixed description. */
    public static void until(Duration timeout, Check check, String what) throws Exception {
        until(timeout, check, () -> what);
    }

    /**
     * Checks until {@code check} holds and says whether it did by {@code timeout}, without failing:
     * for a wait followed by an exact assertion that names what is missing.
     */
    public static boolean holds(Duration timeout, Check check) throws Exception {
        return find(timeout, () -> check.ok() ? Boolean.TRUE : null).isPresent();
    }

    /** Tries until {@code attempt} gives a value and returns it; fails naming {@code what} once {@code timeout} has passed. */
    public static <T> T value(Duration timeout, Attempt<T> attempt, Supplier<String> what) throws Exception {
        return find(timeout, attempt).orElseThrow(() -> new AssertionError("not within " + timeout + ": " + what.get()));
    }

    /** Tries until {@code attempt} gives a value; empty once {@code timeout} has passed (for "if it comes at all"). */
    public static <T> Optional<T> find(Duration timeout, Attempt<T> attempt) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T t = attempt.get();
            if (t != null) {
                return Optional.of(t);
            }
            if (System.nanoTime() - deadline > 0) {
                return Optional.empty();
            }
            Thread.sleep(PAUSE_MILLIS);
        }
    }

    /**
     * Tries until {@code attempt} has given the same value for {@code quiet} (a process has settled:
     * its output stops growing) and returns it; {@code null} counts as "still at work". Fails naming
     * {@code what} once {@code timeout} has passed.
     */
    public static <T> T steady(Duration quiet, Duration timeout, Duration pause, Attempt<T> attempt, Supplier<String> what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        long since = System.nanoTime();
        while (true) {
            T t = attempt.get();
            long now = System.nanoTime();
            if (t == null || !Objects.equals(t, last)) {
                last = t;
                since = now;
            } else if (now - since >= quiet.toNanos()) {
                return t;
            }
            if (now - deadline > 0) {
                throw new AssertionError("not steady for " + quiet + " within " + timeout + ": " + what.get());
            }
            Thread.sleep(pause.toMillis());
        }
    }
}
