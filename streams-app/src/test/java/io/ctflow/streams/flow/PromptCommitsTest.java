package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.junit.jupiter.api.Test;

class PromptCommitsTest {
    static final long NOW = 1_795_711_600_000_000L;

    @Test
    void aCommitIsAskedForOnTheTickAfterAnAnomalyAndNotAgainOnceOneCame() {
        MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>();
        PromptCommits commits = new PromptCommits(Duration.ofMillis(20), () -> NOW);
        commits.init(ctx);
        assertEquals(1, ctx.scheduledPunctuators().size());
        CapturedPunctuator tick = ctx.scheduledPunctuators().get(0);
        assertEquals(Duration.ofMillis(20), tick.getInterval());
        assertEquals(PunctuationType.WALL_CLOCK_TIME, tick.getType());

        tick.getPunctuator().punctuate(1);
        assertFalse(ctx.committed(), "no anomaly: the regular commit interval applies");

        commits.anomalyOut(NOW - 30_000);
        commits.anomalyOut(NOW - 30_000);
        tick.getPunctuator().punctuate(2);
        assertTrue(ctx.committed());
        ctx.resetCommit();
        tick.getPunctuator().punctuate(3);
        assertTrue(ctx.committed(), "asked again until the commit comes");
        ctx.resetCommit();

        commits.beforeCommit(); // the commit
        tick.getPunctuator().punctuate(4);
        assertFalse(ctx.committed());

        commits.anomalyOut(NOW - 30_000);
        commits.discard(); // the transaction was aborted: its anomalies are gone
        tick.getPunctuator().punctuate(5);
        assertFalse(ctx.committed());

        commits.anomalyOut(NOW - 30_000);
        commits.init(ctx); // a revived task starts with nothing pending
        ctx.scheduledPunctuators().get(1).getPunctuator().punctuate(6);
        assertFalse(ctx.committed());
    }

    @Test
    void notWhileTheAppIsBehindTheWallClock() {
        MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>();
        PromptCommits commits = new PromptCommits(Duration.ofMillis(20), () -> NOW);
        commits.init(ctx);
        commits.anomalyOut(NOW - PromptCommits.LIVE_MICROS - 1); // a replay, a catch-up: the regular commit will do
        ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(1);
        assertFalse(ctx.committed());
        commits.anomalyOut(NOW - PromptCommits.LIVE_MICROS);
        ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(2);
        assertTrue(ctx.committed(), "live (a second behind at most)");
        ctx.resetCommit();
        commits.beforeCommit();
        commits.anomalyOut(NOW + 5_000_000); // a node clock ahead of ours: live too
        ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(3);
        assertTrue(ctx.committed());
    }

    @Test
    void zeroIsOff() {
        MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>();
        PromptCommits commits = new PromptCommits(Duration.ZERO);
        commits.init(ctx);
        commits.anomalyOut(NOW - 30_000);
        assertEquals(0, ctx.scheduledPunctuators().size());
    }
}
