package io.ctflow.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.schemas.TopicCreation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one way topics are created (collector and streams app), on a real broker. */
class TopicCreationIT {
    static EmbeddedKafka kafka;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.builder().port(0).build().start();
        admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void createsOnlyWhatIsMissingAndReturnsWhenEveryPartitionServes() throws Exception {
        List<NewTopic> wanted = List.of(new NewTopic("tc.a", 4, (short) 1), new NewTopic("tc.b", 2, (short) 1));
        assertEquals(List.of("tc.a", "tc.b"), names(TopicCreation.createMissing(admin, wanted, Duration.ofSeconds(30))));
        assertEquals(List.of(), names(TopicCreation.createMissing(admin, wanted, Duration.ofSeconds(30))), "nothing twice");
        // an idempotent producer's first batch to every partition is accepted at once
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000), new StringSerializer(), new StringSerializer())) {
            for (int partition = 0; partition < 4; partition++) {
                assertEquals(0L, p.send(new ProducerRecord<>("tc.a", partition, "k", "v")).get(30, TimeUnit.SECONDS).offset());
            }
        }
    }

    @Test
    void aTopicKafkaRefusesIsNamed() {
        TopicCreation.Refused e = assertThrows(TopicCreation.Refused.class, () -> TopicCreation.createMissing(admin,
                List.of(new NewTopic("tc.too-many-replicas", 1, (short) 3)), Duration.ofSeconds(30)));
        assertEquals("tc.too-many-replicas", e.topic());
    }

    @Test
    void replicationFollowsTheClusterUpToThree() {
        assertEquals(1, TopicCreation.replication(0));
        assertEquals(1, TopicCreation.replication(1));
        assertEquals(2, TopicCreation.replication(2));
        assertEquals(3, TopicCreation.replication(7));
    }

    private static List<String> names(List<NewTopic> topics) {
        return topics.stream().map(NewTopic::name).sorted().toList();
    }
}
