package io.ctflow.embedded;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.testing.Poll;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Integration tests against a real in-process KRaft broker; one broker is shared by most tests. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedKafkaIT {

    private static final Duration CONSUME_DEADLINE = Duration.ofSeconds(30);

    private static EmbeddedKafka kafka;
    private static Path sharedDataDir;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder().port(0).build().start();
        sharedDataDir = kafka.dataDirectory();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka == null) {
            return;
        }
        kafka.close();
        assertFalse(kafka.isRunning());
        assertFalse(Files.exists(sharedDataDir), "temp data dir must be deleted on close: " + sharedDataDir);
        assertDoesNotThrow(kafka::close, "close() must be idempotent");
    }

    @Test
    void startsOnAFreePortWithTempDataDir() {
        assertTrue(kafka.isRunning());
        assertTrue(kafka.port() > 0);
        assertNotEquals(kafka.port(), kafka.controllerPort());
        assertEquals("127.0.0.1:" + kafka.port(), kafka.bootstrapServers());
        assertTrue(Files.exists(sharedDataDir.resolve("metadata/meta.properties")), "metadata dir must be formatted");
        assertTrue(Files.exists(sharedDataDir.resolve("logs/meta.properties")), "log dir must be formatted");
        assertTrue(kafka.clusterId() != null && !kafka.clusterId().isBlank());
    }

    @Test
    void producesAndConsumesAllRecordsAcrossPartitions() throws Exception {
        String topic = uniqueTopic("roundtrip");
        kafka.createTopics(List.of(new NewTopic(topic, 3, (short) 1)));
        kafka.createTopics(List.of(new NewTopic(topic, 3, (short) 1))); // idempotent

        int n = 300;
        Map<String, String> sent = new LinkedHashMap<>();
        Set<Integer> partitions = new HashSet<>();
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            for (int i = 0; i < n; i++) {
                String key = "k-" + i;
                String value = "value-" + i + "-" + "x".repeat(i % 17);
                sent.put(key, value);
                producer.send(new ProducerRecord<>(topic, key, value));
            }
            producer.flush();
            RecordMetadata md = assertDoesNotThrow(() ->
                    producer.send(new ProducerRecord<>(topic, "k-last", "last")).get(30, TimeUnit.SECONDS));
            sent.put("k-last", "last");
            assertTrue(md.hasOffset());
        }

        Map<String, String> received = new HashMap<>();
        for (ConsumerRecord<String, String> r : consumeAll(topic, sent.size(), "read_uncommitted")) {
            partitions.add(r.partition());
            String previous = received.put(r.key(), r.value());
            assertEquals(null, previous, "duplicate record for key " + r.key());
        }
        assertEquals(sent, received);
        assertEquals(Set.of(0, 1, 2), partitions, "records must be spread over all 3 partitions");
    }

    @Test
    void transactionalCommitIsVisibleToReadCommittedConsumerAndAbortIsNot() throws Exception {
        String topic = uniqueTopic("eos");
        kafka.createTopics(new NewTopic(topic, 3, (short) 1));

        Map<String, Object> txConfig = Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID());
        try (KafkaProducer<String, String> producer = producer(txConfig)) {
            producer.initTransactions();

            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "aborted-" + i, "nope"));
            }
            producer.abortTransaction();

            producer.beginTransaction();
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, "committed-" + i, "yes-" + i));
            }
            producer.commitTransaction();
        }

        // Each partition holds control markers too; consume until all 20 committed records are seen.
        List<ConsumerRecord<String, String>> records = consumeAll(topic, 20, "read_committed");
        Map<String, String> received = new HashMap<>();
        records.forEach(r -> received.put(r.key(), r.value()));
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            expected.put("committed-" + i, "yes-" + i);
        }
        assertEquals(expected, received, "read_committed must see exactly the committed records");
    }

    @Test
    void restartOnKeptDataDirKeepsRecords(@TempDir Path dir) throws Exception {
        Path dataDir = dir.resolve("kafka-data");
        String topic = "persisted";
        String clusterId;
        try (EmbeddedKafka first = EmbeddedKafka.builder().port(0).dataDir(dataDir).build().start()) {
            clusterId = first.clusterId();
            first.createTopics(new NewTopic(topic, 3, (short) 1));
            // A second broker on the same (running) data dir must fail cleanly without harming the first.
            EmbeddedKafka intruder = EmbeddedKafka.builder().port(0).dataDir(dataDir).build();
            IllegalStateException e = assertThrows(IllegalStateException.class, intruder::start);
            assertTrue(e.getMessage().contains("is in use by another Kafka broker"), e.getMessage());
            intruder.close();

            try (KafkaProducer<String, String> producer = producer(first, Map.of())) {
                for (int i = 0; i < 5; i++) {
                    assertDoesNotThrow(() -> producer.send(new ProducerRecord<>(topic, "key", "v")).get(30, TimeUnit.SECONDS));
                }
            }
        }
        assertTrue(Files.exists(dataDir.resolve("metadata/meta.properties")), "a given data dir must be kept on close");

        try (EmbeddedKafka second = EmbeddedKafka.builder().port(0).dataDir(dataDir).build().start()) {
            assertEquals(clusterId, second.clusterId(), "existing storage must not be reformatted");
            second.createTopics(new NewTopic(topic, 3, (short) 1)); // already exists: fine
            List<ConsumerRecord<String, String>> records = consumeAll(second, topic, 5, "read_uncommitted");
            assertEquals(5, records.size());
            records.forEach(r -> assertEquals("v", r.value()));
        }
        assertTrue(Files.exists(dataDir.resolve("metadata/meta.properties")));
    }

    @Test
    void portInUseGivesClearMessage() throws IOException {
        try (ServerSocket blocker = new ServerSocket()) {
            blocker.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int taken = blocker.getLocalPort();
            EmbeddedKafka k = EmbeddedKafka.builder().port(taken).build();
            IllegalStateException e = assertThrows(IllegalStateException.class, k::start);
            assertEquals("port " + taken + " is in use; pass another with --kafka-port", e.getMessage());
            assertDoesNotThrow(k::close);
        }
    }

    @Test
    void refusesANonKafkaNonEmptyDataDir(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("important.txt"), "do not touch");
        EmbeddedKafka k = EmbeddedKafka.builder().port(0).dataDir(dir).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, k::start);
        assertTrue(e.getMessage().contains("is not empty and is not a Kafka data directory"), e.getMessage());
        assertTrue(Files.exists(dir.resolve("important.txt")));
    }

    @Test
    void builderRejectsManagedPropertiesAndAccessBeforeStart() {
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddedKafka.builder().brokerProperty("listeners", "PLAINTEXT://:1234"));
        assertThrows(IllegalArgumentException.class, () -> EmbeddedKafka.builder().port(70000));
        EmbeddedKafka k = EmbeddedKafka.builder().build();
        IllegalStateException e = assertThrows(IllegalStateException.class, k::bootstrapServers);
        assertTrue(e.getMessage().contains("not started"), e.getMessage());
        k.close();
        assertThrows(IllegalStateException.class, k::start);
    }

    @Test
    void exitGuardTurnsKafkaProcessTerminationIntoAnException() {
        KafkaExitGuard outer = KafkaExitGuard.open();
        try {
            KafkaExitGuard inner = KafkaExitGuard.open();
            assertThrows(KafkaExitGuard.KafkaTerminationRequest.class,
                    () -> org.apache.kafka.common.utils.internals.Exit.halt(1, "fatal fault"));
            inner.close();
            inner.close(); // idempotent: must not release the outer guard's reference
            assertThrows(KafkaExitGuard.KafkaTerminationRequest.class,
                    () -> org.apache.kafka.common.utils.internals.Exit.exit(1));
        } finally {
            outer.close();
        }
    }

    // ------------------------------------------------------------------------------------------

    private static String uniqueTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> extra) {
        return producer(kafka, extra);
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafka k, Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.putAll(extra);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static List<ConsumerRecord<String, String>> consumeAll(String topic, int expected, String isolation) throws Exception {
        return consumeAll(kafka, topic, expected, isolation);
    }

    /** Polls until {@code expected} records arrived or the deadline passes (then fails). */
    private static List<ConsumerRecord<String, String>> consumeAll(EmbeddedKafka k, String topic, int expected,
                                                                   String isolation) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            Poll.holds(CONSUME_DEADLINE, () -> { // the count is asserted below
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= expected;
            });
            // A short extra poll proves there are no unexpected extra (e.g. aborted) records: a fixed window
            // to look for what must not come, not a wait for a result.
            long settle = System.nanoTime() + Duration.ofMillis(300).toNanos();
            while (System.nanoTime() < settle) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        assertEquals(expected, out.size(), "records consumed from " + topic);
        return out;
    }
}
