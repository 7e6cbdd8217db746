package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.ctflow.avro.EventType;
import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.streams.metrics.ResultsObserver;
import io.ctflow.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * Live anomalies are visible before the regular commit: two apps read the same live traffic (event
 * time = wall-clock time) with a one-minute commit interval; the one with anomaly.commit-within
 * commits as soon as its anomalies come out, so a read_committed consumer sees them within seconds,
 * while the other's stay invisible until its regular commit.
 */
class PromptCommitsIT {
    static final int CONNECTIONS = 5;

    @Test
    void aLiveAnomalyIsCommittedWithinAnomalyCommitWithinNotAtTheRegularCommit() throws Exception {
        Path state = Files.createTempDirectory("ctflow-prompt-it");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            AppConfig prompt = config(kafka, registry, state, "prompt", "50ms");
            AppConfig regular = config(kafka, registry, state, "regular", "0");
            List<Publisher> pubs = new ArrayList<>();
            try (KafkaStreams a = start(kafka, prompt); KafkaStreams b = start(kafka, regular);
                 KafkaConsumer<String, byte[]> ca = AbortedTransactionIT.consumer(kafka, prompt);
                 KafkaConsumer<String, byte[]> cb = AbortedTransactionIT.consumer(kafka, regular)) {
                for (AppConfig c : List.of(prompt, regular)) {
                    CollectorConfig cc = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                            "schema.registry.url", registry.url(), "topic.prefix", c.topics().prefix()));
                    pubs.add(cc.connect(new CollectorMetrics()));
                }
                Poll.until(Duration.ofSeconds(60), () -> a.state() == KafkaStreams.State.RUNNING && b.state() == KafkaStreams.State.RUNNING,
                        () -> "apps not running: " + a.state() + ", " + b.state());
                Map<String, List<String>> outA = new HashMap<>();
                Map<String, List<String>> outB = new HashMap<>();
                long seq = 0;
                long start = System.currentTimeMillis();
                long deadline = start + 300L * CONNECTIONS + 20_000;
                // Unreplied Service connections, one every 300 ms, and heartbeats every 50 ms, all at
                // wall-clock time: each anomaly comes out 1 s after its NEW, while the app is live. The
                // traffic goes on until an anomaly is visible (at most 20 s past the first ones), so a
                // moment when a busy machine put the app more than 100 ms behind (not live: no prompt
                // commit, by design) does not decide the test; the regular commit is still a minute away.
                for (long t = start; t < deadline && outA.getOrDefault("anomalies", List.of()).isEmpty(); t = System.currentTimeMillis()) {
                    long n = (t - start) / 300;
                    for (Publisher p : pubs) {
                        if ((t - start) % 300 < 50) {
                            p.event(ConntrackLineParser.parse(line(t, 41000 + (int) n), "node1", Instant.EPOCH, ++seq, false));
                        }
                        p.marker(EventType.HEARTBEAT, "node1", Instant.ofEpochMilli(t), seq);
                        p.flush();
                    }
                    AbortedTransactionIT.read(ca, outA);
                    Thread.sleep(50); // paces the live traffic (event time = wall time), not a wait for a result
                }
                assertFalse(outA.get("anomalies").isEmpty(),
                        "no anomaly visible within 20 s of live traffic (the regular commit is a minute away)");
                AbortedTransactionIT.read(cb, outB);
                assertEquals(List.of(), outB.get("anomalies"), "without prompt commits nothing is visible before the regular commit");
            } finally {
                for (Publisher p : pubs) {
                    p.close();
                }
            }
        } finally {
            try (var w = Files.walk(state)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A DNATed TCP connection to a Service that the backend never answers, as conntrack -E prints its NEW. */
    static String line(long millis, int port) {
        return String.format("[%d.%06d]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.1.2 dst=10.96.0.10 sport=%d dport=80 "
                + "[UNREPLIED] src=10.244.2.9 dst=10.244.1.2 sport=8080 dport=%d id=%d", millis / 1000, millis % 1000 * 1000, port, port, port);
    }

    static AppConfig config(EmbeddedKafka kafka, RegistryServer registry, Path state, String name, String within) {
        Map<String, String> s = EmbeddedApp.isolated(kafka, registry, state, "ctflow-prompt-", name, 1);
        s.put("commit.interval.ms", "60000");
        s.put("producer.transaction.timeout.ms", "120000"); // at least the commit interval
        s.put("reply.timeout.tcp", "1s");
        s.put("grace", "0s");
        s.put(AppConfig.ANOMALY_COMMIT_WITHIN, within);
        return AppConfig.of(s);
    }

    static KafkaStreams start(EmbeddedKafka kafka, AppConfig config) throws Exception {
        EmbeddedApp.createTopics(kafka, config);
        Properties props = new Properties();
        props.putAll(config.kafka());
        KafkaStreams streams = new KafkaStreams(CtflowTopology.build(config, AppSerdes.create(config.kafka()), ResultsObserver.NONE), props);
        streams.start();
        return streams;
    }
}
