package io.ctflow.streams;

import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.schemas.TopicCreation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** The settings and topics of an app under test on an embedded broker and registry (integration tests). */
final class EmbeddedApp {
    private EmbeddedApp() {}

    /** Broker, registry, application id, any free HTTP port, and the state directory (null: Kafka Streams' own). */
    static Map<String, String> settings(EmbeddedKafka kafka, RegistryServer registry, Path state, String appId) {
        Map<String, String> s = new HashMap<>();
        s.put("bootstrap.servers", kafka.bootstrapServers());
        s.put("schema.registry.url", registry.url());
        if (state != null) {
            s.put("state.dir", state.toString());
        }
        s.put("http.port", "0");
        s.put("application.id", appId);
        return s;
    }

    /** One of several apps on the same broker: its own state directory, application id and topics ({@code name.}). */
    static Map<String, String> isolated(EmbeddedKafka kafka, RegistryServer registry, Path stateRoot, String appIdPrefix, String name,
                                        int partitions) {
        Map<String, String> s = settings(kafka, registry, stateRoot.resolve(name), appIdPrefix + name);
        s.put("topic.prefix", name + ".");
        s.put("events.partitions", Integer.toString(partitions));
        return s;
    }

    /** Creates the app's topics that do not exist yet. */
    static void createTopics(EmbeddedKafka kafka, AppConfig config) throws Exception {
        Map<String, Object> admin = new HashMap<>();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin a = Admin.create(admin)) {
            TopicCreation.createMissing(a, config.topics().all(config.eventsPartitions(), (short) 1), Duration.ofSeconds(15));
        }
    }
}
