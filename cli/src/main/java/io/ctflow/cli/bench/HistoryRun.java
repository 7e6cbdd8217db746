package io.ctflow.cli.bench;

import io.ctflow.collector.publish.Publisher;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.AppSerdes;
import io.ctflow.streams.CtflowTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the app slows down as history builds up (fired timers, deleted flows and their
 * tombstones, changelog compaction): long runs of the production regime on one partition, each
 * cut into windows of {@code window} events from the first once the run is in its steady state to
 * the last, after at least {@code history} events ({@link HistoryRows} compares them). The steady state
 * starts when the first finished flows expire (a lifetime, then {@code flow.linger} and the grace
 * after the first NEW): from then on every connection costs the same work, its five events and the
 * quiet delete of its flow. Before, the deletes are missing, a quarter of the writes (BENCHMARKS.md,
 * thirteenth round: a window starting at the first DESTROY made the same code look 0.74× as fast
 * at the end). Every window sees the same open flows and the same mix, so only the history differs.
 */
final class HistoryRun {
    /**
     * The two windows (rates, and the CPU the stream thread and the broker's log cleaner used in
     * them), where they start in the input (offsets), how many events the whole run had, and the
     * whole run's rate.
     */
    record Result(StreamsRound.Window start, StreamsRound.Window end, long startFrom, long endFrom, long window, long records, double rate,
                  List<StreamsRound.Window> series) {
        double startRate() {
            return start == null ? Double.NaN : start.rate();
        }

        double endRate() {
            return end == null ? Double.NaN : end.rate();
        }
    }

    /** Events per connection on average: 5, or 2 for the 3 % unreplied. */
    private static final double EVENTS_PER_CONNECTION = 4.91;

    private HistoryRun() {}

    /** The production regime with {@code openFlows} open at the peak, long enough that {@code history} events come before the last window. */
    static Workload workload(long openFlows, long history, long window) {
        Workload peak = Workload.production(openFlows);
        long connections = (long) Math.ceil((history + window) / EVENTS_PER_CONNECTION) + openFlows;
        return new Workload("production", peak.nodes(), peak.services(), peak.connectionsPerSecond(), peak.lifetimeMicros(),
                peak.anomalyPercent(), connections, peak.startMicros());
    }

    /** Event time of the first quiet expiry: the working set is full and finished flows leave it as fast as new ones come. */
    static long steadyFromMicros(Workload w, Duration linger, Duration grace) {
        return w.startMicros() + w.lifetimeMicros() + (linger.toNanos() + grace.toNanos()) / 1000;
    }

    /**
     * Loads the workload once and runs the app over it {@code runs} times, each a fresh instance from
     * offset 0 with empty state: one run's line moves by more than the row's goal from the next run
     * (BENCHMARKS.md, twenty-sixth round), so the row takes the median of several.
     */
    static List<Result> run(BenchCluster cluster, AppConfig config, AppSerdes serdes, Workload w, long window, int runs,
                            Progress progress) throws Exception {
        if (config.eventsPartitions() != 1) {
            throw new IllegalArgumentException("the history run reads input offsets as event order: one partition");
        }
        cluster.createTopics(config, 1);
        long peakFrom = steadyFromMicros(w, config.flowLinger(), config.grace());
        long peakUntil = w.newAt(w.connections() - 1); // the last NEW: from here on, it drains
        long startFrom = -1;
        long peakEnd = -1;
        long n = 0;
        progress.say("history: loading %,d connections (%,d open at the peak)", w.connections(), w.openFlowsAtPeak());
        try (Publisher pub = cluster.publisher(config)) {
            BenchCluster.publishTopology(pub, w);
            WorkloadEvents events = new WorkloadEvents(w);
            while (events.hasNext()) {
                var e = events.next();
                long at = events.step().micros;
                if (startFrom < 0 && at >= peakFrom) {
                    startFrom = n; // one partition, one record per send: the send count is the offset
                }
                if (peakEnd < 0 && at > peakUntil) {
                    peakEnd = n;
                }
                BenchCluster.send(pub, e);
                if (++n % 1_000_000 == 0) {
                    progress.say("history: loaded %,d events", n);
                }
            }
            pub.flush();
        }
        long records = cluster.endOffsets(config.topics().events());
        if (records != n) {
            throw new IllegalStateException("history: " + n + " events sent, " + records + " in the topic");
        }
        long endFrom = peakEnd - window;
        if (startFrom < 0 || peakEnd < 0 || endFrom < startFrom + window) {
            throw new IllegalArgumentException("history: the run is too short for two windows of " + window + " events in its steady state");
        }
        List<Result> out = new ArrayList<>();
        for (int k = 1; k <= runs; k++) {
            progress.say("history: run %d of %d", k, runs);
            StreamsRound.Result r = StreamsRound.run(cluster, config, CtflowTopology.build(config, serdes), "ctflow-bench-history-" + k, 1, progress);
            out.add(new Result(r.timeline().between(startFrom, startFrom + window), r.timeline().between(endFrom, peakEnd),
                    startFrom, endFrom, window, records, r.rate(), series(r.timeline(), startFrom, peakEnd, window)));
        }
        return out;
    }

    /**
     * Every whole window of {@code window} events from {@code from} on, up to {@code to}: the trend
     * between the two windows the figure compares. Two points cannot tell a rate that keeps falling
     * from one that stepped down once, as when the broker's log cleaner reaches the flows changelog
     * after the first window (BENCHMARKS.md, twenty-fifth round). A window the run never finished is left out.
     */
    static List<StreamsRound.Window> series(StreamsRound.Timeline t, long from, long to, long window) {
        List<StreamsRound.Window> out = new ArrayList<>();
        for (long a = from; a + window <= to; a += window) {
            StreamsRound.Window w = t.between(a, a + window);
            if (w != null) {
                out.add(w);
            }
        }
        return out;
    }
}
