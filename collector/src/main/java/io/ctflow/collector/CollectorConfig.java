package io.ctflow.collector;

import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.publish.TopicSetup;
import io.ctflow.config.ConfigSources;
import io.ctflow.config.Settings;
import io.ctflow.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the collector publishes: topics (prefix, partitions and replication of new ones) and every
 * Kafka client / registry property, which passes through untouched (TLS, SASL, {@code basic.auth.*}).
 * Keys: {@link CollectorKeys}; layered as {@link Settings}: defaults, then a properties file, then
 * {@code CTFLOW_*} variables, then flags, then {@code --set}.
 *
 * @param topics            topic names
 * @param partitions        partitions of new events / node-stats topics
 * @param replicationFactor replication of new topics, null: min(3, brokers)
 * @param createTopics      create missing topics
 * @param connectTimeout    how long Kafka may take to answer at startup
 * @param kafka             Kafka client and registry properties
 */
public record CollectorConfig(Topics topics, int partitions, Short replicationFactor, boolean createTopics,
                              Duration connectTimeout, Map<String, Object> kafka) {

    /** Defaults, then the file, then CTFLOW_* variables, then flags. */
    public static CollectorConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        return from(Settings.load(CollectorKeys.SCHEMA, new ConfigSources(file, env, ConfigSources.flags(flags, "a flag"), Map.of())));
    }

    /** Defaults overridden by the given values (tests, the embedded demo). */
    public static CollectorConfig of(Map<String, String> overrides) {
        return from(Settings.load(CollectorKeys.SCHEMA, ConfigSources.of(overrides)));
    }

    /** From settings checked against {@link CollectorKeys#SCHEMA}. */
    public static CollectorConfig from(Settings s) {
        Integer rf = s.integerOrNull(CollectorKeys.TOPIC_REPLICATION_FACTOR);
        return new CollectorConfig(new Topics(s.string(CollectorKeys.TOPIC_PREFIX)), s.integer(CollectorKeys.TOPIC_PARTITIONS),
                rf == null ? null : rf.shortValue(), s.bool(CollectorKeys.TOPIC_CREATE), s.duration(CollectorKeys.CONNECT_TIMEOUT),
                Map.copyOf(new HashMap<>(s.kafka())));
    }

    public String bootstrapServers() {
        return String.valueOf(kafka.get("bootstrap.servers"));
    }

    public String registryUrl() {
        return String.valueOf(kafka.get("schema.registry.url"));
    }

    /**
     * Checks that Kafka answers, creates missing topics (unless told not to), creates the producer and
     * registers the schemas: every "cannot reach" problem is one {@link CollectorException} here.
     */
    public Publisher connect(CollectorMetrics metrics) {
        if (createTopics) {
            TopicSetup.ensure(kafka, topics, partitions, replicationFactor, connectTimeout);
        }
        Publisher p = Publisher.create(kafka, topics, metrics);
        metrics.watchProducer(p::producerMetrics);
        try {
            p.preflight();
            if (!createTopics) {
                p.eventPartitions(); // metadata of the events topic: fails when Kafka or the topic is missing
            }
            return p;
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            if (e instanceof CollectorException) {
                throw e;
            }
            throw CollectorException.environment("Kafka at " + bootstrapServers() + ": " + Publisher.rootMessage(e), e);
        }
    }
}
