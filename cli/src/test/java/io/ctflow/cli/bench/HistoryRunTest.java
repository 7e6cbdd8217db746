package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryRunTest {
    private static final long SECOND = 1_000_000_000L;

    /** A window of {@code events} in one second of wall time whose stream thread ran {@code cpuSeconds}. */
    private static StreamsRound.Window window(long events, double cpuSeconds) {
        return new StreamsRound.Window(events, SECOND, (long) (cpuSeconds * SECOND), 0, SECOND, new long[NativeThreadCpu.Kind.values().length]);
    }

    @Test
    void eachWindowIsDividedByTheMeanOfThePassThroughsStretchesBeforeAndAfterIt() {
        // the machine slowed by half for the second window: the app's per-CPU rate and the pass-through's fell alike
        HistoryRun.Result r = new HistoryRun.Result(
                List.of(window(100_000, 1.0), window(50_000, 1.0), window(100_000, 1.0)),
                List.of(window(400_000, 1.0), window(200_000, 1.0), window(200_000, 1.0), window(400_000, 1.0)),
                0, 200_000, 100_000, 200_000, 400_000, 83_333);
        List<Double> relative = r.relative();
        assertEquals(3, relative.size());
        assertEquals(100_000 / 300_000.0, relative.get(0), 1e-12);
        assertEquals(50_000 / 200_000.0, relative.get(1), 1e-12);
        assertEquals(100_000 / 300_000.0, relative.get(2), 1e-12);
        assertEquals(100_000.0, r.startRate(), 1e-9);
        assertEquals(100_000.0, r.endRate(), 1e-9);
    }

    @Test
    void aRunWithoutWindowsHasNoStartOrEnd() {
        HistoryRun.Result r = new HistoryRun.Result(List.of(), List.of(window(1_000, 1.0)), 0, 0, 1_000, 1_000, 0, Double.NaN);
        assertNull(r.start());
        assertEquals(Double.NaN, r.endRate());
        assertEquals(List.of(), r.relative());
    }
}
