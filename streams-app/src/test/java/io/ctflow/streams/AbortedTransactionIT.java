package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.replay.Replayer;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.streams.metrics.ResultsObserver;
import io.ctflow.testing.Captures;
import io.ctflow.testing.ExpectedResults;
import io.ctflow.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once across an aborted transaction: the flow task fails once mid-stream (after earlier
 * transactions committed), its open transaction is aborted and its thread replaced, and the new
 * task restores the stores (flows, service-partials, ...) and re-reads from the last commit. The
 * committed anomalies and Service stats must equal those of an uninterrupted run on the same input,
 * record for record: nothing counted twice (a partial of the aborted transaction) or lost.
 */
class AbortedTransactionIT {
    static final ExpectedResults BRIDGE_OFF = ExpectedResults.of("bridge-off");

    @Test
    void theCommittedOutputOfARunThatFailsOnceEqualsAnUninterruptedRun() throws Exception {
        Path state = Files.createTempDirectory("ctflow-abort-it");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            AppConfig clean = config(kafka, registry, state, "clean");
            AppConfig failing = config(kafka, registry, state, "failing");
            for (AppConfig c : List.of(clean, failing)) {
                replay(kafka, registry, c);
            }
            AtomicInteger replaced = new AtomicInteger();
            FailOnce failOnce = new FailOnce(15);
            try (KafkaStreams a = run(clean, ResultsObserver.NONE, replaced);
                 KafkaStreams b = run(failing, failOnce, replaced)) {
                Map<String, List<String>> outA = new HashMap<>();
                Map<String, List<String>> outB = new HashMap<>();
                try (KafkaConsumer<String, byte[]> ca = consumer(kafka, clean);
                     KafkaConsumer<String, byte[]> cb = consumer(kafka, failing)) {
                    // both complete: every expected anomaly and as many closed windows in each
                    Poll.until(Duration.ofSeconds(180), () -> {
                        read(ca, outA);
                        read(cb, outB);
                        return outA.get("anomalies").size() >= BRIDGE_OFF.anomalies().size()
                                && outB.get("anomalies").size() >= outA.get("anomalies").size()
                                && outB.get("stats").size() >= outA.get("stats").size() && !outA.get("stats").isEmpty()
                                && failOnce.failed.get() > 0;
                    }, () -> "clean " + counts(outA) + ", failing " + counts(outB) + ", failed " + failOnce.failed.get());
                    long until = System.nanoTime() + Duration.ofSeconds(2).toNanos(); // anything more would be a duplicate
                    while (System.nanoTime() < until) {
                        read(ca, outA);
                        read(cb, outB);
                    }
                }
                assertEquals(1, failOnce.failed.get(), "the flow task failed once");
                assertEquals(1, replaced.get(), "and its thread was replaced once");
                assertEquals(BRIDGE_OFF.anomalies().size(), outA.get("anomalies").size());
                assertEquals(outA.get("anomalies").stream().sorted().toList(), outB.get("anomalies").stream().sorted().toList());
                assertEquals(outA.get("stats").stream().sorted().toList(), outB.get("stats").stream().sorted().toList());
            }
        } finally {
            try (var w = Files.walk(state)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Throws once, at the n-th connection event the flow task sees (heartbeats do not count). */
    static final class FailOnce implements ResultsObserver {
        final int n;
        final AtomicInteger seen = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();

        FailOnce(int n) {
            this.n = n;
        }

        @Override
        public void event(ConntrackEvent e) {
            if (e.getType() != EventType.HEARTBEAT && seen.incrementAndGet() == n) {
                failed.incrementAndGet();
                throw new IllegalStateException("injected failure mid-transaction");
            }
        }
    }

    static AppConfig config(EmbeddedKafka kafka, RegistryServer registry, Path state, String name) {
        Map<String, String> s = EmbeddedApp.isolated(kafka, registry, state, "ctflow-abort-", name, 2);
        // many small transactions, so the failure comes after some committed and inside an open one
        s.put("commit.interval.ms", "0");
        s.put("max.poll.records", "4");
        // Streams does not leave the group when a thread dies: its member must time out before the
        // replacement thread gets the task (45 s by default)
        s.put("session.timeout.ms", "6000");
        s.put("heartbeat.interval.ms", "1000");
        return AppConfig.of(s);
    }

    static void replay(EmbeddedKafka kafka, RegistryServer registry, AppConfig app) throws Exception {
        EmbeddedApp.createTopics(kafka, app);
        CollectorConfig cc = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "schema.registry.url", registry.url(), "topic.prefix", app.topics().prefix()));
        try (Publisher p = cc.connect(new CollectorMetrics())) {
            Replayer.replay(Capture.open(Captures.scenario("bridge-off")), p, Replayer.Options.defaults());
        }
    }

    static KafkaStreams run(AppConfig config, ResultsObserver observer, AtomicInteger replaced) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        KafkaStreams streams = new KafkaStreams(CtflowTopology.build(config, AppSerdes.create(config.kafka()), observer), props);
        streams.setUncaughtExceptionHandler(e -> {
            replaced.incrementAndGet();
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        return streams;
    }

    static KafkaConsumer<String, byte[]> consumer(EmbeddedKafka kafka, AppConfig app) {
        Map<String, Object> cp = new HashMap<>();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + app.topics().prefix());
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(app.topics().anomalies(), app.topics().serviceStats()));
        return c;
    }

    /** Records as key and value bytes after the wire header (the schema id differs by topic name, not content). */
    static void read(KafkaConsumer<String, byte[]> c, Map<String, List<String>> out) {
        out.computeIfAbsent("anomalies", k -> new ArrayList<>());
        out.computeIfAbsent("stats", k -> new ArrayList<>());
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
            String kind = r.topic().endsWith("anomalies") ? "anomalies" : "stats";
            byte[] v = r.value();
            out.get(kind).add(r.key() + " " + java.util.HexFormat.of().formatHex(v, Math.min(5, v.length), v.length));
        }
    }

    static String counts(Map<String, List<String>> out) {
        return out.getOrDefault("anomalies", List.of()).size() + " anomalies, " + out.getOrDefault("stats", List.of()).size() + " windows";
    }
}
