package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StreamsRoundTimelineTest {
    private static final long S = 1_000_000_000L;

    @Test
    void theRateBetweenTwoOffsetsIsTimedByTheCommitsAroundThem() {
        StreamsRound.Timeline t = new StreamsRound.Timeline();
        t.add(0, 0);
        t.add(S / 2, 0); // no new commit: not a sample
        t.add(S, 1_000);
        t.add(2 * S, 3_000);
        t.add(4 * S, 5_000);
        assertEquals(S, t.reached(500));
        assertEquals(S, t.reached(1_000));
        assertEquals(4 * S, t.reached(5_000));
        assertEquals(-1, t.reached(5_001));
        assertEquals(2_000.0, t.rateBetween(1_000, 3_000), 1e-9); // 2,000 events in 1 s
        assertEquals(4_000 / 3.0, t.rateBetween(1_000, 5_000), 1e-9);
        assertTrue(Double.isNaN(t.rateBetween(1_000, 6_000)), "never reached");
        assertEquals(2_000.0, t.rateBetween(1_500, 2_000), 1e-9, "both in one commit: timed by the commits around it");
        assertEquals(1_000.0, t.rateBetween(0, 1_000), 1e-9);
    }

    @Test
    void eventsPerCpuSecondIsNoFigureWithoutEventsOrCpu() {
        assertEquals(4_000.0, StreamsRound.perCpuSecond(2_000, S / 2), 1e-9);
        // a round the first poll already saw committed whole: no events after the first commit is no figure, not 0
        assertTrue(Double.isNaN(StreamsRound.perCpuSecond(0, S)));
        assertTrue(Double.isNaN(StreamsRound.perCpuSecond(2_000, 0)));
    }

    @Test
    void aWindowCarriesTheCpuTheStreamThreadsAndTheLogCleanerUsedInIt() {
        StreamsRound.Timeline t = new StreamsRound.Timeline();
        t.add(0, 0, -1, 0); // before the first commit: stream threads not known yet
        t.add(S, 1_000, 100_000_000L, 10_000_000L);
        t.add(3 * S, 5_000, 1_100_000_000L, 510_000_000L);
        StreamsRound.Window w = t.between(1_000, 5_000);
        assertEquals(4_000, w.events());
        assertEquals(2_000.0, w.rate(), 1e-9);
        assertEquals(4_000.0, w.perStreamCpuSecond(), 1e-9, "4,000 events in 1 s of stream-thread CPU");
        assertEquals(0.25, w.cleanerCores(), 1e-9, "0.5 s of cleaner CPU in 2 s");
        assertTrue(Double.isNaN(t.between(0, 1_000).perStreamCpuSecond()), "from before the threads were known: not known");
        assertEquals(null, t.between(1_000, 6_000), "never reached");
    }
}
