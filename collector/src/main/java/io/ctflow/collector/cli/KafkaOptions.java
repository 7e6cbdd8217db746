package io.ctflow.collector.cli;

import io.ctflow.collector.CollectorConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The Kafka side of the publishing commands (a picocli mixin). */
public final class KafkaOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers (default 127.0.0.1:9092).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Schema registry (default http://127.0.0.1:8081).")
    String schemaRegistryUrl;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file (Kafka client, registry and collector settings).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = {"Any Kafka client or registry property, repeatable",
            "(e.g. --set security.protocol=SASL_SSL --set compression.type=lz4)."})
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", description = "Topic name prefix (default ctflow.).")
    String topicPrefix;

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions of topics the collector creates (default 6).")
    Integer partitions;

    @Option(names = "--replication-factor", paramLabel = "N", description = "Replication of created topics (default min(3, brokers)).")
    Integer replicationFactor;

    @Option(names = "--create-topics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Create missing topics (default true; --no-create-topics to leave that to an admin).")
    boolean createTopics = true;

    /** Flags as settings (they win over the file and the environment). */
    Map<String, String> flags() {
        Map<String, String> f = new LinkedHashMap<>(set);
        put(f, "bootstrap.servers", bootstrapServers);
        put(f, "schema.registry.url", schemaRegistryUrl);
        put(f, "topic.prefix", topicPrefix);
        put(f, "topic.partitions", partitions == null ? null : partitions.toString());
        put(f, "topic.replication.factor", replicationFactor == null ? null : replicationFactor.toString());
        if (!createTopics) {
            f.put("topic.create", "false");
        }
        return f;
    }

    /** Defaults, then --config, then CTFLOW_* variables, then flags. */
    CollectorConfig load() {
        return CollectorConfig.load(config, System.getenv(), flags());
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
