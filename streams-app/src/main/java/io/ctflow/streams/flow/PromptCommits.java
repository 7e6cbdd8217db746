package io.ctflow.streams.flow;

import io.ctflow.streams.state.CommitHook;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Makes a new anomaly visible soon. Under exactly-once a read_committed consumer sees a record only
 * once its transaction commits, which Kafka Streams does every {@code commit.interval.ms}: an anomaly
 * waited up to that long after it came out. After an anomaly, this asks Streams for a commit
 * ({@link ProcessorContext#commit()}) on the next wall-clock tick of {@code within}; so while
 * anomalies come out the task commits at most every {@code within}, and no more often than usual when
 * none do. What is output does not change, only when it becomes visible.
 *
 * <p>Only while the app is live: when the anomaly's event time is more than {@link #LIVE_MICROS}
 * behind the wall clock (a replay, a catch-up after downtime, an app that cannot keep up), its
 * latency is the backlog's, and commits more frequent than commit.interval.ms would only slow the
 * catch-up: commits every 20 ms cost a quarter of the throughput of a saturated app with 3 % unreplied connections
 * (BENCHMARKS.md).
 */
final class PromptCommits implements CommitHook.Listener {
    /**
     * How far behind the wall clock an event may be while the app counts as live: the collector's
     * linger (20 ms), transport and a poll; a node whose clock is further behind gets the regular
     * commits. Tight, so that an app starting to fall behind stops adding commits early.
     */
    static final long LIVE_MICROS = 100_000;

    private final Duration within;
    private final LongSupplier wallMicros;
    private ProcessorContext<?, ?> ctx;
    // An anomaly came out since the last commit; reset in init() and by every commit.
    private boolean pending;

    /** {@code within} zero: off (anomalies wait for the regular commit). */
    PromptCommits(Duration within) {
        this(within, () -> System.currentTimeMillis() * 1000);
    }

    PromptCommits(Duration within, LongSupplier wallMicros) {
        this.within = within;
        this.wallMicros = wallMicros;
    }

    void init(ProcessorContext<?, ?> context) {
        this.ctx = context;
        this.pending = false;
        if (!within.isZero()) {
            context.schedule(within, PunctuationType.WALL_CLOCK_TIME, now -> {
                if (pending) {
                    ctx.commit();
                }
            });
        }
    }

    /** An anomaly came out while the app's event time was {@code eventMicros}. */
    void anomalyOut(long eventMicros) {
        if (!pending && wallMicros.getAsLong() - eventMicros <= LIVE_MICROS) {
            pending = true;
        }
    }

    @Override
    public void beforeCommit() {
        pending = false;
    }

    @Override
    public void discard() {
        pending = false;
    }
}
