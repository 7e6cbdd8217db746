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
 * tombstones, changelog compaction): one long run of the production regime on one partition, and
 * the rate of the first {@code window} events once the run is in its steady state against the rate
 * of the last {@code window} events of it, after at least {@code history} events. The steady state
 * starts when the first finished flows expire (a lifetime, then {@code flow.linger} and the grace
 * after the first NEW): from then on every connection costs the same work, its five events and the
 * quiet delete of its flow. Before, the deletes are missing, a quarter of the writes (BENCHMARKS.md,
 * thirteenth round: a window starting at the first DESTROY made the same code look 0.74× as fast
 * at the end). Both windows see the same open flows and the same mix, so only the history differs.
 */
final class HistoryRun {
    /**
     * The app's windows from the first in its steady state to the last before the peak ends (each
     * {@code window} events or a commit more), the pass-through's stretches around them (one before
     * the first window, one after each, of {@code stretch} events or a commit more), where the first and the last window start in the input (offsets), how many
     * events the input had, and the windows' rate (their events over their time).
     */
    record Result(List<StreamsRound.Window> series, List<StreamsRound.Window> baselines, long startFrom, long endFrom, long window,
                  long stretch, long records, double rate) {
        StreamsRound.Window start() {
            return series.isEmpty() ? null : series.get(0);
        }

        StreamsRound.Window end() {
            return series.isEmpty() ? null : series.get(series.size() - 1);
        }

        double startRate() {
            return start() == null ? Double.NaN : start().rate();
        }

        double endRate() {
            return end() == null ? Double.NaN : end().rate();
        }

        /**
         * Each window's events per CPU second of the stream thread over the pass-through's in the
         * stretches just before and just after it (their mean): what is left of the app's own rate
         * once what the machine gave in those minutes is divided out.
         */
        List<Double> relative() {
            List<Double> out = new ArrayList<>();
            for (int i = 0; i < series.size(); i++) {
                double around = (baselines.get(i).perStreamCpuSecond() + baselines.get(i + 1).perStreamCpuSecond()) / 2;
                out.add(series.get(i).perStreamCpuSecond() / around);
            }
            return out;
        }
    }

    /**
     * Events of each pass-through stretch: ~2 s of its stream thread, long enough that the commits
     * around it (every 100 ms) are exact to a few per cent, short enough that the app's windows are
     * not paused long (compactions and the log cleaner catch up while it is).
     */
    static final long BASELINE_EVENTS = 600_000;
    /** A stretch shorter than this would be over before the first commit that could end it. */
    static final long BASELINE_MIN_EVENTS = 50_000;

    /** Events per connection on average: 5, or 2 for the 3 % unreplied. */
    private static final double EVENTS_PER_CONNECTION = 4.91;

    private HistoryRun() {}

    /** The production regime with {@code openFlows} open at the peak, long enough that {@code history} events come before the last window. */
    static Workload workload(long openFlows, long history, long window) {
        Workload peak = Workload.production(openFlows);
        // a window more than the two: windows end a commit or two past their size, so the last one starts up to a window early
        long connections = (long) Math.ceil((history + 2 * window) / EVENTS_PER_CONNECTION) + openFlows;
        return new Workload("production", peak.nodes(), peak.services(), peak.connectionsPerSecond(), peak.lifetimeMicros(),
                peak.anomalyPercent(), connections, peak.startMicros());
    }

    /** Event time of the first quiet expiry: the working set is full and finished flows leave it as fast as new ones come. */
    static long steadyFromMicros(Workload w, Duration linger, Duration grace) {
        return w.startMicros() + w.lifetimeMicros() + (linger.toNanos() + grace.toNanos()) / 1000;
    }

    static Result run(BenchCluster cluster, AppConfig config, AppSerdes serdes, Workload w, long window, Progress progress) throws Exception {
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
        long windows = startFrom < 0 || peakEnd < 0 ? 0 : (peakEnd - startFrom) / window;
        if (windows < 2) {
            throw new IllegalArgumentException("history: the run is too short for two windows of " + window + " events in its steady state");
        }
        AppConfig baseConfig = cluster.config(config.topics().prefix() + "baseline.", 1);
        long stretch = Math.min(BASELINE_EVENTS, Math.max(BASELINE_MIN_EVENTS, window / 4));
        loadBaseline(cluster, baseConfig, w, (windows + 2) * (stretch + OVERSHOOT), progress);
        List<StreamsRound.Window> series = new ArrayList<>();
        List<StreamsRound.Window> baselines = new ArrayList<>();
        long endFrom;
        try (SteppedInstance app = SteppedInstance.start(cluster, config, CtflowTopology.build(config, serdes), "ctflow-bench-history");
             SteppedInstance base = SteppedInstance.start(cluster, baseConfig, PassThroughTopology.build(baseConfig, serdes), "ctflow-bench-history-passthrough")) {
            base.runTo(stretch, progress); // its tasks' start and its first records, not counted
            progress.say("history: the app until the steady state (%,d events), not counted", startFrom);
            app.runTo(startFrom, progress);
            startFrom = app.committed(); // a stretch ends a commit or two past its target: each window starts where the last ended
            endFrom = startFrom;
            baselines.add(baseline(base, stretch, progress));
            while (app.committed() + window <= peakEnd) {
                endFrom = app.committed();
                series.add(app.runTo(endFrom + window, progress));
                baselines.add(baseline(base, stretch, progress));
                StreamsRound.Window x = series.get(series.size() - 1);
                progress.say("history: window %d of about %d: %,.0f events/s, %,.0f per CPU second; pass-through %,.0f per CPU second",
                        series.size(), windows, x.rate(), x.perStreamCpuSecond(), baselines.get(baselines.size() - 1).perStreamCpuSecond());
            }
        }
        long events = series.stream().mapToLong(StreamsRound.Window::events).sum();
        long nanos = series.stream().mapToLong(StreamsRound.Window::nanos).sum();
        return new Result(series, baselines, startFrom, endFrom, window, stretch, records, events / (nanos / 1e9));
    }

    /** Events of the pass-through's input loaded for each stretch beyond the stretch itself: what it processes in the commit or two before it pauses. */
    private static final long OVERSHOOT = 100_000;

    private static StreamsRound.Window baseline(SteppedInstance base, long stretch, Progress progress) throws Exception {
        if (base.committed() + stretch > base.records()) {
            throw new IllegalStateException("history: the pass-through ran out of input at " + base.committed() + " of " + base.records() + " records");
        }
        return base.runTo(base.committed() + stretch, progress);
    }

    /** The pass-through's input: the same production events, a run of its own long enough for every stretch. */
    private static void loadBaseline(BenchCluster cluster, AppConfig config, Workload w, long events, Progress progress) throws Exception {
        cluster.createTopics(config, 1, PassThroughTopology.output(config));
        Workload b = new Workload("production", w.nodes(), w.services(), w.connectionsPerSecond(), w.lifetimeMicros(), w.anomalyPercent(),
                (long) Math.ceil(events / EVENTS_PER_CONNECTION) + 1_000, w.startMicros());
        progress.say("history: loading %,d events for the pass-through beside it", events);
        long loaded = cluster.load(config, b, progress);
        if (loaded < events) {
            throw new IllegalStateException("history: " + loaded + " events loaded for the pass-through, " + events + " needed");
        }
    }
}
