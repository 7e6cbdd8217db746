package io.ctflow.cli.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.cli.Ctflow;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.schemas.serde.AvroSerdes;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.StreamsRunner;
import io.ctflow.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event loss at the source on the real kernel: {@code ctflow collect} on the lab's node1 with a
 * tiny netlink buffer ({@code --buffer 4K}, conntrack's {@code -b}), and a burst of UDP flows inside
 * node1's own namespace (to closed ports of its loopback, nothing leaves it) overflows it. The
 * collector sends a GAP marker and takes a resync snapshot; the streams app raises EVENT_LOSS for
 * node1. Root only; the lab's namespaces are removed afterwards.
 */
class EventLossIT {
    /** python3 argv: flows. Each datagram from a new socket: a new source port, a new conntrack entry. */
    static final String BURST = """
            import socket, sys
            for i in range(int(sys.argv[1])):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.sendto(b"x", ("127.0.0.1", 20000 + i % 20000))
                s.close()
            """;

    @Test
    @Timeout(300)
    void aBurstOverflowsConntracksBufferTheCollectorSendsAGapAndResyncsAndTheAppRaisesEventLoss(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Tools.isRoot() && Tools.missing().isEmpty(),
                "skipped: " + (Tools.isRoot() ? "missing " + Tools.missing() : Tools.NEEDS_ROOT));
        Tools tools = Tools.resolve();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0);
             StreamsRunner app = new StreamsRunner(AppConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                     "schema.registry.url", registry.url(), "topic.prefix", "loss.", "application.id", "loss",
                     "state.dir", tmp.resolve("state").toString(), "http.port", "0"))).start();
             LabNetwork net = LabNetwork.create(Scenario.BRIDGE_ON, tools, System.out);
             Reader<ConntrackEvent> events = new Reader<>(kafka.bootstrapServers(), "loss.events",
                     AvroSerdes.specific(ConntrackEvent.class, Map.of("schema.registry.url", registry.url()), false).deserializer());
             Reader<NatAnomaly> anomalies = new Reader<>(kafka.bootstrapServers(), "loss.anomalies",
                     AvroSerdes.specific(NatAnomaly.class, Map.of("schema.registry.url", registry.url()), false).deserializer())) {
            CompletableFuture<Integer> collect = CompletableFuture.supplyAsync(() -> Ctflow.run("collect", "--node", "node1",
                    "--netns", net.ns("node1"), "--buffer", "4K", "--heartbeat", "500ms", "--stats-interval", "1s",
                    "--facts-interval", "5s", "--duration", "40s", "--metrics-port", "0",
                    "--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", registry.url(), "--topic-prefix", "loss."));
            events.await(e -> e.getNode().equals("node1") && e.getType() == EventType.HEARTBEAT, Duration.ofSeconds(60), "the collector's first heartbeat");

            ConntrackEvent gap = null;
            for (int burst = 0; burst < 5 && gap == null; burst++) {
                net.exec("node1", tools.python, "-c", BURST, "3000");
                gap = events.find(e -> e.getNode().equals("node1") && e.getType() == EventType.GAP, Duration.ofSeconds(5));
            }
            assertTrue(gap != null, "no GAP marker after 5 bursts of 3000 flows against a 4 KiB netlink buffer");
            Instant lostAt = gap.getTimestamp();
            events.await(e -> e.getNode().equals("node1") && e.getType() == EventType.SNAPSHOT && !e.getTimestamp().isBefore(lostAt),
                    Duration.ofSeconds(30), "a resync snapshot after the GAP");
            NatAnomaly loss = anomalies.await(a -> a.getType() == AnomalyType.EVENT_LOSS && a.getNode().equals("node1"),
                    Duration.ofSeconds(60), "EVENT_LOSS of node1");
            assertTrue(loss.getDetail().startsWith("collector on node1 lost "), loss.getDetail());
            assertEquals(0, collect.get(90, TimeUnit.SECONDS));
        }
    }

    /** A read_committed reader of one topic that keeps what it has read. */
    static final class Reader<T> implements AutoCloseable {
        final KafkaConsumer<byte[], byte[]> consumer;
        final Deserializer<T> de;
        final List<T> seen = new ArrayList<>();

        Reader(String bootstrap, String topic, Deserializer<T> de) {
            this.de = de;
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.GROUP_ID_CONFIG, "event-loss-it-" + topic), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(topic));
        }

        /** The first record read that matches, polling the topic until {@code timeout}; null if none came. */
        T find(Predicate<T> p, Duration timeout) throws Exception {
            return Poll.find(timeout, () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null) {
                        seen.add(de.deserialize(r.topic(), r.value()));
                    }
                }
                return seen.stream().filter(p).findFirst().orElse(null);
            }).orElse(null);
        }

        T await(Predicate<T> p, Duration timeout, String what) throws Exception {
            T t = find(p, timeout);
            assertTrue(t != null, "no " + what + " within " + timeout.toSeconds() + " s (" + seen.size() + " records read)");
            return t;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
