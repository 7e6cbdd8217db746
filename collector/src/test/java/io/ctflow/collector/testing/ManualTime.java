package io.ctflow.collector.testing;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.utils.Time;

/**
 * Kafka's {@link Time} moved by the test. Every {@link #waitObject} is recorded (how long it was
 * asked to wait); with {@code autoAdvance} the clock jumps to its deadline at once, else it waits
 * until {@link #advance} or its condition.
 */
public final class ManualTime implements Time {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    private final boolean autoAdvance;
    private final List<Long> waitsMs = new CopyOnWriteArrayList<>();
    private final Set<Object> monitors = ConcurrentHashMap.newKeySet();
    private final AtomicInteger waiting = new AtomicInteger();

    public ManualTime(boolean autoAdvance) {
        this.autoAdvance = autoAdvance;
    }

    @Override
    public long milliseconds() {
        return nanos.get() / 1_000_000;
    }

    @Override
    public long nanoseconds() {
        return nanos.get();
    }

    @Override
    public void sleep(long ms) {
        advance(ms);
    }

    public void advance(long ms) {
        nanos.addAndGet(ms * 1_000_000);
        for (Object m : monitors) {
            synchronized (m) {
                m.notifyAll();
            }
        }
    }

    /** The waits asked for so far, in milliseconds. */
    public List<Long> waitsMs() {
        return List.copyOf(waitsMs);
    }

    /** How many threads wait on this clock now. */
    public int waiting() {
        return waiting.get();
    }

    @Override
    public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) throws InterruptedException {
        waitsMs.add(deadlineMs - milliseconds());
        if (autoAdvance && !condition.get() && milliseconds() < deadlineMs) {
            advance(deadlineMs - milliseconds());
        }
        monitors.add(obj);
        waiting.incrementAndGet();
        try {
            synchronized (obj) {
                while (!condition.get() && milliseconds() < deadlineMs) {
                    obj.wait();
                }
            }
        } finally {
            waiting.decrementAndGet();
        }
        if (!condition.get()) {
            throw new TimeoutException("Condition not satisfied before deadline");
        }
    }
}
