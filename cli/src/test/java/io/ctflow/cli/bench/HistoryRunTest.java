package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryRunTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void theSeriesTimesEveryWholeWindowFromTheFirstAndLeavesOutOneTheRunNeverFinished() {
        StreamsRound.Timeline t = new StreamsRound.Timeline();
        // commits of 500 events: a second each up to offset 2,000, then two seconds each
        long at = 0;
        for (long committed = 0; committed <= 3_500; committed += 500) {
            t.add(at, committed, at / 2, at / 10, at, new long[] {at / 4, at / 20, 0});
            at += committed < 2_000 ? SECOND : 2 * SECOND;
        }
        List<StreamsRound.Window> series = HistoryRun.series(t, 1_000, 5_000, 1_000);
        assertEquals(2, series.size()); // 1,000-2,000 and 2,000-3,000; 3,000-4,000 and 4,000-5,000 were never reached
        assertEquals(500.0, series.get(0).rate(), 1e-9);
        assertEquals(250.0, series.get(1).rate(), 1e-9);
        assertEquals(1_000.0, series.get(0).perStreamCpuSecond(), 1e-9); // the stream thread ran half the wall time
        assertEquals(0.1, series.get(1).cleanerCores(), 1e-9);
        assertEquals(1.0, series.get(1).processCores(), 1e-9);
        assertEquals(0.25, series.get(1).cores(NativeThreadCpu.Kind.GC), 1e-9);
        assertEquals(0.05, series.get(1).cores(NativeThreadCpu.Kind.ROCKSDB), 1e-9);
        assertEquals(0.0, series.get(1).cores(NativeThreadCpu.Kind.JIT), 1e-9);
    }

    @Test
    void aWindowLongerThanTheStretchGivesNoSeries() {
        StreamsRound.Timeline t = new StreamsRound.Timeline();
        t.add(0, 0, 0, 0);
        t.add(SECOND, 1_000, 0, 0);
        assertEquals(List.of(), HistoryRun.series(t, 0, 999, 1_000));
    }
}
