package io.ctflow.collector.live;

import io.ctflow.collector.CollectorException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the parts of one {@link LiveCollector} share: its clock, whether it is stopping, the fatal
 * problem that stopped it, and warnings said once. Waiting goes through Kafka's {@link Time}, so a
 * test's clock decides how long a backoff lasts.
 */
final class RunState {
    private static final Logger LOG = LoggerFactory.getLogger(LiveCollector.class);

    private final Time time;
    private final Object lock = new Object();
    private final List<Runnable> onStop = new CopyOnWriteArrayList<>();
    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private volatile String fatal;

    RunState(Time time) {
        this.time = time;
    }

    Time time() {
        return time;
    }

    /** Now on the collector's clock (the system clock keeps its microseconds; Kafka's Time has milliseconds). */
    Instant now() {
        return time == Time.SYSTEM ? Instant.now() : Instant.ofEpochMilli(time.milliseconds());
    }

    boolean stopping() {
        return stopping;
    }

    /** Runs {@code action} on every {@link #stop} (to end the processes the parts started). */
    void onStop(Runnable action) {
        onStop.add(action);
    }

    /** Thread-safe and idempotent. */
    void stop() {
        stopping = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        onStop.forEach(Runnable::run);
    }

    /** Records the first fatal problem and stops. */
    void fatal(String message) {
        synchronized (lock) {
            if (fatal == null) {
                fatal = message;
            }
        }
        stop();
    }

    String fatal() {
        return fatal;
    }

    /** Waits up to {@code nanos} on the clock for {@link #stop}; whether it came. */
    boolean awaitStop(long nanos) throws InterruptedException {
        long deadline = time.milliseconds() + TimeUnit.NANOSECONDS.toMillis(nanos + 999_999);
        try {
            time.waitObject(lock, () -> stopping, deadline);
            return true;
        } catch (TimeoutException e) {
            return stopping;
        }
    }

    /** Waits for {@link #stop} however long it takes. */
    void awaitStop() throws InterruptedException {
        synchronized (lock) {
            while (!stopping) {
                lock.wait();
            }
        }
    }

    /** A warning, logged the first time only (a failing tool is not repeated every interval). */
    void logOnce(String message) {
        if (logged.add(message)) {
            LOG.warn("{}", message);
        }
    }

    /** A piece of work on a background thread of the collector. */
    interface Task {
        void run() throws Exception;
    }

    /**
     * Runs a background task the collector's way: a {@link CollectorException}
     * stops it (fatal), an interrupt is kept for the thread, any other problem is logged once (as
     * {@code problem} words it) and the collector goes on.
     */
    void guarded(Task task, Function<Exception, String> problem) {
        try {
            task.run();
        } catch (CollectorException e) {
            fatal(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            logOnce(problem.apply(e));
        }
    }
}
