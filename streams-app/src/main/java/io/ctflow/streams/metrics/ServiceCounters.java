package io.ctflow.streams.metrics;

import io.ctflow.avro.ServiceStats;
import io.ctflow.streams.stats.LatencyHistogram;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Per Service connection counters and the setup-latency histogram, summed over the windows the
 * stats tasks of this instance closed.
 *
 * <p>Exactly-once: a window is added only when it starts at or after the end of the last one added
 * for its Service. Windows of a Service close in order, and a task revived after an aborted
 * transaction closes the same windows again with the same content, so they are skipped and nothing
 * is counted twice. (A window lost by an abort is closed again by the revived task and counted then.)
 *
 * <p>Bounded: at most {@value #MAX_SERVICES} Services; windows of further ones go to
 * {@value #OVERFLOW} (not deduplicated: many Services' windows interleave there). Histogram buckets are fixed ({@link #BOUNDS_SECONDS}); a window's latencies
 * come as {@link LatencyHistogram} buckets (at most ~3 % wide) and each is placed by its lower
 * bound, the sum too, so the sum and the bucket edges may be a few percent low.
 */
public final class ServiceCounters {
    static final int MAX_SERVICES = 5_000;
    static final String OVERFLOW = "_other";
    static final double[] BOUNDS_SECONDS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
        Double.POSITIVE_INFINITY};

    /** One Service's totals; guarded by itself. */
    static final class Totals {
        long countedUntil = Long.MIN_VALUE; // end (epoch micros) of the last window added
        long newFlows;
        long replied;
        long unreplied;
        final Map<String, Long> incomplete = new TreeMap<>();
        final long[] latencyCounts = new long[BOUNDS_SECONDS.length];
        double latencySumSeconds;
    }

    private final Map<String, Totals> services = new ConcurrentHashMap<>();

    /** Adds a closed window unless it was added already (see the class comment). */
    public void windowClosed(String service, ServiceStats s, Map<String, Long> latencyBuckets) {
        if (service == null || s == null) {
            return;
        }
        String label = services.containsKey(service) || services.size() < MAX_SERVICES ? service : OVERFLOW;
        Totals t = services.computeIfAbsent(label, x -> new Totals());
        long start = micros(s.getWindowStart());
        long end = micros(s.getWindowEnd());
        synchronized (t) {
            if (!label.equals(OVERFLOW)) {
                if (start < t.countedUntil) {
                    return; // closed again by a revived task: counted already
                }
                t.countedUntil = end;
            }
            t.newFlows += s.getNewFlows();
            t.replied += s.getReplied();
            t.unreplied += s.getUnreplied();
            s.getIncompleteNat().forEach((cause, n) -> t.incomplete.merge(cause, n, Long::sum));
            if (latencyBuckets != null) {
                latencyBuckets.forEach((bucket, n) -> {
                    double seconds = LatencyHistogram.lowerBound(Integer.parseInt(bucket)) / 1e6;
                    t.latencyCounts[boundIndex(seconds)] += n;
                    t.latencySumSeconds += seconds * n;
                });
            }
        }
    }

    /** Index of the first bound at or above {@code seconds}. */
    static int boundIndex(double seconds) {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            if (seconds <= BOUNDS_SECONDS[i]) {
                return i;
            }
        }
        return BOUNDS_SECONDS.length - 1;
    }

    /** Visits a copy of every Service's totals, Services in name order. */
    void forEach(BiConsumer<String, Totals> visit) {
        new TreeMap<>(services).forEach((name, t) -> {
            Totals copy = new Totals();
            synchronized (t) {
                copy.newFlows = t.newFlows;
                copy.replied = t.replied;
                copy.unreplied = t.unreplied;
                copy.incomplete.putAll(t.incomplete);
                System.arraycopy(t.latencyCounts, 0, copy.latencyCounts, 0, t.latencyCounts.length);
                copy.latencySumSeconds = t.latencySumSeconds;
            }
            visit.accept(name, copy);
        });
    }

    private static long micros(java.time.Instant i) {
        return i.getEpochSecond() * 1_000_000 + i.getNano() / 1000;
    }
}
