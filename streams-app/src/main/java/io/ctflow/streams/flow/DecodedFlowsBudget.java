package io.ctflow.streams.flow;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The heap one app instance spends on decoded flows ({@code flow.decoded-memory}), split evenly
 * among the flow-join tasks it runs at the time, as Kafka Streams splits its record cache among
 * threads: a rebalance that gives the instance more tasks shrinks each task's share, so the total
 * stays bounded whatever the partitions. Shared by the processors of one topology; thread-safe.
 */
public final class DecodedFlowsBudget {
    /**
     * The default of {@code flow.decoded-memory}, per instance: ~170,000 healthy flows (~390 B each),
     * far more than a commit interval touches at 100 k events/s, so a burst is written once, and on
     * a node with fewer open flows every one of them. A quarter of the heap (the setting takes
     * {@code 25%}) was ×1.1–1.35 faster in the production bench but slowed a saturated instance in the
     * latency harness (×0.87, ×0.94 once settled flows left the set; BENCHMARKS.md, ninth round): a
     * fixed default until repeated measurements say otherwise.
     */
    public static final String DEFAULT = "64M";
    /** Below this a task's share stops shrinking: room for a commit interval's burst. */
    public static final long MIN_PER_TASK = 1L << 20;

    private final long bytes;
    private final AtomicInteger tasks = new AtomicInteger();

    public DecodedFlowsBudget(long bytes) {
        if (bytes < MIN_PER_TASK) {
            throw new IllegalArgumentException("a decoded-flows budget needs " + MIN_PER_TASK + " bytes at least, not " + bytes);
        }
        this.bytes = bytes;
    }

    void join() {
        tasks.incrementAndGet();
    }

    void leave() {
        tasks.decrementAndGet();
    }

    /** A task's share now: the budget over the tasks that use it (at least {@link #MIN_PER_TASK}). */
    long perTask() {
        return Math.max(MIN_PER_TASK, bytes / Math.max(1, tasks.get()));
    }

    int tasks() {
        return tasks.get();
    }
}
