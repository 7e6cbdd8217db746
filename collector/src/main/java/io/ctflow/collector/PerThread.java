package io.ctflow.collector;

import java.util.function.Supplier;

/**
 * One value per thread, like {@link ThreadLocal}, with a field read instead of a thread-local map
 * look-up for the first thread that asks: the thread the collector reads and publishes on. That
 * look-up probes the thread's map, which on a thread with many thread-locals (Kafka's, the JDK's)
 * showed as a tenth of the collector's caller thread. Other threads get their own value from a
 * {@link ThreadLocal}. Thread-safe.
 */
public final class PerThread<T> {
    private final Supplier<? extends T> initial;
    private final ThreadLocal<T> others;
    private volatile Thread owner;
    private T ownerValue; // written before owner is published, then read only by owner

    public PerThread(Supplier<? extends T> initial) {
        this.initial = initial;
        this.others = ThreadLocal.withInitial(initial);
    }

    /** The calling thread's value. */
    public T get() {
        Thread t = Thread.currentThread();
        if (owner == t) {
            return ownerValue;
        }
        if (owner == null) {
            synchronized (this) {
                if (owner == null) {
                    ownerValue = initial.get();
                    owner = t;
                    return ownerValue;
                }
            }
        }
        return others.get();
    }
}
