package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrendTest {
    @Test
    void aLineThroughEveryPointIsReadAnywhere() {
        Trend t = Trend.of(List.of(100.0, 90.0, 80.0, 70.0), Double::doubleValue);
        assertEquals(100.0, t.at(0), 1e-9);
        assertEquals(70.0, t.at(3), 1e-9);
        assertEquals(65.0, t.at(3.5), 1e-9); // between and beyond the windows, on the same line
    }

    @Test
    void oneLowWindowAtTheEndMovesTheLineLessThanItMovesTwoSingleWindows() {
        // 13 windows of a flat rate and a dip in the last: single windows say 0.8, the line 0.92
        List<Double> series = List.of(100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 80.0);
        Trend t = Trend.of(series, Double::doubleValue);
        assertEquals(0.8, series.get(12) / series.get(0), 1e-9);
        assertEquals(-20.0 * (12 - 6) / 182, t.slope(), 1e-9); // through the mean, 98.46 at window 6
        assertEquals(102.418, t.at(0), 1e-3);
        assertEquals(94.505, t.at(12), 1e-3);
    }

    @Test
    void twoWindowsAreTheTwoWindowsAndNumbersOnlyCount() {
        Trend two = Trend.of(List.of(120.0, 90.0), Double::doubleValue);
        assertEquals(120.0, two.at(0), 1e-9);
        assertEquals(90.0, two.at(1), 1e-9);
        // a window without a CPU figure is left out, and the line is still read at the first and the last index
        Trend gap = Trend.of(List.of(100.0, Double.NaN, 80.0), Double::doubleValue);
        assertEquals(100.0, gap.at(0), 1e-9);
        assertEquals(80.0, gap.at(2), 1e-9);
        assertTrue(Double.isNaN(Trend.of(List.of(100.0), Double::doubleValue).at(0)));
        assertTrue(Double.isNaN(Trend.of(List.of(Double.NaN, 5.0), Double::doubleValue).at(1)));
    }
}
