package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.EventType;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.schemas.serde.AvroSerdes;
import io.ctflow.streams.metrics.ResultsObserver;
import io.ctflow.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

/**
 * A node whose clock runs two hours ahead, on a real broker. Its events' time, written into the
 * app's changelogs, was refused by the broker (message.timestamp.after.max.ms, 1 h) and the app
 * stopped. Now the app bounds that time to the broker's append time plus events.max-clock-ahead,
 * counts the node, and goes on judging: the node's unreplied connection is still an anomaly, dated
 * by the bound, not two hours ahead.
 */
class ClockAheadIT {
    static final Duration AHEAD = Duration.ofHours(2);

    @Test
    void aNodeTwoHoursAheadIsBoundedToTheBrokersClockAndTheAppGoesOn() throws Exception {
        Path state = Files.createTempDirectory("ctflow-ahead-it");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            Map<String, String> s = EmbeddedApp.isolated(kafka, registry, state, "ctflow-ahead-", "ahead", 1);
            s.put("reply.timeout.tcp", "1s");
            s.put("grace", "0s");
            s.put(AppConfig.EVENTS_MAX_CLOCK_AHEAD, "2s"); // so the bounded NEW's reply timeout comes due within seconds
            AppConfig config = AppConfig.of(s);
            EmbeddedApp.createTopics(kafka, config);
            List<String> aheadNodes = new CopyOnWriteArrayList<>();
            List<Long> aheadBy = new CopyOnWriteArrayList<>();
            ResultsObserver observer = new ResultsObserver() {
                @Override
                public void eventAhead(String node, long aheadMillis) {
                    aheadNodes.add(node);
                    aheadBy.add(aheadMillis);
                }
            };
            AtomicReference<Throwable> died = new AtomicReference<>();
            Properties props = new Properties();
            props.putAll(config.kafka());
            CollectorConfig cc = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                    "schema.registry.url", registry.url(), "topic.prefix", config.topics().prefix()));
            var anomalySerde = AvroSerdes.specific(NatAnomaly.class, config.kafka(), false);
            Map<String, NatAnomaly> anomalies = new HashMap<>();
            try (KafkaStreams app = new KafkaStreams(CtflowTopology.build(config, AppSerdes.create(config.kafka()), observer), props);
                 Publisher p = cc.connect(new CollectorMetrics());
                 KafkaConsumer<String, byte[]> c = AbortedTransactionIT.consumer(kafka, config)) {
                app.setUncaughtExceptionHandler(e -> {
                    died.set(e);
                    return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                });
                app.start();
                Poll.until(Duration.ofSeconds(60), () -> app.state() == KafkaStreams.State.RUNNING, () -> "app not running: " + app.state());

                long sentAt = System.currentTimeMillis();
                p.event(ConntrackLineParser.parse(PromptCommitsIT.line(sentAt + AHEAD.toMillis(), 42001), "fast", Instant.EPOCH, 1, false));
                p.flush();
                long[] seq = {1};
                // node1's heartbeats, on time, carry the watermark past the bounded NEW's reply timeout
                Poll.until(Duration.ofSeconds(60), () -> {
                    p.marker(EventType.HEARTBEAT, "node1", Instant.ofEpochMilli(System.currentTimeMillis()), ++seq[0]);
                    p.flush();
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                        if (r.topic().equals(config.topics().anomalies())) {
                            anomalies.put(r.key(), anomalySerde.deserializer().deserialize(r.topic(), r.value()));
                        }
                    }
                    return died.get() != null || anomalies.keySet().stream().anyMatch(k -> k.endsWith("@fast"));
                }, () -> "no anomaly of node fast; app " + app.state() + ", anomalies " + anomalies.keySet());

                assertNull(died.get(), "a stream thread died");
                assertEquals(KafkaStreams.State.RUNNING, app.state());
                NatAnomaly a = anomalies.entrySet().stream().filter(e -> e.getKey().endsWith("@fast")).findFirst().orElseThrow().getValue();
                long firstSeen = a.getFirstSeen().toEpochMilli();
                assertTrue(firstSeen >= sentAt + 2_000 && firstSeen <= System.currentTimeMillis() + 2_000,
                        "the NEW's time is the broker's append time + 2 s, not two hours ahead: " + a.getFirstSeen() + ", sent at "
                                + Instant.ofEpochMilli(sentAt));
                assertEquals(List.of("fast"), aheadNodes, "the bounded event is counted once, for its node");
                long by = aheadBy.get(0);
                assertTrue(by > AHEAD.toMillis() - 60_000 && by <= AHEAD.toMillis(), "ahead by about two hours: " + by + " ms");
            }
        } finally {
            try (var w = Files.walk(state)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
