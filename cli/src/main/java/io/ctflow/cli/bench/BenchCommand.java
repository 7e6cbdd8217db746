package io.ctflow.cli.bench;

import io.ctflow.process.ShutdownSignal;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.AppSerdes;
import io.ctflow.streams.CtflowTopology;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ctflow bench}: the figures of BENCHMARKS.md, each next to a baseline measured in the same
 * run (the machines are noisy; ratios travel, absolute numbers less so). The streams figures run
 * the real app as a {@link org.apache.kafka.streams.KafkaStreams} instance against the embedded
 * broker and registry on input loaded before it starts.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure the streams app (events/s in the production and a small regime, after a long history, thread scaling, anomaly latency,",
                "state per flow) and the collector (whole path, serde), each next to a baseline from the same run.",
                "Prints a Markdown table on stdout (--json: one JSON object per figure); progress on stderr."})
public final class BenchCommand implements Callable<Integer> {
    static final Set<String> PARTS = Set.of("all", "production", "small", "history", "scaling", "latency", "state", "collector", "serde");

    @Option(names = "--only", paramLabel = "PART", description = "Run one part: production, small, history, scaling, latency, state, collector or serde (default: all).")
    String only = "all";
    @Option(names = "--open-flows", description = "Flows open at the peak of the production workload (default ${DEFAULT-VALUE}; 1000000 is the production goal, ~10 M events).")
    long openFlows = 200_000;
    @Option(names = "--small-open-flows", description = "Flows open at a time in the small workload, which fits the record cache (default ${DEFAULT-VALUE}).")
    long smallOpenFlows = 1_000;
    @Option(names = "--history-events", description = "Events the history part processes before its last window (default ${DEFAULT-VALUE}: about ten minutes on 2 cores).")
    long historyEvents = 40_000_000;
    // The broker's log cleaner shares the cores and cleans in bursts ~15 s apart (log.cleaner.backoff.ms):
    // a window of 1 M events (~8 s) held a burst or not, which moved the ratio by +-25 % (BENCHMARKS.md,
    // twenty-second and twenty-third rounds). 3 M events (~25 s) hold one or two in either window.
    @Option(names = "--history-window", description = "Events of each window of the history part: a rate is measured per window, and a line drawn through them (default ${DEFAULT-VALUE}).")
    long historyWindow = 3_000_000;
    @Option(names = "--history-runs", description = "Runs of the app over the history part's input, each from offset 0 with empty state; "
            + "its rows show the run with the median ratio (default ${DEFAULT-VALUE}: one run's line moves by more than the goal's margin from the next).")
    int historyRuns = 3;
    @Option(names = "--scaling-open-flows", description = "Open flows of the workload of the thread-scaling rows (default ${DEFAULT-VALUE}).")
    long scalingOpenFlows = 50_000;
    @Option(names = "--scaling-partitions", split = ",", description = "Partition counts of the thread-scaling rows (default ${DEFAULT-VALUE}).")
    List<Integer> scalingPartitions = new ArrayList<>(List.of(2, 4, 8));
    @Option(names = "--rounds", description = "Alternating rounds of each measurement and its baseline (default ${DEFAULT-VALUE}).")
    int rounds = 2;
    // Measured: in a fresh JVM's first app round C2 took 0.3-0.8 of the 2 cores and the app ran at
    // 64-76 k/s, then 90-99 k/s in the next rounds; the pass-through, run after it, reused the
    // compiled Kafka code. A production app runs warm for days.
    @Option(names = "--warm-up-rounds", description = "Rounds of the app and of its baseline run and not counted before the measured ones "
            + "(production, small, scaling; history without production or small before it runs the app alone): a fresh JVM compiles for 20-40 s on 2 cores (default ${DEFAULT-VALUE}).")
    int warmUpRounds = 1;
    @Option(names = {"--latency-rates", "--latency-rate"}, split = ",", paramLabel = "EVENTS_PER_S",
            description = "Events/s of the paced producer, one latency row each: a backlog that grows with the rate is saturation, a floor that does not is built-in delay (default ${DEFAULT-VALUE}).")
    List<Integer> latencyRates = new ArrayList<>(List.of(500, 2_000, 5_000, 10_000, 20_000));
    @Option(names = "--latency-seconds", description = "How long the latency row produces at each rate; the first 15 s (at most half) "
            + "warm the app up and are not counted (default ${DEFAULT-VALUE}).")
    int latencySeconds = 40;
    @Option(names = "--latency-open-flows", description = "Long-lived flows the app holds open while each latency row runs (ESTABLISHED, "
            + "sent before the paced producer starts; 1000000 is the production regime's; default ${DEFAULT-VALUE}).")
    long latencyOpenFlows = 0;
    @Option(names = "--state-flows", description = "Open flows at the peak of the state row (default ${DEFAULT-VALUE}).")
    long stateFlows = 20_000;
    @Option(names = "--collector-events", description = "Events of each collector and serde round (default ${DEFAULT-VALUE}).")
    int collectorEvents = 2_000_000;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A streams app setting for the measurement (e.g. commit.interval.ms=500), repeatable.")
    Map<String, String> set = new HashMap<>();
    @Option(names = "--json", description = "One JSON object per figure (name, rate, baseline, ratio, unit, goal, settings) instead of the table.")
    boolean json;

