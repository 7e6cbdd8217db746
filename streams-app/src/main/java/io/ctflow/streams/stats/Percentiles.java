package io.ctflow.streams.stats;

import java.util.List;

/** Nearest-rank percentiles over a window's setup latencies (exact: windows are short). */
public final class Percentiles {
    private Percentiles() {}

    /** The p-th percentile (0 &lt; p &le; 100) of the samples, or null when there are none. */
    public static Long of(List<Long> samples, double p) {
        if (samples.isEmpty()) {
            return null;
        }
        long[] s = samples.stream().mapToLong(Long::longValue).sorted().toArray();
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
    }
}
