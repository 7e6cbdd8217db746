package io.ctflow.streams.stats;

import java.util.Map;
import java.util.TreeMap;

/**
 * Setup latencies in a bounded log-linear histogram (exact below 64 µs, then 32 buckets per power of
 * two: at most ~3 % low), so a busy Service's window stays a few hundred bytes however many
 * connections it sees. Buckets are map entries (index as text) in the window's state.
 */
public final class LatencyHistogram {
    private LatencyHistogram() {}

    static int bucket(long micros) {
        long v = Math.max(0, micros);
        if (v < 64) {
            return (int) v;
        }
        int e = 63 - Long.numberOfLeadingZeros(v); // 6 for 64..127
        return 64 + (e - 6) * 32 + (int) ((v >>> (e - 5)) & 31);
    }

    /** The smallest latency that falls into the bucket. */
    public static long lowerBound(int bucket) {
        if (bucket < 64) {
            return bucket;
        }
        int e = (bucket - 64) / 32 + 6;
        long m = (bucket - 64) % 32;
        return (1L << e) + (m << (e - 5));
    }

    public static void add(Map<String, Long> buckets, long micros) {
        buckets.merge(Integer.toString(bucket(micros)), 1L, Long::sum);
    }

    /** Nearest-rank percentile (0 &lt; p &le; 100) as its bucket's lower bound; null when empty. */
    public static Long percentile(Map<String, Long> buckets, double p) {
        TreeMap<Integer, Long> sorted = new TreeMap<>();
        long total = 0;
        for (Map.Entry<String, Long> e : buckets.entrySet()) {
            sorted.merge(Integer.parseInt(e.getKey()), e.getValue(), Long::sum);
            total += e.getValue();
        }
        if (total == 0) {
            return null;
        }
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * total));
        long seen = 0;
        for (Map.Entry<Integer, Long> e : sorted.entrySet()) {
            seen += e.getValue();
            if (seen >= rank) {
                return lowerBound(e.getKey());
            }
        }
        return lowerBound(sorted.lastKey());
    }
}
