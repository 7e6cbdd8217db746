package io.ctflow.streams.flow;

import io.ctflow.streams.state.CommitHook;
import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Makes a new anomaly visible soon. Under exactly-once a read_committed consumer sees a record only
 * once its transaction commits, which Kafka Streams does every {@code commit.interval.ms}: an anomaly
 * waited up to that long after it came out. After an anomaly, this asks Streams for a commit
 * ({@link ProcessorContext#commit()}) on the next wall-clock tick of {@code within}; so while
 * anomalies come out the task commits at most every {@code within}, and no more often than usual when
 * none do. What is output does not change, only when it becomes visible.
 */
final class PromptCommits implements CommitHook.Listener {
    private final Duration within;
    private ProcessorContext<?, ?> ctx;
    // An anomaly came out since the last commit; reset in init() and by every commit.
    private boolean pending;

    /** {@code within} zero: off (anomalies wait for the regular commit). */
    PromptCommits(Duration within) {
        this.within = within;
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

    void anomalyOut() {
        pending = true;
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
