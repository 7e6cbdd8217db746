package io.ctflow.collector;

import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.publish.TopicSetup;
import io.ctflow.config.Settings;
import io.ctflow.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Where the collector publishes: topics (prefix, partitions and replication of new ones) and every
 * Kafka client / registry property, which passes through untouched (TLS, SASL, {@code basic.auth.*}).
 * Layered as {@link Settings}: defaults, then a properties file, then {@code CTFLOW_*} variables,
 * then flags.
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

    public static final Set<String> OWN_KEYS = Set.of("topic.prefix", "topic.partitions", "topic.replication.factor",
            "topic.create", "connect.timeout");

    public static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("topic.prefix", Topics.DEFAULT_PREFIX);
        d.put("topic.partitions", Integer.toString(Topics.DEFAULT_PARTITIONS));
        d.put("topic.replication.factor", "");
        d.put("topic.create", "true");
        d.put("connect.timeout", "15s");
        d.put("bootstrap.servers", "127.0.0.1:9092");
        d.put("schema.registry.url", "http://127.0.0.1:8081");
        d.putAll(Publisher.producerDefaults());
        return d;
    }

    /** Defaults, then the file, then CTFLOW_* variables, then flags. */
    public static CollectorConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        return from(Settings.load(defaults(), OWN_KEYS, file, env, flags));
    }

    /** Defaults overridden by the given values (tests, the embedded demo). */
    public static CollectorConfig of(Map<String, String> overrides) {
        return load(null, Map.of(), overrides);
    }

    public static CollectorConfig from(Settings s) {
        int partitions = s.getInt("topic.partitions");
        if (partitions < 1) {
            throw new Settings.ConfigException("topic.partitions must be at least 1, got " + partitions);
        }
        String rfText = s.get("topic.replication.factor").trim();
        Short rf = null;
        if (!rfText.isEmpty()) {
            int v = s.getInt("topic.replication.factor");
            if (v < 1 || v > Short.MAX_VALUE) {
                throw new Settings.ConfigException("topic.replication.factor must be at least 1, got " + v);
            }
            rf = (short) v;
        }
        Duration timeout = s.getDuration("connect.timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new Settings.ConfigException("connect.timeout must be positive");
        }
        String bootstrap = s.get("bootstrap.servers").trim();
        if (bootstrap.isEmpty()) {
            throw new Settings.ConfigException("bootstrap.servers is empty");
        }
        return new CollectorConfig(new Topics(s.get("topic.prefix")), partitions, rf, s.getBoolean("topic.create"), timeout,
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
