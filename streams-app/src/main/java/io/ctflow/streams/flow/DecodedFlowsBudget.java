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
     * The default of {@code flow.decoded-memory}: a quarter of the JVM's max heap, so the set grows
     * with the heap an operator gives the app. Holding every open flow decoded is what lifts the
     * production regime above half the pass-through (×1.1–1.35 over 64 MiB, BENCHMARKS.md, seventh to
     * tenth rounds), at ~2 × 370 B per open flow: a 1 GiB heap (the Kubernetes manifest's) gives
     * 256 MiB, every one of ~360 k open flows. It was the default once before and went back to 64 MiB
     * because a saturated instance drained its backlog slower with it; since finished flows leave the
     * set once written it drains as fast or faster (tenth round).
     */
    public static final String DEFAULT = "25%";
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
