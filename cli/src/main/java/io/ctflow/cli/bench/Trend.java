package io.ctflow.cli.bench;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The least-squares line through a series of equally spaced measurements (window {@code i} at
 * {@code x = i}), to be read where the row's windows start and end. The history row compares its
 * start with its end this way rather than by two single windows: a window's rate on these 2 shared
 * cores moves by 7–16 % (coefficient of variation) from one 3 M-event window to the next, in
 * stretches of tens of seconds, so two single windows gave end/start ratios from 0.73 to 1.33 on
 * the same code (BENCHMARKS.md, twenty-sixth round).
 * The line uses every window in between and still answers the row's question: does the rate fall
 * as history builds up.
 */
record Trend(double intercept, double slope) {
    /** NaN when fewer than two of the values are numbers. */
    static <T> Trend of(List<T> series, ToDoubleFunction<T> value) {
        int n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < series.size(); i++) {
            double y = value.applyAsDouble(series.get(i));
            if (Double.isNaN(y) || Double.isInfinite(y)) {
                continue;
            }
            n++;
            sx += i;
            sy += y;
            sxx += (double) i * i;
            sxy += i * y;
        }
        double d = n * sxx - sx * sx;
        if (n < 2 || d == 0) {
            return new Trend(Double.NaN, Double.NaN);
        }
        double slope = (n * sxy - sx * sy) / d;
        double intercept = (sy - slope * sx) / n;
        return new Trend(intercept, slope);
    }

    /** The line's value at {@code x}, in windows from the first. */
    double at(double x) {
        return intercept + slope * x;
    }
}
