package io.ctflow.streams;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.ServiceStats;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ParseException;
import io.ctflow.collector.parse.ServiceKeys;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.FlowKeySerde;
import io.ctflow.embedded.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/** The app's own topology in a TopologyTestDriver, with a real registry server, fed like the collector feeds Kafka. */
final class TopologyFixture implements AutoCloseable {
    final RegistryServer registry;
    final AppConfig config;
    final AppSerdes serdes;
    final TopologyTestDriver driver;
    final TestInputTopic<FlowKey, ConntrackEvent> events;
    final TestInputTopic<String, ServiceEntry> services;
    final TestInputTopic<String, NodeFacts> facts;
    final TestInputTopic<String, NodeStats> nodeStats;
    final TestOutputTopic<String, NatAnomaly> anomalies;
    final TestOutputTopic<String, ServiceStats> stats;
    private final Path stateDir;
    private long seq;

    TopologyFixture(Map<String, String> overrides) throws IOException {
        this(overrides, io.ctflow.streams.metrics.ResultsObserver.NONE);
    }

    TopologyFixture(Map<String, String> overrides, io.ctflow.streams.metrics.ResultsObserver metrics) throws IOException {
        registry = RegistryServer.start("127.0.0.1", 0);
        Map<String, String> o = new HashMap<>(overrides);
        o.put("schema.registry.url", registry.url());
        o.putIfAbsent("events.partitions", "1");
        config = AppConfig.of(o);
        serdes = AppSerdes.create(config.kafka());
        stateDir = Files.createTempDirectory("ctflow-ttd");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "ctflow-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(CtflowTopology.build(config, serdes, metrics), p);
        var t = config.topics();
        events = driver.createInputTopic(t.events(), new FlowKeySerde().serializer(), serdes.events().serializer());
        services = driver.createInputTopic(t.services(), Serdes.String().serializer(), serdes.services().serializer());
        facts = driver.createInputTopic(t.nodeFacts(), Serdes.String().serializer(), serdes.nodeFacts().serializer());
        nodeStats = driver.createInputTopic(t.nodeStats(), Serdes.String().serializer(), serdes.nodeStats().serializer());
        anomalies = driver.createOutputTopic(t.anomalies(), Serdes.String().deserializer(), serdes.anomalies().deserializer());
        stats = driver.createOutputTopic(t.serviceStats(), Serdes.String().deserializer(), serdes.serviceStats().deserializer());
    }

    TopologyFixture() throws IOException {
        this(Map.of());
    }

    /** What `ctflow replay` publishes: facts and Services first, then events in time order, then time past every timer. */
    void replay(Path captureDir) throws IOException {
        Capture c = Capture.open(captureDir);
        c.facts().forEach(this::facts);
        c.services().forEach(this::service);
        c.stats().forEach(s -> nodeStats.pipeInput(s.getNode(), s, s.getTimestamp()));
        Iterator<ConntrackEvent> it = c.events(false, d -> {
            throw new AssertionError("dead letter in a real capture: " + d);
        });
        Instant last = Instant.EPOCH;
        while (it.hasNext()) {
            ConntrackEvent e = it.next();
            if (e.getType() == EventType.GAP) { // a loss line: a marker, without a flow key
                events.pipeInput((FlowKey) null, e, e.getTimestamp());
            } else {
                event(e);
            }
            last = e.getTimestamp();
        }
        settle(last);
    }

    void facts(NodeFacts f) {
        facts.pipeInput(f.getNode(), f, f.getTimestamp());
    }

    void service(ServiceEntry s) {
        services.pipeInput(ServiceKeys.key(s), s, s.getTimestamp());
    }

    void event(ConntrackEvent e) {
        events.pipeInput(FlowKey.of(e), e, e.getTimestamp());
    }

    /** Parses a conntrack line as node's collector would and pipes it. */
    ConntrackEvent line(String node, String line) {
        try {
            ConntrackEvent e = ConntrackLineParser.parse(line, node, Instant.EPOCH, ++seq, false);
            event(e);
            return e;
        } catch (ParseException ex) {
            throw new AssertionError(ex);
        }
    }

    /** The node's collector lost events at {@code t} (a GAP marker, as a loss line replays). */
    void gap(String node, Instant t) {
        ConntrackEvent gap = ConntrackEvent.newBuilder().setNode(node).setType(EventType.GAP).setTimestamp(t).build();
        events.pipeInput((FlowKey) null, gap, t);
    }

    void heartbeat(String node, Instant t) {
        ConntrackEvent hb = ConntrackEvent.newBuilder().setNode(node).setType(EventType.HEARTBEAT).setTimestamp(t).build();
        events.pipeInput((FlowKey) null, hb, t);
    }

    /** Advances event time past every timeout and window, as the end of a replay does. */
    void settle(Instant last) {
        heartbeat("replay", last.plus(config.settleTime()));
    }

    List<KeyValue<String, NatAnomaly>> anomalies() {
        return anomalies.readKeyValuesToList();
    }

    List<KeyValue<String, ServiceStats>> stats() {
        return stats.readKeyValuesToList();
    }

    KeyValueStore<FlowKey, Object> flowStore() {
        return driver.getKeyValueStore(StoreNames.FLOWS);
    }

    @Override
    public void close() throws IOException {
        driver.close();
        registry.close();
        try (var s = Files.walk(stateDir)) {
            List<Path> all = new ArrayList<>(s.toList());
            java.util.Collections.reverse(all);
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }
}
