package io.ctflow.cli;

import io.ctflow.collector.capture.Capture;
import io.ctflow.config.UsageException;
import io.ctflow.schemas.Topics;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.StoreNames;
import io.ctflow.streams.StreamsRunner;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ctflow demo}: the whole product in one process on the embedded default — a real KRaft
 * broker, the registry, the streams app — fed by a replay of a real kernel capture, with the
 * results shown as they come.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run ctflow end to end on this machine: an embedded Kafka broker and schema registry, the streams app,",
                "and a replay of a real conntrack capture (default: the shipped bridge-off capture, the seed's failure).",
                "Without --once it keeps running (Kafka on --kafka-port, registry on --registry-port) until Ctrl-C."})
public final class DemoCommand implements Callable<Integer> {
    private static final long QUIET_NANOS = 1_000_000_000L;
    @Option(names = "--capture", paramLabel = "DIR|SCENARIO",
            description = "Capture directory, or a shipped one: bridge-off (default), bridge-on, hairpin, bridge-off-nft "
                    + "(bridge-off with kube-proxy in nftables mode).")
    String capture = "bridge-off";
    @Mixin
    EmbeddedPorts ports = new EmbeddedPorts();
    @Mixin
    EmbeddedPorts.Http http = new EmbeddedPorts.Http();
    @Option(names = "--once", description = "Exit 0 as soon as the capture's results are complete.")
    boolean once;
    @Option(names = "--json-out", paramLabel = "FILE", description = "Also write every anomaly and Service-stats record as JSON lines.")
    Path jsonOut;
    @Option(names = "--timeout", description = "With --once: give up after this long (default ${DEFAULT-VALUE}).")
    String timeout = "120s";

    /** How its lines start: {@code ctflow demo}, or the command that runs it ({@code ctflow lab}). */
    private final String name;
    private final PrintStream out;
    private final PrintStream err;
    /** Counted down to stop a run without --once (Ctrl-C does it through a shutdown hook). */
    final CountDownLatch stop = new CountDownLatch(1);

    public DemoCommand() {
        this("ctflow demo", System.out, System.err);
    }