    private final PrintStream out;
    private final PrintStream err;
    private Progress progress;
    /** The heap the run measures in ({@link BenchHeap}), for every streams figure. */
    private String heapNote = "";

    public BenchCommand() {
        this(System.out, System.err);
    }

    /** Figures to {@code out}, progress to {@code err}. */
    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        validate();
        progress = new Progress(err);
        Report report = new Report(out, json);
        // Ctrl-C / SIGTERM: the run stops where it is and removes what it made (the broker's data and
        // the app's state, gigabytes in the temp directory) before the JVM exits, instead of leaving them.
        ShutdownSignal signal = ShutdownSignal.install("ctflow-bench-stop", Duration.ofSeconds(60), Thread.currentThread()::interrupt);
        try {
            return run(report);
        } catch (Exception e) {
            if (!signal.received()) {
                throw e;
            }
            err.println("bench: stopped; its broker data and app state are removed");
            return 143;
        } finally {
            signal.close();
        }
    }

    private int run(Report report) throws Exception {
        BenchHeap heap = BenchHeap.current();
        heapNote = String.format(Locale.ROOT, "%s; fresh memory %.1f s per GiB at first touch", heap.describe(), BenchHeap.firstTouchSecondsPerGiB());
        progress.say("%s", heapNote);
        String warning = heap.warning();
        if (warning != null) {
            err.println(warning);
        }
        try (BenchCluster cluster = BenchCluster.start(set)) {
            // The collector first: its figures are the broker's as much as its own, so a quiet broker.
            if (part("collector") || part("serde")) {
                new CollectorRows(cluster, report, progress, rounds).run(collectorEvents, part("collector"), part("serde"));
            }
            if (part("state")) {
                state(cluster, report);
            }
            if (part("production")) {
                throughput(cluster, report, Workload.production(openFlows));
            }
            if (part("small")) {
                throughput(cluster, report, Workload.small(smallOpenFlows, 2 * openFlows));
            }
            if (part("history")) {
                history(cluster, report);
            }
            if (part("scaling")) {
                scaling(cluster, report);
            }
            if (part("latency")) {
                latency(cluster, report);
            }
        }
        return 0;
    }

    void validate() {
        if (!PARTS.contains(only)) {
            throw new io.ctflow.config.UsageException("--only must be one of production, small, history, scaling, latency, state, collector, serde; got '" + only + "'");
        }
        if (historyWindow < 1000 || historyEvents < 2 * historyWindow) {
            throw new io.ctflow.config.UsageException("--history-window must be at least 1000 and --history-events at least twice the window");
        }
        if (openFlows < 100 || smallOpenFlows < 5 || scalingOpenFlows < 100 || stateFlows < 100) {
            throw new io.ctflow.config.UsageException("--open-flows, --scaling-open-flows and --state-flows must be at least 100, --small-open-flows at least 5");
        }
        if (scalingPartitions.stream().anyMatch(p -> p < 1 || p > 64)) {
            throw new io.ctflow.config.UsageException("--scaling-partitions must be between 1 and 64");
        }
        if (historyRuns < 1) {
            throw new io.ctflow.config.UsageException("--history-runs must be at least 1");
        }
        if (warmUpRounds < 0) {
            throw new io.ctflow.config.UsageException("--warm-up-rounds must be at least 0");
        }
        if (rounds < 1 || latencyRates.isEmpty() || latencyRates.stream().anyMatch(r -> r < 100) || latencySeconds < 5 || collectorEvents < 1000) {
            throw new io.ctflow.config.UsageException("--rounds must be at least 1, every --latency-rates 100, --latency-seconds 5, --collector-events 1000");
        }
        if (latencyOpenFlows < 0 || latencyOpenFlows > OpenFlows.MAX) {
            throw new io.ctflow.config.UsageException(String.format(Locale.ROOT, "--latency-open-flows must be between 0 and %,d", OpenFlows.MAX));
        }
        if (latencyOpenFlows > 0 && latencyRates.stream().anyMatch(r -> LatencyProbe.workload(r, latencySeconds).connections() > OpenFlows.FIRST_IDENTITY)) {
            throw new io.ctflow.config.UsageException(String.format(Locale.ROOT,
                    "--latency-open-flows: a latency row must send at most %,d connections (rate x seconds / 4.91)", OpenFlows.FIRST_IDENTITY));
        }
    }

    private boolean part(String name) {
        return only.equals("all") || only.equals(name);
    }

    /** App vs pass-through on the same pre-loaded input, alternating rounds, one thread, one partition. */
    private void throughput(BenchCluster cluster, Report report, Workload w) throws Exception {
        AppConfig config = cluster.config("bench-" + w.name() + ".", 1);
        cluster.createTopics(config, 1, PassThroughTopology.output(config));
        progress.say("%s: loading %,d connections (%,d open at the peak)", w.name(), w.connections(), w.openFlowsAtPeak());
        long records = cluster.load(config, w, progress);
        AppSerdes serdes = AppSerdes.create(config.kafka());
        List<Double> app = new ArrayList<>();
        List<Double> base = new ArrayList<>();
        List<Double> appCpu = new ArrayList<>();
        List<Double> baseCpu = new ArrayList<>();
        for (int r = 1; r <= warmUpRounds; r++) {
            round(cluster, config, serdes, false, w.name() + "-app-warm-up-" + r, 1);
            round(cluster, config, serdes, true, w.name() + "-passthrough-warm-up-" + r, 1);
        }
        appRan = true;
        for (int r = 1; r <= rounds; r++) {
            StreamsRound.Result a = timed(cluster, config, serdes, false, w.name() + "-app-" + r, 1);
            StreamsRound.Result b = timed(cluster, config, serdes, true, w.name() + "-passthrough-" + r, 1);
            app.add(a.rate());
            base.add(b.rate());
            appCpu.add(a.perThreadCpuSecond());
            baseCpu.add(b.perThreadCpuSecond());
        }
        String settings = describe(w, records) + "; 1 partition, 1 stream thread; " + appSettings(config) + "; " + rounds + " rounds";
        report.add(new Figure("streams app, " + w.name() + " workload: events/s (best)", Stats.best(app), Stats.best(base), "/s",
                w.name().equals("production") ? "100,000 /s per thread" : "", settings + "; baseline: pass-through topology, same serdes and guarantee" + warmedUp()));
        report.add(new Figure("streams app, " + w.name() + " workload: events/s (median)", Stats.median(app), Stats.median(base), "/s",
                "", "as above"));
        report.add(new Figure("streams app, " + w.name() + " workload: events per CPU second of the stream thread (median)",
                Stats.median(appCpu), Stats.median(baseCpu), "/s", "",
                "the stream thread's own CPU time from the first commit on: what the app's code costs per event, apart from what else the cores ran"));
    }

    private double round(BenchCluster cluster, AppConfig config, AppSerdes serdes, boolean passThrough, String name, int threads) throws Exception {
        return timed(cluster, config, serdes, passThrough, name, threads).rate();
    }

    private StreamsRound.Result timed(BenchCluster cluster, AppConfig config, AppSerdes serdes, boolean passThrough, String name, int threads) throws Exception {
        progress.say("%s: running", name);
        StreamsRound.Result r = StreamsRound.run(cluster, config,
                passThrough ? PassThroughTopology.build(config, serdes) : CtflowTopology.build(config, serdes),
                "ctflow-bench-" + name, threads, progress);
        progress.say("%s: %,.0f events/s (%,d events in %.1f s, %.2f cores; %,.0f events per CPU second of its stream threads)",
                name, r.rate(), r.records(), r.seconds(), r.cores(), r.perThreadCpuSecond());
        return r;
    }

    /** The history rows, from --history-runs runs over the same loaded input ({@link HistoryRows}). */
    private void history(BenchCluster cluster, Report report) throws Exception {
        String warm = warmUpForHistory(cluster);
        AppConfig config = cluster.config("bench-history.", 1);
        Workload w = HistoryRun.workload(openFlows, historyEvents, historyWindow);
        List<HistoryRun.Result> runs = HistoryRun.run(cluster, config, AppSerdes.create(config.kafka()), w, historyWindow, historyRuns, progress);
        HistoryRows.report(report, progress, runs, w.openFlowsAtPeak(),
                describe(w, runs.get(0).records()) + "; 1 partition, 1 stream thread; " + appSettings(config), warm);
    }

    /** Whether an app round has run in this JVM, so the JIT has compiled the app's code. */
    private boolean appRan;

    /**
     * The history run's first window is its start: timed cold (--only history), the JIT still took
     * 0.09-0.11 cores in it, against 0.00-0.04 warm, and the app ran slower, which pulled the start
     * down and the row up (BENCHMARKS.md, twenty-sixth round). So with no app round before it, it
     * runs the app first on a smaller production workload, not counted.
     */
    private String warmUpForHistory(BenchCluster cluster) throws Exception {
        if (appRan) {
            return "; after the production or small rounds in the same JVM (the JIT warm)";
        }
        if (warmUpRounds == 0) {
            return "; no warm-up (a fresh JVM)";
        }
        Workload w = Workload.production(Math.min(openFlows, HISTORY_WARM_UP_OPEN_FLOWS));
        AppConfig config = cluster.config("bench-history-warm-up.", 1);
        cluster.createTopics(config, 1);
        progress.say("history: warming the app up first (%,d connections, %,d open at the peak)", w.connections(), w.openFlowsAtPeak());
        long records = cluster.load(config, w, progress);
        AppSerdes serdes = AppSerdes.create(config.kafka());
        for (int r = 1; r <= warmUpRounds; r++) {
            round(cluster, config, serdes, false, "history-app-warm-up-" + r, 1);
        }
        appRan = true;
        return String.format(Locale.ROOT, "; after %d warm-up round(s) of the app on a production workload of %,d events, not counted", warmUpRounds, records);
    }

    /** ~4 M events, ~30 s of the app: the 20-40 s a fresh JVM compiles for on 2 cores. */
    private static final long HISTORY_WARM_UP_OPEN_FLOWS = 400_000;

    /**
     * 2 stream threads vs 1 per partition count, rounds alternating, with what limits them: the
     * cores the process used (app threads and the in-process broker; the input is loaded before,
     * so no load generator runs while timed) and the machine's load.
     */
    private void scaling(BenchCluster cluster, Report report) throws Exception {
        Workload w = Workload.production(scalingOpenFlows);
        int cores = Runtime.getRuntime().availableProcessors();
        boolean warmed = false;
        for (int partitions : scalingPartitions) {
            AppConfig config = cluster.config("bench-scaling-" + partitions + ".", partitions);
            cluster.createTopics(config, partitions);
            progress.say("scaling, %d partitions: loading", partitions);
            long records = cluster.load(config, w, progress);
            AppSerdes serdes = AppSerdes.create(config.kafka());
            List<Double> one = new ArrayList<>();
            List<Double> two = new ArrayList<>();
            List<Double> oneCores = new ArrayList<>();
            List<Double> twoCores = new ArrayList<>();
            double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            for (int r = 1; !warmed && r <= warmUpRounds; r++) { // the JIT is the JVM's: before the first row only
                timed(cluster, config, serdes, false, "scaling-" + partitions + "p-1t-warm-up-" + r, 1);
                timed(cluster, config, serdes, false, "scaling-" + partitions + "p-2t-warm-up-" + r, 2);
            }
            warmed = true;
            for (int r = 1; r <= rounds; r++) {
                StreamsRound.Result a = timed(cluster, config, serdes, false, "scaling-" + partitions + "p-1t-" + r, 1);
                one.add(a.rate());
                oneCores.add(a.cores());
                StreamsRound.Result b = timed(cluster, config, serdes, false, "scaling-" + partitions + "p-2t-" + r, 2);
                two.add(b.rate());
                twoCores.add(b.cores());
            }
            report.add(new Figure("streams app, 2 stream threads vs 1, " + partitions + " partitions: events/s (best)", Stats.best(two), Stats.best(one), "/s",
                    "ratio >= 1.6 where the cores allow it",
                    String.format(Locale.ROOT, "%s; medians %,.0f vs %,.0f; %d rounds alternating; limit: %d cores for the app's threads and the broker "
                                    + "(one JVM; input loaded before, no load generator while timed): the process used %.2f cores with 1 thread, %.2f with 2 "
                                    + "(medians); machine load average %.1f at the start (other work); %s",
                            describe(w, records), Stats.median(two), Stats.median(one), rounds, cores, Stats.median(oneCores), Stats.median(twoCores),
                            load, appSettings(config)) + warmedUp()));
        }
    }

    private String warmedUp() {
        return warmUpRounds == 0 ? "; no warm-up (a fresh JVM)" : "; after " + warmUpRounds + " warm-up round(s) of each, not counted";
    }

    static String latencyFigure(int rate, long openFlows) {
        return String.format(Locale.ROOT, "anomaly latency beyond reply timeout + grace at %,d events/s%s (p99, as a read_committed consumer sees it)", rate,
                openFlows == 0 ? "" : String.format(Locale.ROOT, " with %,d open flows", openFlows));
    }

    private void latency(BenchCluster cluster, Report report) throws Exception {
        for (int rate : latencyRates) {
            AppConfig config = cluster.config("bench-latency-" + rate + ".", 1);
            cluster.createTopics(config, 1);
            Workload w = LatencyProbe.workload(rate, latencySeconds);
            progress.say("latency: the app runs while %,d events/s are produced for %d s%s", rate, latencySeconds,
                    latencyOpenFlows == 0 ? "" : String.format(Locale.ROOT, ", %,d long-lived flows open", latencyOpenFlows));
            LatencyProbe.Result r = LatencyProbe.run(cluster, config, AppSerdes.create(config.kafka()), w, latencyOpenFlows, "ctflow-bench-latency-" + rate,
                    progress);
            if (r.excessMs().isEmpty()) {
                throw new io.ctflow.config.UsageException("latency: no unreplied connection was counted; raise --latency-seconds");
            }
            long wait = config.tcpReplyTimeout().plus(config.grace()).toMillis();
            double p99 = LatencyProbe.Result.percentile(r.visibleMs(), 99);
            String capacity = Double.isNaN(r.drainRate()) ? "kept up (less than a second of input left when the producer stopped)"
                    : String.format(Locale.ROOT, "saturated: drained its backlog at %,.0f events/s once the producer stopped", r.drainRate());
            progress.say("latency at %,d/s: p50 %.0f ms, p99 %.0f ms (append time: p50 %.0f, p99 %.0f); backlog max %,d, mean %,.0f records; app %s",
                    rate, LatencyProbe.Result.percentile(r.visibleMs(), 50), p99, r.percentile(50), r.percentile(99), r.maxBacklog(), r.meanBacklog(), capacity);
            report.add(new Figure(latencyFigure(rate, latencyOpenFlows), p99, Double.NaN, "ms", rate == 20_000 ? "<= 250 ms" : "",
                    String.format(Locale.ROOT, "p50 %.0f ms, max %.0f ms; by the anomaly's broker append time: p50 %.0f ms, p99 %.0f ms; over %d anomalies, "
                                    + "%d of them missing at the end (counted at that time); app input backlog sampled every 500 ms: max %,d, mean %,.0f records; app %s; "
                                    + "%,d events/s asked, %,.0f/s sent (%,d connections/s, 3 %% unreplied); receive (or append) time of the anomaly - send time "
                                    + "of its NEW - %d ms (timeout + grace); NEWs of the first max(4 s, min(15 s, half)) of %d s not counted (warm-up); %s%s",
                            LatencyProbe.Result.percentile(r.visibleMs(), 50), LatencyProbe.Result.percentile(r.visibleMs(), 100),
                            r.percentile(50), r.percentile(99), r.expected(), r.missing(), r.maxBacklog(), r.meanBacklog(), capacity,
                            rate, r.sentPerSecond(), w.connectionsPerSecond(), wait, latencySeconds,
                            latencyOpenFlows == 0 ? "" : String.format(Locale.ROOT, "%,d long-lived flows open all along (ESTABLISHED, sent before at %,d "
                                    + "connections/s of event time and taken in by the app before the paced producer started); ",
                                    latencyOpenFlows, OpenFlows.RATE),
                            appSettings(config))));
        }
    }

    static final String STATE_FIGURE = "streams app: state per open flow (flows store, serialized key + value)";
    static final String DECODED_FIGURE = "streams app: heap per decoded flow (flow.decoded-memory's set, key + state objects)";

    private void state(BenchCluster cluster, Report report) throws Exception {
        AppConfig config = cluster.config("bench-state.", 1);
        Workload w = Workload.production(stateFlows);
        progress.say("state: the app runs over the production workload up to its peak (%,d open flows)", w.openFlowsAtPeak());
        StatePerFlow.Result r = StatePerFlow.measure(cluster, config, AppSerdes.create(config.kafka()), w, progress);
        report.add(new Figure(STATE_FIGURE, r.bytesPerFlow(), Double.NaN, "B",
                "<= 300 B", String.format(Locale.ROOT, "production workload at its peak: %,d flows; the real app (KafkaStreams, embedded broker), "
                                + "flows store read by interactive query, key + value serialized with the app's serdes; timers live in memory (no stored bytes); %s",
                        r.flows(), appSettings(config))));
        report.add(new Figure(DECODED_FIGURE, r.decodedBytesPerFlow(), Double.NaN, "B",
                "-", String.format(Locale.ROOT, "the same flows decoded with the app's serdes, %,d copies, live heap after a full GC with and "
                                + "without them; the set adds its hash-map entry and slot (~80 B by object layout); flow.decoded-memory "
                                + "(default: a quarter of the max heap, %,d MiB in this JVM) / (that + 80 B) = healthy flows kept",
                        r.decodedCopies(), AppConfig.of(Map.of()).flowDecodedMemory() >> 20)));
    }


    private static String describe(Workload w, long records) {
        return String.format(Locale.ROOT, "%s workload: %d nodes, %d Services, %,d connections/s, %,d open flows at the peak, %d %% unreplied, %,d events incl. heartbeats",
                w.name(), w.nodes(), w.services(), w.connectionsPerSecond(), w.openFlowsAtPeak(), w.anomalyPercent(), records);
    }

    private String appSettings(AppConfig config) {
        Map<String, Object> k = config.kafka();
        return k.get("processing.guarantee") + ", commit.interval.ms=" + k.get("commit.interval.ms")
                + ", statestore.cache.max.bytes=" + k.getOrDefault("statestore.cache.max.bytes", "10485760 (default)")
                + ", anomaly.commit-within=" + config.anomalyCommitWithin().toMillis() + " ms"
                + String.format(Locale.ROOT, ", flow.decoded-memory=%,d MiB (max heap %,d MiB)",
                        config.flowDecodedMemory() >> 20, Runtime.getRuntime().maxMemory() >> 20)
                + "; " + heapNote;
    }
}
