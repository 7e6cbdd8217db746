package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctflow.avro.Cause;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.ServiceStats;
import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.replay.Replayer;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.json.AvroJson;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.schemas.serde.AvroSerdes;
import io.ctflow.testing.Captures;
import io.ctflow.testing.ExpectedResults;
import io.ctflow.testing.Poll;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The real thing: the embedded KRaft broker and registry, the collector's replay of a real
 * capture, the streams app (exactly-once) — results read back through the serde and the HTTP API.
 */
class StreamsAppIT {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ExpectedResults BRIDGE_OFF = ExpectedResults.of("bridge-off");

    @Test
    void replayedBridgeOffCaptureGivesItsAnomaliesAndStatsOverKafkaAndHttp() throws Exception {
        Path state = Files.createTempDirectory("ctflow-it");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            Map<String, String> s = EmbeddedApp.settings(kafka, registry, state, "ctflow-it");
            s.put("flow.linger", "10m"); // keep finished flows past the replay's end, for GET /flows
            AppConfig config = AppConfig.of(s);
            try (StreamsRunner app = new StreamsRunner(config).start()) {
                CollectorConfig cc = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                        "schema.registry.url", registry.url()));
                try (Publisher p = cc.connect(new CollectorMetrics())) {
                    Replayer.replay(Capture.open(Captures.scenario("bridge-off")), p, Replayer.Options.defaults());
                }
                Map<String, NatAnomaly> anomalies = new HashMap<>();
                List<ServiceStats> stats = new ArrayList<>();
                Map<String, Object> cp = readCommitted(kafka, "it-reader");
                var anomalySerde = AvroSerdes.specific(NatAnomaly.class, config.kafka(), false);
                var statsSerde = AvroSerdes.specific(ServiceStats.class, config.kafka(), false);
                try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp, new StringDeserializer(),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                    c.subscribe(List.of(config.topics().anomalies(), config.topics().serviceStats()));
                    // complete when the capture's anomalies and a closed window of every Service are in
                    Poll.until(Duration.ofSeconds(60), () -> {
                        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                            if (r.topic().equals(config.topics().anomalies())) {
                                anomalies.put(r.key(), anomalySerde.deserializer().deserialize(r.topic(), r.value()));
                            } else {
                                stats.add(statsSerde.deserializer().deserialize(r.topic(), r.value()));
                            }
                        }
                        return anomalies.size() == BRIDGE_OFF.anomalies().size() && services(stats) == BRIDGE_OFF.services().size();
                    }, () -> anomalies.keySet() + ", " + services(stats) + " Services");
                }
                assertEquals(BRIDGE_OFF.anomalyKeys(), anomalies.keySet().stream().sorted().toList());
                BRIDGE_OFF.anomalies().forEach(e -> assertEquals(Cause.valueOf(e.cause()), anomalies.get(e.key()).getCause()));
                assertEquals(BRIDGE_OFF.services().size(), services(stats));

                String base = "http://127.0.0.1:" + app.httpPort();
                JsonNode health = get(base + "/health", 200);
                assertEquals("UP", health.get("status").asText());
                JsonNode list = get(base + "/anomalies?since=2026-11-26T16:47:00Z", 200);
                assertEquals(BRIDGE_OFF.anomalies().size(), list.size());
                assertEquals("default/web:http", list.get(0).get("service").asText(), "oldest first");
                assertEquals(0, get(base + "/anomalies?since=2030-01-01T00:00:00Z", 200).size());
                get(base + "/anomalies?since=yesterday", 400);
                JsonNode svcs = get(base + "/services", 200);
                assertEquals(BRIDGE_OFF.services().size(), svcs.size());
                JsonNode web = get(base + "/services/default/web:http", 200);
                assertEquals("default/web:http", web.get("service").asText());
                get(base + "/services/nope", 404);
                JsonNode flow = get(base + "/flows/" + URLEncoder.encode("tcp,10.244.1.3:8080,10.244.1.2:49502", StandardCharsets.UTF_8), 200);
                assertEquals("node1", flow.get("primary").asText());
                assertEquals("OPEN", flow.get("views").get(0).get("anomaly").asText());
                get(base + "/flows/garbage", 400);
                HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics/kafka")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, metrics.statusCode());
                assertTrue(metrics.body().contains("kafka_stream_thread_metrics_process_total{"), "Kafka Streams metrics exposed at /metrics/kafka");
            }
            // Every finished flow leaves a tombstone in this changelog: kept an hour, not Kafka's day.
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                ConfigResource flows = new ConfigResource(ConfigResource.Type.TOPIC, "ctflow-it-" + StoreNames.FLOWS + "-changelog");
                Config c = admin.describeConfigs(List.of(flows)).all().get().get(flows);
                assertEquals("compact", c.get("cleanup.policy").value());
                assertEquals("3600000", c.get("delete.retention.ms").value());
            }
        } finally {
            deleteTree(state);
        }
    }

    /** Two instances of the app share the partitions; each answers for all, fetching what the other owns. */
    @Test
    void twoInstancesAnswerForEachOther() throws Exception {
        Path stateA = Files.createTempDirectory("ctflow-it-a");
        Path stateB = Files.createTempDirectory("ctflow-it-b");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            Map<String, String> s = EmbeddedApp.settings(kafka, registry, null, "ctflow-it-two");
            s.put("flow.linger", "10m");
            Map<String, String> a = new HashMap<>(s);
            a.put("state.dir", stateA.toString());
            Map<String, String> b = new HashMap<>(s);
            b.put("state.dir", stateB.toString());
            try (StreamsRunner one = new StreamsRunner(AppConfig.of(a)).start();
                 StreamsRunner two = new StreamsRunner(AppConfig.of(b)).start()) {
                CollectorConfig cc = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                        "schema.registry.url", registry.url()));
                try (Publisher p = cc.connect(new CollectorMetrics())) {
                    Replayer.replay(Capture.open(Captures.scenario("bridge-off")), p, Replayer.Options.defaults());
                }
                String base1 = "http://127.0.0.1:" + one.httpPort();
                String base2 = "http://127.0.0.1:" + two.httpPort();
                int services = BRIDGE_OFF.services().size();
                // both running, every Service's first window closed
                Poll.until(Duration.ofSeconds(60), () -> {
                    JsonNode all1 = tryGet(base1 + "/services");
                    JsonNode all2 = tryGet(base2 + "/services");
                    return all1 != null && all2 != null && all1.size() == services && all2.size() == services;
                }, "both instances gather every Service");
                assertTrue(one.streams().metadataForAllStreamsClients().size() == 2, "two instances share the app");
                String key = URLEncoder.encode("tcp,10.244.1.3:8080,10.244.1.2:49502", StandardCharsets.UTF_8);
                for (String base : List.of(base1, base2)) { // one of them owns the flow, the other forwards
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/flows/" + key)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode(), base + " " + r.body());
                    assertEquals("node1", AvroJson.MAPPER.readTree(r.body()).get("primary").asText());
                }
                assertEquals(BRIDGE_OFF.anomalies().size(), get(base1 + "/anomalies", 200).size());
                assertEquals(BRIDGE_OFF.anomalies().size(), get(base2 + "/anomalies", 200).size());
            }
        } finally {
            deleteTree(stateA);
            deleteTree(stateB);
        }
    }

    private static JsonNode tryGet(String url) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? AvroJson.MAPPER.readTree(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * A reply timer that was pending when the app stopped fires after the restart: timers live in
     * memory and are rebuilt from the restored flows store.
     */
    @Test
    void aPendingReplyTimerSurvivesARestart() throws Exception {
        Path state = Files.createTempDirectory("ctflow-it-restart");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            Map<String, String> s = EmbeddedApp.settings(kafka, registry, state, "ctflow-it-restart");
            // Streams does not leave the group on close: a short session lets the restarted app take over soon
            s.put("session.timeout.ms", "6000");
            s.put("heartbeat.interval.ms", "1000");
            AppConfig config = AppConfig.of(s);
            CollectorConfig cc = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                    "schema.registry.url", registry.url()));
            java.time.Instant t0 = java.time.Instant.ofEpochSecond(1_795_000_000L);
            String key = "tcp,10.244.2.50:8080,10.244.1.2:40100";
            try (Publisher p = cc.connect(new CollectorMetrics())) {
                p.event(io.ctflow.collector.parse.ConntrackLineParser.parse(String.format("[%d.000000]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT"
                        + " src=10.244.1.2 dst=10.96.0.10 sport=40100 dport=80 [UNREPLIED] src=10.244.2.50 dst=10.244.1.2 sport=8080 dport=40100 id=7",
                        t0.getEpochSecond()), "node1", java.time.Instant.EPOCH, 1, false));
                p.marker(io.ctflow.avro.EventType.HEARTBEAT, "node1", t0.plusSeconds(1), 1);
                p.flush();
            }
            try (StreamsRunner app = new StreamsRunner(config).start()) {
                String url = "http://127.0.0.1:" + app.httpPort() + "/flows/" + URLEncoder.encode(key, StandardCharsets.UTF_8);
                Poll.until(Duration.ofSeconds(60), () -> tryGet(url) != null, "GET " + url);
                assertEquals("node1", tryGet(url).get("primary").asText(), "the flow is tracked, its timer not yet due");
            }
            try (Publisher p = cc.connect(new CollectorMetrics())) {
                p.marker(io.ctflow.avro.EventType.HEARTBEAT, "node1", t0.plusSeconds(30), 2);
                p.flush();
            }
            try (StreamsRunner app = new StreamsRunner(config).start()) {
                Map<String, Object> cp = readCommitted(kafka, "it-restart-reader");
                List<String> keys = new ArrayList<>();
                try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp, new StringDeserializer(),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                    c.subscribe(List.of(config.topics().anomalies()));
                    Poll.until(Duration.ofSeconds(60), () -> {
                        c.poll(Duration.ofMillis(200)).forEach(r -> keys.add(r.key()));
                        return !keys.isEmpty();
                    }, "an anomaly after the restart");
                    c.poll(Duration.ofSeconds(2)).forEach(r -> keys.add(r.key()));
                }
                assertEquals(List.of(key + "@node1"), keys, "raised once, by the timer rebuilt after the restart");
            }
        } finally {
            deleteTree(state);
        }
    }

    /** Records the app cannot read go to the streams dead-letter topic with Kafka Streams' error headers; the app goes on. */
    @Test
    void poisonRecordsGoToTheDeadLetterTopicAndTheAppGoesOn() throws Exception {
        Path state = Files.createTempDirectory("ctflow-it-dlq");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            Map<String, String> s = EmbeddedApp.settings(kafka, registry, state, "ctflow-it-dlq");
            AppConfig config = AppConfig.of(s);
            try (StreamsRunner app = new StreamsRunner(config).start()) {
                String events = config.topics().events();
                byte[] otherRecordType = AvroSerdes.specific(ServiceStats.class, config.kafka(), false).serializer().serialize(
                        config.topics().serviceStats(), ServiceStats.newBuilder().setService("x").setServiceAddress("y")
                                .setWindowStart(java.time.Instant.EPOCH).setWindowEnd(java.time.Instant.EPOCH).setNewFlows(0).setReplied(0)
                                .setUnreplied(0).setIncompleteNat(Map.of()).setActive(0).setStates(Map.of()).setBackends(Map.of())
                                .setSetupP50Micros(null).setSetupP99Micros(null).setClients(0).build());
                List<byte[]> poison = List.of("not avro at all".getBytes(StandardCharsets.UTF_8),
                        new byte[] {0, 0, 1, (byte) 0x86, (byte) 0x9f, 2, 4}, otherRecordType);
                Map<String, Object> pp = new HashMap<>();
                pp.put("bootstrap.servers", kafka.bootstrapServers());
                try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(pp,
                        new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                    for (byte[] value : poison) {
                        producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(events, 0, null, value)).get();
                    }
                }
                CollectorConfig cc = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                        "schema.registry.url", registry.url()));
                try (Publisher p = cc.connect(new CollectorMetrics())) {
                    Replayer.replay(Capture.open(Captures.scenario("bridge-off")), p, Replayer.Options.defaults());
                }
                Map<String, Object> cp = readCommitted(kafka, "it-dlq-reader");
                List<ConsumerRecord<String, byte[]>> dead = new ArrayList<>();
                java.util.Set<String> anomalies = new java.util.TreeSet<>();
                try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp, new StringDeserializer(),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                    c.subscribe(List.of(config.topics().streamsDlq(), config.topics().anomalies()));
                    Poll.until(Duration.ofSeconds(60), () -> {
                        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                            if (r.topic().equals(config.topics().streamsDlq())) {
                                dead.add(r);
                            } else {
                                anomalies.add(r.key());
                            }
                        }
                        return dead.size() == 3 && anomalies.size() == BRIDGE_OFF.anomalies().size();
                    }, () -> "the app went on past the poison: " + anomalies + ", " + dead.size() + " dead letters");
                }
                assertEquals(BRIDGE_OFF.anomalies().size(), anomalies.size(), "the app went on past the poison: " + anomalies);
                assertEquals(3, dead.size());
                for (int i = 0; i < 3; i++) {
                    ConsumerRecord<String, byte[]> d = dead.get(i);
                    assertEquals(java.util.Arrays.toString(poison.get(i)), java.util.Arrays.toString(d.value()), "the raw bytes");
                    assertEquals(events, header(d, "__streams.errors.topic"));
                    assertEquals("0", header(d, "__streams.errors.partition"));
                    assertEquals(Integer.toString(i), header(d, "__streams.errors.offset"));
                    assertTrue(!header(d, "__streams.errors.message").isEmpty(), "the reason");
                }
            }
        } finally {
            deleteTree(state);
        }
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void anUnreachableRegistryIsOneClearStartupError() throws Exception {
        int closed;
        try (java.net.ServerSocket sock = new java.net.ServerSocket(0)) {
            closed = sock.getLocalPort();
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start()) {
            AppConfig config = AppConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                    "schema.registry.url", "http://127.0.0.1:" + closed, "http.port", "0", "ctflow.registry.retries", "0"));
            StreamsRunner.StartupException e = org.junit.jupiter.api.Assertions.assertThrows(StreamsRunner.StartupException.class,
                    () -> new StreamsRunner(config).start());
            assertEquals("cannot reach the schema registry at http://127.0.0.1:" + closed + ": is it up? set --schema-registry-url",
                    e.getMessage());
        }
    }

    /** A read_committed consumer's settings, from the beginning. */
    private static Map<String, Object> readCommitted(EmbeddedKafka kafka, String group) {
        Map<String, Object> cp = new HashMap<>();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return cp;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var w = Files.walk(dir)) {
            w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static long services(List<ServiceStats> stats) {
        return stats.stream().map(ServiceStats::getService).distinct().count();
    }

    private static JsonNode get(String url, int status) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), url + " -> " + r.body());
        return AvroJson.MAPPER.readTree(r.body());
    }
}
