package io.ctflow.cli.bench;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ParseException;
import io.ctflow.flow.FlowKey;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.flow.FlowKeySerde;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import io.ctflow.schemas.registry.server.RegistryServer;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.AppSerdes;
import io.ctflow.streams.CtflowTopology;
import io.ctflow.streams.StoreNames;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ctflow bench}: the performance figures of BENCHMARKS.md, each next to a baseline measured
 * in the same process (the machines are noisy; ratios travel, absolute numbers less so).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the collector's parse+serialize rate, the streams app's events/s on one thread and its state per flow,",
                "each with a baseline from the same run. Prints a Markdown table (paste into BENCHMARKS.md)."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--events", description = "Events per collector measurement (default ${DEFAULT-VALUE}).")
    int events = 1_000_000;
    @Option(names = "--flows", description = "Flows for the streams measurement, 3 events each (default ${DEFAULT-VALUE}).")
    int flows = 50_000;
    @Option(names = "--only", description = "Run one part: collector, streams or state (default: all).")
    String only = "all";
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A streams app setting for the measurement (e.g. commit.interval.ms=500), repeatable.")
    Map<String, String> set = new java.util.HashMap<>();
    @Option(names = "--rounds", description = "Timed rounds per measurement after one warm-up; the best is kept (default ${DEFAULT-VALUE}).")
    int rounds = 3;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        if (events < 1000 || flows < 1000 || rounds < 1) {
            throw new IllegalArgumentException("--events and --flows must be at least 1000, --rounds at least 1");
        }
        try (RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            Map<String, String> settings = new java.util.HashMap<>(set);
            settings.put("schema.registry.url", registry.url());
            settings.put("events.partitions", "1");
            AppConfig config = AppConfig.of(settings);
            AppSerdes serdes = AppSerdes.create(config.kafka());
            out.println("| measurement | rate | baseline (same run) | ratio |");
            out.println("| --- | --- | --- | --- |");
            if (only.equals("all") || only.equals("collector")) {
                collector(serdes);
            }
            if (only.equals("all") || only.equals("streams")) {
                double[] streams = streamsRates(config, serdes);
                row("streams app: events/s, one stream thread, exactly-once, embedded broker", streams[0],
                        "same events, no-op topology", streams[1]);
            }
            if (only.equals("all") || only.equals("state")) {
                long[] state = statePerFlow(config, serdes);
                out.printf("| streams app: state per open flow (key + value, serialized) | %d B | deadline index entry | %d B |%n",
                        state[0], state[1]);
            }
        }
        return 0;
    }

    private void collector(AppSerdes serdes) throws Exception {
        {
            List<String> lines = syntheticLines(events);
            double split = best(() -> splitBaseline(lines)) ;
            double parse = best(() -> parseOnly(lines));
            row("collector: parse conntrack -E lines", parse, "String.split of the same lines", split);
            Serializer<ConntrackEvent> ser = serdes.events().serializer();
            List<ConntrackEvent> parsed = parseAll(lines);
            double serOnly = best(() -> serializeOnly(parsed, ser));
            double both = best(() -> parseAndSerialize(lines, ser));
            row("collector: parse + key + Confluent-wire Avro", both, "serialize only", serOnly);
        }
    }

    private void row(String what, double rate, String baseline, double base) {
        out.printf("| %s | %,.0f /s | %s: %,.0f /s | %.2f |%n", what, rate, baseline, base, rate / base);
    }

    private interface Work {
        long run() throws Exception;
    }

    /** Best events/s of the timed rounds after one warm-up round. */
    private double best(Work w) throws Exception {
        w.run();
        double best = 0;
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            long n = w.run();
            double rate = n / ((System.nanoTime() - t0) / 1e9);
            best = Math.max(best, rate);
        }
        return best;
    }

    /** Real capture lines with the client port varied, so every line is another flow. */
    static List<String> syntheticLines(int n) throws Exception {
        List<String> base = new ArrayList<>();
        for (String l : new String(BenchCommand.class.getResourceAsStream("/captures/bridge-off/events-node1.txt").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                base.add(l);
            }
        }
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String l = base.get(i % base.size());
            int port = 1024 + (i / base.size()) % 60000;
            out.add(l.replace("sport=49502", "sport=" + port).replace("dport=49502", "dport=" + port));
        }
        return out;
    }

    private static long splitBaseline(List<String> lines) {
        long sink = 0;
        for (String l : lines) {
            sink += l.split(" ").length;
        }
        return sink > 0 ? lines.size() : 0;
    }

    private static long parseOnly(List<String> lines) throws ParseException {
        ConntrackLineParser p = new ConntrackLineParser("node1", false);
        Instant t = Instant.EPOCH;
        long seq = 0;
        for (String l : lines) {
            p.parse(l, t, ++seq);
        }
        return lines.size();
    }

    private static List<ConntrackEvent> parseAll(List<String> lines) throws ParseException {
        ConntrackLineParser p = new ConntrackLineParser("node1", false);
        List<ConntrackEvent> out = new ArrayList<>(lines.size());
        long seq = 0;
        for (String l : lines) {
            out.add(p.parse(l, Instant.EPOCH, ++seq));
        }
        return out;
    }

    private static long serializeOnly(List<ConntrackEvent> events, Serializer<ConntrackEvent> ser) {
        long bytes = 0;
        for (ConntrackEvent e : events) {
            bytes += ser.serialize("ctflow.events", e).length;
        }
        return bytes > 0 ? events.size() : 0;
    }

    private static long parseAndSerialize(List<String> lines, Serializer<ConntrackEvent> ser) throws ParseException {
        ConntrackLineParser p = new ConntrackLineParser("node1", false);
        long seq = 0;
        long bytes = 0;
        for (String l : lines) {
            ConntrackEvent e = p.parse(l, Instant.EPOCH, ++seq);
            bytes += FlowKey.of(e).rawBytes().length + ser.serialize("ctflow.events", e).length;
        }
        return bytes > 0 ? lines.size() : 0;
    }

    /** NEW (unreplied), UPDATE (replied), DESTROY per flow: the healthy path that dominates real traffic. */
    private List<ConntrackEvent> flowEvents(int n) throws ParseException {
        List<ConntrackEvent> out = new ArrayList<>(3 * n);
        ConntrackLineParser p = new ConntrackLineParser("node1", false);
        long t0 = 1_700_000_000L;
        for (int i = 0; i < n; i++) {
            String client = "10.244." + (1 + i / 60000 % 200) + "." + (2 + i % 250);
            int port = 1024 + i % 60000;
            String tuple = " src=" + client + " dst=10.96.0.10 sport=" + port + " dport=80";
            String reply = " src=10.244.1.3 dst=" + client + " sport=8080 dport=" + port;
            long us = i * 20L; // 50k new flows per second of event time
            String ts = String.format("[%d.%06d]\t", t0 + us / 1_000_000, us % 1_000_000);
            out.add(p.parse(ts + "    [NEW] ipv4     2 tcp      6 120 SYN_SENT" + tuple + " [UNREPLIED]" + reply + " id=1", Instant.EPOCH, 1));
            out.add(p.parse(ts + " [UPDATE] ipv4     2 tcp      6 60 SYN_RECV" + tuple + reply + " id=1", Instant.EPOCH, 2));
            out.add(p.parse(ts + "[DESTROY] ipv4     2 tcp      6 SYN_RECV" + tuple + reply + " id=1", Instant.EPOCH, 3));
        }
        return out;
    }

    /**
     * Events/s of one stream thread of the real app (exactly-once, RocksDB) on the embedded broker:
     * the events are loaded first, then the time from the app's start to its committed offset
     * reaching the end is measured. The baseline is a no-op topology over the same topic.
     */
    private double[] streamsRates(AppConfig base, AppSerdes serdes) throws Exception {
        List<ConntrackEvent> evs = flowEvents(flows);
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start()) {
            kafka.createTopics(base.topics().all(1, (short) 1));
            Map<String, Object> pp = new java.util.HashMap<>();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            pp.put(ProducerConfig.LINGER_MS_CONFIG, 20);
            pp.put(ProducerConfig.BATCH_SIZE_CONFIG, 262144);
            try (KafkaProducer<FlowKey, ConntrackEvent> producer = new KafkaProducer<>(pp, new FlowKeySerde().serializer(), serdes.events().serializer())) {
                for (ConntrackEvent e : evs) {
                    producer.send(new ProducerRecord<>(base.topics().events(), null, e.getTimestamp().toEpochMilli(), FlowKey.of(e), e));
                }
                producer.flush();
            }
            double noop = 0;
            double app = 0;
            for (int round = 0; round <= rounds; round++) { // round 0 warms up
                noop = Math.max(noop, round == 0 ? 0 : runApp(kafka, base, serdes, true, evs.size(), round));
                double a = runApp(kafka, base, serdes, false, evs.size(), round);
                app = Math.max(app, round == 0 ? 0 : a);
            }
            return new double[] {app, noop};
        }
    }

    private double runApp(EmbeddedKafka kafka, AppConfig base, AppSerdes serdes, boolean noop, long n, int round) throws Exception {
        String appId = "ctflow-bench-" + (noop ? "noop-" : "app-") + round;
        Path dir = Files.createTempDirectory("ctflow-bench");
        Properties p = new Properties();
        p.putAll(base.kafka());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Topology t = noop ? noopTopology(base, serdes) : CtflowTopology.build(base, serdes);
        TopicPartition tp = new TopicPartition(base.topics().events(), 0);
        try (KafkaStreams streams = new KafkaStreams(t, p);
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            streams.start();
            long deadline = System.nanoTime() + 180_000_000_000L;
            // Timed from the first committed tenth to the end, so the app's startup is not counted.
            long t1 = 0;
            long o1 = 0;
            while (System.nanoTime() < deadline) {
                var offsets = admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
                var om = offsets.get(tp);
                long now = System.nanoTime();
                if (om != null && t1 == 0 && om.offset() >= n / 10) {
                    t1 = now;
                    o1 = om.offset();
                }
                if (om != null && om.offset() >= n && t1 != 0 && om.offset() > o1) {
                    return (om.offset() - o1) / ((now - t1) / 1e9);
                }
                if (System.getenv("CTFLOW_BENCH_DEBUG") != null) { System.err.println("offset " + (om == null ? null : om.offset()) + " of " + n + " state " + streams.state()); }
                Thread.sleep(20); // polling the committed offset, bounded by the deadline above
            }
            throw new IllegalStateException("the app did not catch up within 3 minutes");
        } finally {
            deleteTree(dir);
        }
    }

    private static Topology noopTopology(AppConfig config, AppSerdes serdes) {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(config.topics().events(), Consumed.with(serdes.flowKey(), serdes.events())).foreach((k, v) -> { });
        return b.build();
    }

    /** Serialized bytes per open flow in the flows store, and per deadline-index entry. */
    private long[] statePerFlow(AppConfig config, AppSerdes serdes) throws Exception {
        List<ConntrackEvent> evs = flowEvents(Math.min(flows, 20_000));
        Path dir = Files.createTempDirectory("ctflow-bench");
        try (TopologyTestDriver d = new TopologyTestDriver(CtflowTopology.build(config, serdes), props(dir))) {
            TestInputTopic<FlowKey, ConntrackEvent> in = d.createInputTopic(config.topics().events(),
                    new FlowKeySerde().serializer(), serdes.events().serializer());
            for (int i = 0; i < evs.size(); i += 3) { // NEW + UPDATE: open, replied flows
                in.pipeInput(FlowKey.of(evs.get(i)), evs.get(i), evs.get(i).getTimestamp());
                in.pipeInput(FlowKey.of(evs.get(i + 1)), evs.get(i + 1), evs.get(i + 1).getTimestamp());
            }
            KeyValueStore<FlowKey, FlowState> flowsStore = d.getKeyValueStore(StoreNames.FLOWS);
            long bytes = 0;
            long n = 0;
            try (KeyValueIterator<FlowKey, FlowState> it = flowsStore.all()) {
                while (it.hasNext()) {
                    KeyValue<FlowKey, FlowState> kv = it.next();
                    bytes += kv.key.rawBytes().length + serdes.flowState().serializer().serialize("x", kv.value).length;
                    n++;
                }
            }
            // Timers live in memory (rebuilt from the flows' deadlines on restore): no stored bytes of their own.
            return new long[] {bytes / Math.max(1, n), 0};
        } finally {
            deleteTree(dir);
        }
    }

    private static Properties props(Path dir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "ctflow-bench");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        return p;
    }

    private static void deleteTree(Path dir) {
        io.ctflow.cli.EmbeddedStack.deleteTree(dir);
    }
}
