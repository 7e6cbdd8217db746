package io.ctflow.cli.bench;

/**
 * One measured figure next to its baseline from the same run.
 *
 * @param name     what was measured
 * @param rate     the figure (events/s, bytes, ms... see {@code unit})
 * @param baseline the baseline's value in the same unit, or NaN when there is none
 * @param unit     "/s", "B", "ms"
 * @param goal     the project's goal, in words ("ratio >= 0.7"), or empty
 * @param settings how it was measured (workload, partitions, threads, rounds...)
 */
public record Figure(String name, double rate, double baseline, String unit, String goal, String settings) {
    /** rate / baseline, NaN without a baseline. */
    public double ratio() {
        return Double.isNaN(baseline) || baseline == 0 ? Double.NaN : rate / baseline;
    }
}
