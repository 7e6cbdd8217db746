package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryRowsTest {
    private static final long SECOND = 1_000_000_000L;

    /** A run of two windows of 1,000 events, the first in a second, the last in {@code 1 / ratio} seconds; the stream thread ran the whole time. */
    private static HistoryRows.Lines run(int k, double ratio) {
        long[] none = new long[NativeThreadCpu.Kind.values().length];
        StreamsRound.Window first = new StreamsRound.Window(1_000, SECOND, SECOND, 0, SECOND, none);
        long nanos = (long) (SECOND / ratio);
        StreamsRound.Window last = new StreamsRound.Window(1_000, nanos, nanos, 0, nanos, none);
        return HistoryRows.Lines.of(k, new HistoryRun.Result(first, last, 0, 1_000, 1_000, 5_000, 1_000, List.of(first, last)));
    }

    @Test
    void aRunsRatioIsItsLineAtTheLastWindowOverItsLineAtTheFirst() {
        HistoryRows.Lines l = run(1, 0.8);
        assertEquals(1.0, l.endAt(), 1e-12);
        assertEquals(0.8, l.wallRatio(), 1e-9);
        assertEquals(0.8, l.cpuRatio(), 1e-9);
    }

    @Test
    void theRowsShowTheRunWithTheMedianRatio() {
        List<HistoryRows.Lines> runs = List.of(run(1, 1.39), run(2, 0.87), run(3, 1.06));
        assertEquals(3, HistoryRows.median(runs, HistoryRows.Lines::wallRatio).run());
        assertEquals("the run with the median ratio of 3 (each a fresh app instance from offset 0 over the same loaded input): 1.39, 0.87, 1.06",
                HistoryRows.ofRuns(runs, HistoryRows.Lines::wallRatio));
    }

    @Test
    void ofAnEvenCountTheLowerMiddleOneSoTheRowErrsTowardDecay() {
        assertEquals(2, HistoryRows.median(List.of(run(1, 1.2), run(2, 0.9), run(3, 0.8), run(4, 1.0)), HistoryRows.Lines::wallRatio).run());
        assertEquals(1, HistoryRows.median(List.of(run(1, 1.2)), HistoryRows.Lines::wallRatio).run());
    }

    @Test
    void aRunWithoutANumberCountsLast() {
        List<HistoryRows.Lines> runs = List.of(run(1, 1.1), run(2, 0.9), run(3, 1.0));
        assertEquals(2, HistoryRows.median(runs, l -> l.run() == 3 ? Double.NaN : l.wallRatio()).run());
    }
}