    /** A demo whose lines name {@code name} and go to these streams (for commands that run it). */
    public DemoCommand(String name, PrintStream out, PrintStream err) {
        this.name = name;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        Path dir = resolveCapture(capture);
        Capture cap = Capture.open(dir);
        // A malformed facts, NAT or stats file is one clear line before the stack starts.
        cap.facts();
        cap.services();
        cap.stats();
        Duration limit = io.ctflow.config.Settings.parseDuration("--timeout", timeout);
        err.printf("%s: starting embedded Kafka on %d and the schema registry on %d ...%n", name, ports.kafkaPort(), ports.registryPort());
        try (EmbeddedStack stack = EmbeddedStack.start("ctflow-demo", ports.kafkaPort(), ports.registryPort(), http.httpPort());
             ResultsView view = new ResultsView(out, jsonOut)) {
            AppConfig config = stack.config;
            String api = "http://127.0.0.1:" + stack.app.httpPort();
            if (!once) {
                err.printf("%s: web page %s/%n", name, api);
            }
            err.printf("%s: streams app up, HTTP API on %s; replaying %s (%s)%n", name, api,
                    dir.endsWith(capture) ? dir.getFileName() : capture, nodeList(cap.nodes())); // a shipped one by its name, not its temp dir
            DemoReplay.Replayed replayed = DemoReplay.replay(cap, stack.kafka.bootstrapServers(), stack.registry.url(), config);
            err.printf("%s: replayed %s%n", name, replayed.summary());
            Instant last = replayed.end();
            Instant target = windowEndAfter(last.plus(config.maxReplyTimeout()).plus(config.grace()), config.window());
            long deadline = System.nanoTime() + limit.toNanos();
            boolean complete = false;
            long processedAt = -1;
            long lastOutputAt = System.nanoTime();
            if (!once) {
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "ctflow-demo-stop"));
            }
            while (stop.getCount() > 0) {
                var polled = stack.results.poll(Duration.ofMillis(200));
                if (!polled.isEmpty()) {
                    lastOutputAt = System.nanoTime();
                }
                view.show(polled);
                if (processedAt < 0 && processedPast(stack.app, target)) {
                    processedAt = System.nanoTime();
                }
                // Every window is closed in the app's stores; its results reach read_committed readers with
                // the next commit (every 100 ms). Done when no transaction is open, this reader is at the
                // end, and nothing new came for 1 s after the stores said so (ten commit intervals).
                long settledSince = Math.max(processedAt, lastOutputAt);
                if (!complete && processedAt >= 0 && System.nanoTime() - settledSince > QUIET_NANOS
                        && caughtUp(stack.kafka.bootstrapServers(), stack.results, config.topics())) {
                    complete = true;
                    view.flush();
                    err.printf("%n%s: results complete: %d anomalies, %d Service-stats records%n", name, view.anomalies, view.stats);
                    if (once) {
                        return 0;
                    }
                    err.println(name + ": still running (Kafka " + stack.kafka.bootstrapServers() + ", registry "
                            + stack.registry.url() + ", web page and API " + api + "/); Ctrl-C to stop");
                }
                if (once && System.nanoTime() > deadline) {
                    err.println(name + ": results not complete after " + timeout);
                    return 1;
                }
            }
            return 0;
        }
    }

    /** The nodes by name, or their count and the first and last ones for a fleet. */
    static String nodeList(List<String> nodes) {
        return nodes.size() <= 8 ? String.join(", ", nodes)
                : nodes.size() + " nodes: " + String.join(", ", nodes.subList(0, 3)) + " ... " + nodes.get(nodes.size() - 1);
    }

    static Path resolveCapture(String capture) {
        if (ShippedCaptures.SCENARIOS.contains(capture) && !Files.isDirectory(Path.of(capture))) {
            return ShippedCaptures.unpack(capture);
        }
        Path p = Path.of(capture);
        if (!Files.isDirectory(p)) {
            throw new UsageException("capture '" + capture + "' is neither a directory nor a shipped capture ("
                    + String.join(", ", ShippedCaptures.SCENARIOS) + ")");
        }
        return p;
    }

    static Instant windowEndAfter(Instant t, Duration window) {
        long w = window.toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), w) * w + w);
    }

    /** Every stats task has closed its windows up to {@code target}: all results exist (maybe not yet committed). */
    private static boolean processedPast(StreamsRunner app, Instant target) {
        long targetMicros = target.toEpochMilli() * 1000;
        try {
            int n = app.partitions();
            for (int p = 0; p < n; p++) {
                ReadOnlyKeyValueStore<Integer, Long> s = app.streams().store(StoreQueryParameters
                        .fromNameAndType(StoreNames.STATS_WATERMARKS, QueryableStoreTypes.<Integer, Long>keyValueStore()).withPartition(p));
                Long closed = s.get(-1);
                if (closed == null || closed < targetMicros) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false; // stores not ready (rebalancing)
        }
    }

    /** No open transaction on the output topics and this consumer has read all of it. */
    private static boolean caughtUp(String bootstrap, KafkaConsumer<String, Object> c, Topics topics) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Map<TopicPartition, OffsetSpec> req = new HashMap<>();
            for (String t : List.of(topics.anomalies(), topics.serviceStats())) {
                admin.describeTopics(List.of(t)).allTopicNames().get().get(t).partitions()
                        .forEach(p -> req.put(new TopicPartition(t, p.partition()), OffsetSpec.latest()));
            }
            var hw = admin.listOffsets(req, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get();
            var lso = admin.listOffsets(req, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            for (TopicPartition tp : req.keySet()) {
                if (hw.get(tp).offset() != lso.get(tp).offset()) {
                    return false;
                }
                if (!c.assignment().contains(tp) || c.position(tp) < lso.get(tp).offset()) {
                    return false;
                }
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
