package io.ctflow.collector.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.CollectorException;
import io.ctflow.collector.CollectorMain;
import io.ctflow.collector.capture.Capture;
import io.ctflow.avro.NodeStats;
import io.ctflow.collector.testing.FakeConntrack;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.testing.TopicReader;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.FlowKeySerde;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.schemas.serde.AvroSerdes;
import io.ctflow.testing.Captures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine;
import java.io.PrintWriter;
import java.io.StringWriter;
import static org.junit.jupiter.api.Assertions.assertThrows;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Replays the real captures, and runs the collect command on a fake conntrack, into a real (embedded) broker and registry, and reads everything back. */
class KafkaPublishingIT {
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    static final int PARTITIONS = 6;

    static EmbeddedKafka kafka;
    static RegistryServer registry;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.builder().port(0).build().start();
        registry = RegistryServer.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static CollectorConfig config(String prefix) {
        return CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(), "schema.registry.url", registry.url(),
                "topic.prefix", prefix, "topic.partitions", Integer.toString(PARTITIONS)));
    }

    static <T extends org.apache.avro.specific.SpecificRecord> Deserializer<T> deserializer(Class<T> cls) {
        return AvroSerdes.specific(cls, Map.of("schema.registry.url", registry.url()), false).deserializer();
    }

    record Replayed(Replayer.Result result, CollectorConfig config) {}

    static Replayed replay(Path dir, String prefix) throws Exception {
        CollectorConfig config = config(prefix);
        try (Publisher p = config.connect(new CollectorMetrics())) {
            Replayer.Result r = Replayer.replay(Capture.open(dir), p, Replayer.Options.defaults());
            assertEquals(0, p.sendErrors());
            return new Replayed(r, config);
        }
    }

    /** Kernel timestamps of the non-blank lines of an events file, in order. */
    static List<Instant> kernelTimestamps(Path events) throws IOException {
        List<Instant> out = new ArrayList<>();
        for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            String ts = line.substring(1, line.indexOf(']')).trim();
            int dot = ts.indexOf('.');
            long sec = Long.parseLong(ts.substring(0, dot).trim());
            long usec = Long.parseLong(ts.substring(dot + 1).trim());
            out.add(Instant.ofEpochSecond(sec, usec * 1000));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"bridge-on", "bridge-off", "hairpin"})
    void everyEventArrivesOnceWithItsKeyAndKernelTimestamp(String scenario) throws Exception {
        Path dir = Captures.scenario(scenario);
        Replayed replayed = replay(dir, "t-" + scenario + ".");
        var topics = replayed.config().topics();
        Capture capture = Capture.open(dir);

        Map<String, List<Instant>> expected = new HashMap<>();
        long lines = 0;
        for (String node : capture.nodes()) {
            List<Instant> ts = kernelTimestamps(dir.resolve("events-" + node + ".txt"));
            expected.put(node, ts);
            lines += ts.size();
        }
        assertEquals(lines, replayed.result().events());
        assertEquals(0, replayed.result().deadLetters());

        Deserializer<ConntrackEvent> events = deserializer(ConntrackEvent.class);
        Deserializer<FlowKey> keys = new FlowKeySerde().deserializer();
        Set<String> seen = new HashSet<>();
        Map<Integer, Integer> heartbeatsByPartition = new HashMap<>();
        Instant closing = capture.end().plus(Replayer.Options.DEFAULT_SETTLE);
        Set<Integer> closingPartitions = new TreeSet<>();
        long received = 0;
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), topics.events(), READ_TIMEOUT)) {
            ConntrackEvent e = events.deserialize(r.topic(), r.value());
            if (r.timestampType() == org.apache.kafka.common.record.TimestampType.CREATE_TIME) {
                // the producer stamps event time (PublisherTest checks it); topics created by Topics use
                // LogAppendTime (retention counts from arrival), where the broker replaces it
                assertEquals(e.getTimestamp().toEpochMilli(), r.timestamp(), "record timestamp = event time");
            }
            if (e.getType() == EventType.HEARTBEAT) {
                assertNull(r.key());
                assertNull(e.getReply());
                heartbeatsByPartition.merge(r.partition(), 1, Integer::sum);
                if (e.getTimestamp().equals(closing)) {
                    closingPartitions.add(r.partition());
                }
                continue;
            }
            assertFalse(e.getType() == EventType.GAP, "a replay has no gaps");
            received++;
            assertEquals(FlowKey.of(e), keys.deserialize(r.topic(), r.key()), "keyed by the flow key");
            String id = e.getNode() + "#" + e.getSequence();
            assertTrue(seen.add(id), "exactly once: " + id);
            Instant kernel = expected.get(e.getNode()).get((int) e.getSequence() - 1);
            assertEquals(kernel, e.getTimestamp(), "kernel timestamp of " + id);
        }
        assertEquals(lines, received, "every event line arrived");

        assertEquals(PARTITIONS, heartbeatsByPartition.size(), "heartbeats reached every partition: " + heartbeatsByPartition);
        assertEquals(Set.of(0, 1, 2, 3, 4, 5), closingPartitions, "closing heartbeat at last event + settle on every partition");

        Deserializer<NodeFacts> factsDe = deserializer(NodeFacts.class);
        Set<String> factNodes = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), topics.nodeFacts(), READ_TIMEOUT)) {
            NodeFacts f = factsDe.deserialize(r.topic(), r.value());
            assertEquals(f.getNode(), new String(r.key(), StandardCharsets.UTF_8));
            factNodes.add(f.getNode());
        }
        assertEquals(Set.of("node1", "node2"), factNodes);

        Deserializer<ServiceEntry> servicesDe = deserializer(ServiceEntry.class);
        Map<String, String> services = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), topics.services(), READ_TIMEOUT)) {
            ServiceEntry s = servicesDe.deserialize(r.topic(), r.value());
            assertNotNull(s);
            services.put(new String(r.key(), StandardCharsets.UTF_8), s.getId());
        }
        assertEquals(Map.of("tcp/10.96.0.10:80", "default/web:http", "tcp/10.96.0.20:80", "default/api:http",
                "udp/10.96.0.53:53", "kube-system/kube-dns:dns", "tcp/10.96.0.30:80", "default/legacy:http"), services);

        assertEquals(4, TopicReader.readAll(kafka.bootstrapServers(), topics.nodeStats(), READ_TIMEOUT).size(),
                "stats before and after of both nodes");
        assertTrue(TopicReader.readAll(kafka.bootstrapServers(), topics.dlq(), READ_TIMEOUT).isEmpty(), "no dead letters");
    }

    @Test
    void aGarbageLineIsOneDeadLetterAndTheRestIsDelivered(@TempDir Path tmp) throws Exception {
        copyBridgeOff(tmp);
        Path events = tmp.resolve("events-node1.txt");
        List<String> lines = new ArrayList<>(Files.readAllLines(events, StandardCharsets.UTF_8));
        int total = lines.size() + Files.readAllLines(tmp.resolve("events-node2.txt")).size();
        lines.add(4, "[1795711673.000000]\t    [NEW] ipv4 2 tcp 6 6 SYN_SENT src=10.244.1.2 dst=banana sport=1 dport=2");
        Files.write(events, lines, StandardCharsets.UTF_8);

        Replayed replayed = replay(tmp, "t-garbage.");
        assertEquals(total, replayed.result().events());
        assertEquals(1, replayed.result().deadLetters());
        var topics = replayed.config().topics();

        long delivered = TopicReader.readAll(kafka.bootstrapServers(), topics.events(), READ_TIMEOUT).stream()
                .map(r -> deserializer(ConntrackEvent.class).deserialize(r.topic(), r.value()))
                .filter(e -> e.getType() != EventType.HEARTBEAT).count();
        assertEquals(total, delivered);

        List<ConsumerRecord<byte[], byte[]>> dlq = TopicReader.readAll(kafka.bootstrapServers(), topics.dlq(), READ_TIMEOUT);
        assertEquals(1, dlq.size());
        DeadLetter d = deserializer(DeadLetter.class).deserialize(dlq.get(0).topic(), dlq.get(0).value());
        assertEquals("node1", new String(dlq.get(0).key(), StandardCharsets.UTF_8));
        assertEquals("node1", d.getNode());
        assertEquals("events-node1.txt", d.getSource());
        assertEquals(5, d.getPosition(), "line number");
        assertEquals("bad address 'banana'", d.getReason());
        assertTrue(StandardCharsets.UTF_8.decode(d.getRaw()).toString().contains("dst=banana"));
    }

    @Test
    void aLossLineIsAGapMarkerOnEveryPartitionAndALossInTheStats(@TempDir Path tmp) throws Exception {
        copyBridgeOff(tmp);
        Path events = tmp.resolve("events-node1.txt");
        List<String> lines = new ArrayList<>(Files.readAllLines(events, StandardCharsets.UTF_8));
        Instant lossAt = kernelTimestamps(events).get(3).plusNanos(1000);
        lines.add(4, io.ctflow.collector.parse.LossLine.format(lossAt, "ENOBUFS"));
        Files.write(events, lines, StandardCharsets.UTF_8);

        Replayed replayed = replay(tmp, "t-loss.");
        assertEquals(1, replayed.result().gaps());
        assertEquals(PARTITIONS, replayed.result().gapRecords());
        assertEquals(0, replayed.result().deadLetters());
        var topics = replayed.config().topics();

        Deserializer<ConntrackEvent> de = deserializer(ConntrackEvent.class);
        Set<Integer> gapPartitions = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), topics.events(), READ_TIMEOUT)) {
            ConntrackEvent e = de.deserialize(r.topic(), r.value());
            if (e.getType() == EventType.GAP) {
                assertNull(r.key(), "a marker, like the live collector's");
                assertEquals("node1", e.getNode());
                assertEquals(lossAt, e.getTimestamp());
                assertEquals(4, e.getSequence(), "the last sequence of node1 before the loss");
                assertTrue(gapPartitions.add(r.partition()), "once per partition");
            }
        }
        assertEquals(Set.of(0, 1, 2, 3, 4, 5), gapPartitions);

        Deserializer<NodeStats> sd = deserializer(NodeStats.class);
        List<NodeStats> node1 = TopicReader.readAll(kafka.bootstrapServers(), topics.nodeStats(), READ_TIMEOUT).stream()
                .map(r -> sd.deserialize(r.topic(), r.value())).filter(s -> s.getNode().equals("node1")).toList();
        assertEquals(List.of(0L, 1L), node1.stream().map(NodeStats::getLostEvents).toList());
    }

    @Test
    void unreachableRegistryIsOneClearError() {
        CollectorConfig config = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "schema.registry.url", "http://127.0.0.1:1", "topic.prefix", "t-noreg.", "ctflow.registry.retries", "0"));
        CollectorException e = assertThrows(CollectorException.class, () -> config.connect(new CollectorMetrics()));
        assertTrue(e.getMessage().startsWith("schema registry") && e.getMessage().contains("http://127.0.0.1:1"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertEquals(1, e.exitCode());
    }

    @Test
    void collectCommandPublishesEventsSnapshotsMarkersStatsAndFacts(@TempDir Path tmp) throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "exit", "run");
        CommandLine cl = CollectorMain.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int code = cl.execute("collect", "--conntrack", fake.path(), "--node", "n1", "--metrics-port", "0",
                "--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", registry.url(), "--topic-prefix", "t-collect.",
                "--heartbeat", "200ms", "--stats-interval", "500ms", "--duration", "3s", "--set", "linger.ms=5");
        assertEquals(0, code, err.toString());
        assertTrue(err.toString().contains("ctflow collect: stopped: 6 events, 4 snapshot entries, 2 dead letters, 1 losses, 1 conntrack restarts, 0 send errors"),
                err.toString());
        var topics = new io.ctflow.schemas.Topics("t-collect.");
        Deserializer<ConntrackEvent> de = deserializer(ConntrackEvent.class);
        Map<EventType, Integer> types = new HashMap<>();
        Set<Integer> gapPartitions = new TreeSet<>();
        Set<Integer> heartbeatPartitions = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), topics.events(), READ_TIMEOUT)) {
            ConntrackEvent e = de.deserialize(r.topic(), r.value());
            types.merge(e.getType(), 1, Integer::sum);
            if (e.getType() == EventType.GAP) {
                gapPartitions.add(r.partition());
            } else if (e.getType() == EventType.HEARTBEAT) {
                heartbeatPartitions.add(r.partition());
            } else {
                assertEquals(FlowKey.of(e), new FlowKeySerde().deserializer().deserialize(r.topic(), r.key()));
                assertEquals("n1", e.getNode());
            }
        }
        assertEquals(2, types.get(EventType.NEW));
        assertEquals(2, types.get(EventType.UPDATE));
        assertEquals(4, types.get(EventType.SNAPSHOT), "a snapshot at start and after the restart");
        assertEquals(Set.of(0, 1, 2, 3, 4, 5), gapPartitions, "the GAP marker reached every partition");
        assertEquals(Set.of(0, 1, 2, 3, 4, 5), heartbeatPartitions);
        assertEquals(2, TopicReader.readAll(kafka.bootstrapServers(), topics.dlq(), READ_TIMEOUT).size());
        Deserializer<NodeStats> sd = deserializer(NodeStats.class);
        List<NodeStats> stats = TopicReader.readAll(kafka.bootstrapServers(), topics.nodeStats(), READ_TIMEOUT).stream()
                .map(r -> sd.deserialize(r.topic(), r.value())).toList();
        assertFalse(stats.isEmpty());
        assertEquals(1, stats.get(stats.size() - 1).getLostEvents());
        assertEquals(1, TopicReader.readAll(kafka.bootstrapServers(), topics.nodeFacts(), READ_TIMEOUT).size(), "facts once: unchanged");
    }

    /** The shipped bridge-off capture copied into {@code dir}, to be altered by a test. */
    private static void copyBridgeOff(Path dir) throws IOException {
        try (var files = Files.list(Captures.scenario("bridge-off"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
    }
}
