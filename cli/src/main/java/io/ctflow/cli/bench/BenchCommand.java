package io.ctflow.cli.bench;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.AppSerdes;
import io.ctflow.streams.CtflowTopology;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.common.serialization.Serializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ctflow bench}: the figures of BENCHMARKS.md, each next to a baseline measured in the same
 * run (the machines are noisy; ratios travel, absolute numbers less so). The streams figures run
 * the real app as a {@link org.apache.kafka.streams.KafkaStreams} instance against the embedded
 * broker and registry on input loaded before it starts.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure the streams app (events/s in the production and a small regime, thread scaling, anomaly latency,",
                "state per flow) and the collector (whole path, serde), each next to a baseline from the same run.",
                "Prints a Markdown table on stdout (--json: one JSON object per figure); progress on stderr."})
public final class BenchCommand implements Callable<Integer> {
    static final Set<String> PARTS = Set.of("all", "production", "small", "scaling", "latency", "state", "collector", "serde");

    @Option(names = "--only", paramLabel = "PART", description = "Run one part: production, small, scaling, latency, state, collector or serde (default: all).")
    String only = "all";
    @Option(names = "--open-flows", description = "Flows open at the peak of the production workload (default ${DEFAULT-VALUE}; 1000000 is the production goal, ~10 M events).")
    long openFlows = 200_000;
    @Option(names = "--small-open-flows", description = "Flows open at a time in the small workload, which fits the record cache (default ${DEFAULT-VALUE}).")
    long smallOpenFlows = 1_000;
    @Option(names = "--scaling-open-flows", description = "Open flows of the workload of the thread-scaling rows (default ${DEFAULT-VALUE}).")
    long scalingOpenFlows = 50_000;
    @Option(names = "--scaling-partitions", split = ",", description = "Partition counts of the thread-scaling rows (default ${DEFAULT-VALUE}).")
    List<Integer> scalingPartitions = new ArrayList<>(List.of(2, 4, 8));
    @Option(names = "--rounds", description = "Alternating rounds of each measurement and its baseline (default ${DEFAULT-VALUE}).")
    int rounds = 2;
    @Option(names = "--latency-rate", description = "Events/s of the paced producer of the latency row (default ${DEFAULT-VALUE}).")
    int latencyRate = 20_000;
    @Option(names = "--latency-seconds", description = "How long the latency row produces (default ${DEFAULT-VALUE}).")
    int latencySeconds = 30;
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
        try (BenchCluster cluster = BenchCluster.start(set)) {
            // The collector first: its figures are the broker's as much as its own, so a quiet broker.
            if (part("collector") || part("serde")) {
                collector(cluster, report);
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
            throw new io.ctflow.config.UsageException("--only must be one of production, small, scaling, latency, state, collector, serde; got '" + only + "'");
        }
        if (openFlows < 100 || smallOpenFlows < 5 || scalingOpenFlows < 100 || stateFlows < 100) {
            throw new io.ctflow.config.UsageException("--open-flows, --scaling-open-flows and --state-flows must be at least 100, --small-open-flows at least 5");
        }
        if (scalingPartitions.stream().anyMatch(p -> p < 1 || p > 64)) {
            throw new io.ctflow.config.UsageException("--scaling-partitions must be between 1 and 64");
        }
        if (rounds < 1 || latencyRate < 100 || latencySeconds < 5 || collectorEvents < 1000) {
            throw new io.ctflow.config.UsageException("--rounds must be at least 1, --latency-rate 100, --latency-seconds 5, --collector-events 1000");
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
        for (int r = 1; r <= rounds; r++) {
            app.add(round(cluster, config, serdes, false, w.name() + "-app-" + r, 1));
            base.add(round(cluster, config, serdes, true, w.name() + "-passthrough-" + r, 1));
        }
        String settings = describe(w, records) + "; 1 partition, 1 stream thread; " + appSettings(config) + "; " + rounds + " rounds";
        report.add(new Figure("streams app, " + w.name() + " workload: events/s (best)", Stats.best(app), Stats.best(base), "/s",
                w.name().equals("production") ? "100,000 /s per thread" : "", settings + "; baseline: pass-through topology, same serdes and guarantee"));
        report.add(new Figure("streams app, " + w.name() + " workload: events/s (median)", Stats.median(app), Stats.median(base), "/s",
                "", "as above"));
    }

    private double round(BenchCluster cluster, AppConfig config, AppSerdes serdes, boolean passThrough, String name, int threads) throws Exception {
        progress.say("%s: running", name);
        StreamsRound.Result r = StreamsRound.run(cluster, config,
                passThrough ? PassThroughTopology.build(config, serdes) : CtflowTopology.build(config, serdes),
                "ctflow-bench-" + name, threads, progress);
        progress.say("%s: %,.0f events/s (%,d events in %.1f s)", name, r.rate(), r.records(), r.seconds());
        return r.rate();
    }

    private void scaling(BenchCluster cluster, Report report) throws Exception {
        Workload w = Workload.production(scalingOpenFlows);
        int cores = Runtime.getRuntime().availableProcessors();
        for (int partitions : scalingPartitions) {
            AppConfig config = cluster.config("bench-scaling-" + partitions + ".", partitions);
            cluster.createTopics(config, partitions);
            progress.say("scaling, %d partitions: loading", partitions);
            long records = cluster.load(config, w, progress);
            AppSerdes serdes = AppSerdes.create(config.kafka());
            double one = round(cluster, config, serdes, false, "scaling-" + partitions + "p-1t", 1);
            double two = round(cluster, config, serdes, false, "scaling-" + partitions + "p-2t", 2);
            report.add(new Figure("streams app, 2 stream threads vs 1, " + partitions + " partitions: events/s", two, one, "/s", "",
                    describe(w, records) + "; one round each; limited by " + cores + " cores shared by both threads, the broker and the bench"));
        }
    }

    private void latency(BenchCluster cluster, Report report) throws Exception {
        AppConfig config = cluster.config("bench-latency.", 1);
        cluster.createTopics(config, 1);
        Workload w = LatencyProbe.workload(latencyRate, latencySeconds);
        progress.say("latency: the app runs while %,d events/s are produced for %d s", latencyRate, latencySeconds);
        LatencyProbe.Result r = LatencyProbe.run(cluster, config, AppSerdes.create(config.kafka()), w, progress);
        if (r.excessMs().isEmpty()) {
            throw new io.ctflow.config.UsageException("latency: no unreplied connection was counted; raise --latency-seconds");
        }
        long wait = config.tcpReplyTimeout().plus(config.grace()).toMillis();
        report.add(new Figure("anomaly latency beyond reply timeout + grace (p99)", r.percentile(99), Double.NaN, "ms", "",
                String.format(Locale.ROOT, "p50 %.0f ms, max %.0f ms over %d anomalies, %d of them missing at the end (counted at that time); %,d events/s paced (%,d connections/s, 3 %% unreplied), "
                                + "append time of the anomaly - send time of its NEW - %d ms (timeout + grace); NEWs of the first max(4 s, 20 %%) of %d s not counted; %s",
                        r.percentile(50), r.percentile(100), r.expected(), r.missing(), latencyRate, w.connectionsPerSecond(),
                        wait, latencySeconds, appSettings(config))));
    }

    static final String STATE_FIGURE = "streams app: state per open flow (flows store, serialized key + value)";

    private void state(BenchCluster cluster, Report report) throws Exception {
        AppConfig config = cluster.config("bench-state.", 1);
        Workload w = Workload.production(stateFlows);
        progress.say("state: %,d flows into a TopologyTestDriver", w.openFlowsAtPeak());
        StatePerFlow.Result r = StatePerFlow.measure(config, AppSerdes.create(config.kafka()), w);
        report.add(new Figure(STATE_FIGURE, r.bytesPerFlow(), Double.NaN, "B",
                "<= 300 B", String.format(Locale.ROOT, "production workload at its peak: %,d flows; timers live in memory (no stored bytes); TopologyTestDriver",
                        r.flows())));
    }

    private void collector(BenchCluster cluster, Report report) throws Exception {
        AppConfig config = cluster.config("bench-collector.", 6);
        cluster.createTopics(config, 6, "bench-producer-perf");
        progress.say("collector: rendering %,d kernel lines", collectorEvents);
        List<String> lines = CollectorBench.lines(collectorEvents);
        List<ConntrackEvent> sample = CollectorBench.parse(lines.subList(0, Math.min(lines.size(), 500_000)));
        Serializer<ConntrackEvent> wire = AppSerdes.create(config.kafka()).events().serializer();
        String topic = config.topics().events();
        int size = CollectorBench.averageValueSize(sample, wire, topic);
        if (part("collector")) {
            List<Double> ours = new ArrayList<>();
            List<Double> perf = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                progress.say("collector round %d: parse + key + Avro + produce", r);
                ours.add(CollectorBench.collectorPath(cluster, config, lines));
                progress.say("collector round %d: %,.0f events/s; ProducerPerformance", r, ours.get(ours.size() - 1));
                perf.add(CollectorBench.producerPerformance(cluster, "bench-producer-perf", lines.size(), size));
                progress.say("collector round %d: ProducerPerformance %,.0f records/s", r, perf.get(perf.size() - 1));
            }
            report.add(new Figure("collector: parse + key + wire Avro + produce, acknowledged: events/s (best)", Stats.best(ours), Stats.best(perf), "/s",
                    "ratio >= 0.7", String.format(Locale.ROOT, "%,d events of %d B (+14 B key), 6 partitions; medians %,.0f vs %,.0f; "
                                    + "baseline: kafka ProducerPerformance, as many %d B records (random letters, keys of <= 6 digits); both %s; %d rounds",
                            lines.size(), size, Stats.median(ours), Stats.median(perf), size, CollectorBench.perfSettings(), rounds)));
        }
        if (part("serde")) {
            List<Double> ours = new ArrayList<>();
            List<Double> plain = new ArrayList<>();
            CollectorBench.wireSerde(sample, wire, topic); // warm-up
            CollectorBench.plainAvro(sample);
            for (int r = 1; r <= Math.max(3, rounds); r++) {
                ours.add(CollectorBench.wireSerde(sample, wire, topic));
                plain.add(CollectorBench.plainAvro(sample));
            }
            report.add(new Figure("serde: Confluent-wire Avro serializer: events/s (best)", Stats.best(ours), Stats.best(plain), "/s",
                    "ratio >= 0.9", String.format(Locale.ROOT, "%,d parsed events, %d B each on average; baseline: SpecificDatumWriter + BinaryEncoder, "
                            + "no wire header; %d rounds after a warm-up", sample.size(), size, Math.max(3, rounds))));
        }
    }

    private static String describe(Workload w, long records) {
        return String.format(Locale.ROOT, "%s workload: %d nodes, %d Services, %,d connections/s, %,d open flows at the peak, %d %% unreplied, %,d events incl. heartbeats",
                w.name(), w.nodes(), w.services(), w.connectionsPerSecond(), w.openFlowsAtPeak(), w.anomalyPercent(), records);
    }

    private static String appSettings(AppConfig config) {
        Map<String, Object> k = config.kafka();
        return k.get("processing.guarantee") + ", commit.interval.ms=" + k.get("commit.interval.ms")
                + ", statestore.cache.max.bytes=" + k.getOrDefault("statestore.cache.max.bytes", "10485760 (default)");
    }
}
