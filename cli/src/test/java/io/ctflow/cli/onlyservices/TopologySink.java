package io.ctflow.cli.onlyservices;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.ServiceStats;
import io.ctflow.collector.parse.ServiceKeys;
import io.ctflow.collector.publish.Sink;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.FlowKeySerde;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.AppSerdes;
import io.ctflow.streams.CtflowTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The collector's records straight into the streams app's own topology (a TopologyTestDriver with
 * one events partition and a real registry server): what a replay sends is what the app reads.
 */
public final class TopologySink implements Sink, AutoCloseable {
    private final RegistryServer registry;
    private final Path stateDir;
    private final TopologyTestDriver driver;
    private final TestInputTopic<FlowKey, ConntrackEvent> events;
    private final TestInputTopic<String, ServiceEntry> services;
    private final TestInputTopic<String, NodeFacts> facts;
    private final TestInputTopic<String, NodeStats> stats;
    private final TestOutputTopic<String, NatAnomaly> anomalies;
    private final TestOutputTopic<String, ServiceStats> serviceStats;

    TopologySink() throws IOException {
        this(Map.of());
    }

    /** With these streams app settings over the defaults. */
    public TopologySink(Map<String, String> settings) throws IOException {
        registry = RegistryServer.start("127.0.0.1", 0);
        Map<String, String> s = new java.util.HashMap<>(settings);
        s.put("schema.registry.url", registry.url());
        s.put("events.partitions", "1");
        AppConfig config = AppConfig.of(s);
        AppSerdes serdes = AppSerdes.create(config.kafka());
        stateDir = Files.createTempDirectory("ctflow-only-services");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "ctflow-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(CtflowTopology.build(config, serdes), p);
        var t = config.topics();
        events = driver.createInputTopic(t.events(), new FlowKeySerde().serializer(), serdes.events().serializer());
        services = driver.createInputTopic(t.services(), Serdes.String().serializer(), serdes.services().serializer());
        facts = driver.createInputTopic(t.nodeFacts(), Serdes.String().serializer(), serdes.nodeFacts().serializer());
        stats = driver.createInputTopic(t.nodeStats(), Serdes.String().serializer(), serdes.nodeStats().serializer());
        anomalies = driver.createOutputTopic(t.anomalies(), Serdes.String().deserializer(), serdes.anomalies().deserializer());
        serviceStats = driver.createOutputTopic(t.serviceStats(), Serdes.String().deserializer(), serdes.serviceStats().deserializer());
    }

    /** Lets the wall clock run for {@code ticks} steps of {@code step}, each running the wall-clock punctuators and a commit. */
    public void wallClock(int ticks, java.time.Duration step) {
        for (int i = 0; i < ticks; i++) {
            driver.advanceWallClockTime(step);
        }
    }

    /** The anomaly records the app wrote, as key=value lines in output order. */
    public List<String> anomalies() {
        return anomalies.readKeyValuesToList().stream().map(kv -> kv.key + "=" + kv.value).toList();
    }

    /** The Service-stats records the app wrote, as key=value lines in output order. */
    public List<String> serviceStats() {
        return serviceStats.readKeyValuesToList().stream().map(kv -> kv.key + "=" + kv.value).toList();
    }

    /** The Service-stats records the app wrote, in output order (their key is their Service). */
    public List<ServiceStats> serviceStatsRecords() {
        return serviceStats.readKeyValuesToList().stream().map(kv -> kv.value).toList();
    }

    @Override
    public void event(ConntrackEvent e) {
        events.pipeInput(FlowKey.of(e), e, e.getTimestamp());
    }

    @Override
    public void deadLetter(DeadLetter d) {
        throw new AssertionError("dead letter: " + d);
    }

    @Override
    public boolean facts(NodeFacts f) {
        facts.pipeInput(f.getNode(), f, f.getTimestamp());
        return true;
    }

    @Override
    public int services(String scope, List<ServiceEntry> entries, Instant readAt) {
        entries.forEach(s -> services.pipeInput(ServiceKeys.key(s), s, s.getTimestamp()));
        return entries.size();
    }

    @Override
    public void stats(NodeStats s) {
        stats.pipeInput(s.getNode(), s, s.getTimestamp());
    }

    @Override
    public int marker(EventType type, String node, Instant time, long sequence) {
        events.pipeInput((FlowKey) null, Sink.markerEvent(type, node, time, sequence), time); // the one partition
        return 1;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() throws IOException {
        driver.close();
        registry.close();
        try (Stream<Path> s = Files.walk(stateDir)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
