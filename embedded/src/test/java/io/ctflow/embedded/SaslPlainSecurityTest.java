package io.ctflow.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The embedded broker with SASL/PLAIN listeners and Kafka's StandardAuthorizer. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SaslPlainSecurityTest {

    @Test
    void onlyWhatAclsGrantAndWrongPasswordsAreRefused() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0)
                .saslPlain("admin", "admin-secret", Map.of("alice", "alice-secret", "bob", "bob-secret")).build().start()) {
            assertEquals("SASL_PLAINTEXT", kafka.clientProperties().get("security.protocol"));
            kafka.createTopics(new NewTopic("t", 1, (short) 1));
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "t", PatternType.LITERAL),
                        new AccessControlEntry("User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW)))).all().get();
            }
            // alice may write to t (the ACL may take a moment to reach the broker's authorizer)
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            ExecutionException last = null;
            while (System.nanoTime() < deadline) {
                try {
                    send(kafka, "alice", "alice-secret");
                    last = null;
                    break;
                } catch (ExecutionException e) {
                    last = e;
                    Thread.sleep(100); // polling with the deadline above
                }
            }
            assertEquals(null, last, "alice writes with her ACL");
            // bob has no ACL
            ExecutionException denied = assertThrows(ExecutionException.class, () -> send(kafka, "bob", "bob-secret"));
            assertInstanceOf(TopicAuthorizationException.class, denied.getCause());
            // a wrong password is refused at login
            ExecutionException refused = assertThrows(ExecutionException.class, () -> send(kafka, "alice", "wrong"));
            assertInstanceOf(SaslAuthenticationException.class, refused.getCause());
            assertTrue(refused.getCause().getMessage().contains("Authentication failed"), refused.getCause().getMessage());
        }
    }

    @Test
    void credentialsThatWouldBreakTheJaasLineAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SaslPlainSecurity("admin", "a\"b", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new SaslPlainSecurity("admin", "x", Map.of("u; x", "p")));
    }

    private static void send(EmbeddedKafka kafka, String user, String password) throws Exception {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.putAll(SaslPlainSecurity.clientProperties(user, password));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("t", "k", "v")).get(20, TimeUnit.SECONDS);
        }
    }
}
