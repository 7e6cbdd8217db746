package io.ctflow.cli.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.cli.Ctflow;
import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.replay.Replayer;
import io.ctflow.collector.replay.Speed;
import io.ctflow.schemas.serde.AvroSerdes;
import io.ctflow.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker dies (SIGKILL, no clean shutdown) in the middle of a replay of a simulated fleet of
 * 250 k events, stays down 10 s and comes back on the same data directory and ports: the publisher
 * says that Kafka is unreachable, that its (4 MiB) buffer is full and when Kafka is back, buffers,
 * blocks the replay while the buffer is full, retries, and afterwards
 * {@code ctflow.events} holds every event exactly once (by node and collector sequence number).
 */
class BrokerKillIT {
    static final Duration OUTAGE = Duration.ofSeconds(10);

    @Test
    @Timeout(300)
    void everyEventIsInTheTopicExactlyOnceAfterTheBrokerWasKilledMidReplay(@TempDir Path tmp) throws Exception {
        Path capture = tmp.resolve("capture");
        assertEquals(0, Ctflow.run("simulate", "--nodes", "4", "--services", "20", "--rate", "5000", "--duration", "50s",
                "--anomalies", "0.01", "--out", capture.toString()));
        int kafkaPort = ChildJvm.freePort();
        int registryPort = ChildJvm.freePort();
        String[] kafkaArgs = {"kafka", "--kafka-port", Integer.toString(kafkaPort), "--registry-port", Integer.toString(registryPort),
                "--data-dir", tmp.resolve("data").toString()};
        String bootstrap = "127.0.0.1:" + kafkaPort;
        String registry = "http://127.0.0.1:" + registryPort;

        ChildJvm broker = ChildJvm.start(tmp.resolve("kafka-1.log"), kafkaArgs);
        ChildJvm restarted = null;
        ExecutorService replayThread = Executors.newSingleThreadExecutor();
        try {
            broker.awaitLine(l -> l.startsWith("schema.registry.url="), Duration.ofSeconds(90));
            CollectorMetrics metrics = new CollectorMetrics();
            List<String> notices = new CopyOnWriteArrayList<>();
            Replayer.Result result;
            long sendErrors;
            // a 4 MiB buffer fills during the outage: the replay waits (bounded memory) and the watch says so
            try (Publisher publisher = CollectorConfig.of(Map.of("bootstrap.servers", bootstrap, "schema.registry.url", registry,
                    "buffer.memory", Integer.toString(4 << 20))).connect(metrics)) {
                publisher.deliveryWatch().listen(notices::add);
                // 50 s of event time at 4x: the replay is still sending when the broker dies and while it is down.
                Future<Replayer.Result> replay = replayThread.submit(() -> Replayer.replay(Capture.open(capture), publisher,
                        Replayer.Options.defaults().withSpeed(new Speed(4)).withMetrics(metrics)));
                awaitPublished(metrics, 20_000, replay);
                broker.kill();
                long killedAt = System.nanoTime();
                Poll.until(Duration.ofSeconds(30), () -> notices.stream().anyMatch(n -> n.contains("is unreachable")), () -> "an unreachable notice: " + notices);
                assertTrue(!replay.isDone(), "the replay ended while the broker was down");
                long published = CollectorMetrics.value(metrics.eventsPublished);
                // not a wait for a result: the broker stays down for the whole OUTAGE, and nothing may be acknowledged meanwhile
                Thread.sleep(Math.max(0, OUTAGE.toMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt)));
                assertEquals(published, CollectorMetrics.value(metrics.eventsPublished), "acknowledged while the broker was down");

                restarted = ChildJvm.start(tmp.resolve("kafka-2.log"), kafkaArgs);
                restarted.awaitLine(l -> l.startsWith("schema.registry.url="), Duration.ofSeconds(90));
                result = replay.get(180, TimeUnit.SECONDS);
                publisher.flush();
                sendErrors = publisher.sendErrors();
            }
            assertEquals(0, sendErrors, "records Kafka did not accept");
            assertTrue(result.events() >= 200_000, "a replay of at least 200 k events: " + result.events());
            // said once each, in this order: unreachable, the buffer is full, back
            assertEquals(3, notices.size(), notices.toString());
            assertTrue(notices.get(0).startsWith("Kafka at " + bootstrap + " is unreachable (no acknowledgement for "), notices.toString());
            assertTrue(notices.get(1).startsWith("the producer's buffer is full (buffer.memory 4 MiB): publishing waits for Kafka"), notices.toString());
            assertTrue(notices.get(2).startsWith("Kafka at " + bootstrap + " is back after "), notices.toString());
            assertEquals(result.events(), CollectorMetrics.value(metrics.eventsPublished));

            Map<String, Long> eventsPerNode = new HashMap<>();
            Map<String, long[]> seen = new HashMap<>();
            Deserializer<ConntrackEvent> d = AvroSerdes.specific(ConntrackEvent.class, Map.of("schema.registry.url", registry), false).deserializer();
            for (ConsumerRecord<byte[], byte[]> r : TopicContents.readAll(bootstrap, "ctflow.events")) {
                ConntrackEvent e = d.deserialize(r.topic(), r.value());
                if (e.getType() == EventType.HEARTBEAT || e.getType() == EventType.GAP) {
                    continue;
                }
                long[] bits = seen.computeIfAbsent(e.getNode(), n -> new long[(int) (result.events() / 64 + 2)]);
                long seq = e.getSequence();
                boolean again = (bits[(int) (seq >>> 6)] & (1L << seq)) != 0;
                assertTrue(!again, e.getNode() + " sequence " + seq + " is in the topic twice");
                bits[(int) (seq >>> 6)] |= 1L << seq;
                eventsPerNode.merge(e.getNode(), 1L, Long::sum);
            }
            assertEquals(result.events(), eventsPerNode.values().stream().mapToLong(Long::longValue).sum(), eventsPerNode.toString());
            Capture c = Capture.open(capture);
            for (String node : c.nodes()) { // sequences 1..n of every node, none missing
                long n = eventsPerNode.getOrDefault(node, 0L);
                long[] bits = seen.get(node);
                for (long seq = 1; seq <= n; seq++) {
                    assertTrue((bits[(int) (seq >>> 6)] & (1L << seq)) != 0, node + " sequence " + seq + " is missing");
                }
            }
        } finally {
            replayThread.shutdownNow();
            broker.close();
            if (restarted != null) {
                restarted.close();
            }
        }
    }

    private static void awaitPublished(CollectorMetrics m, long n, Future<?> replay) throws Exception {
        Poll.until(Duration.ofSeconds(120), () -> {
            boolean enough = CollectorMetrics.value(m.eventsPublished) >= n;
            if (!enough && replay.isDone()) {
                replay.get();
                throw new AssertionError("the replay ended before " + n + " events were acknowledged");
            }
            return enough;
        }, () -> n + " events acknowledged");
    }
}
