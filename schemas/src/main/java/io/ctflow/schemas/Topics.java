package io.ctflow.schemas;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Every topic ctflow reads or writes, in one place: name (under a configurable prefix, default
 * {@code ctflow.}), key, value, and how it is created when missing.
 *
 * <pre>
 * topic              key                    value           cleanup
 * events             FlowKey bytes          ConntrackEvent  delete (7 d)
 * node-facts         node (string)          NodeFacts       compact
 * node-stats         node (string)          NodeStats       delete (7 d)
 * services           proto/vip:port         ServiceEntry    compact
 * dlq                node (string)          DeadLetter      delete (7 d)
 * anomalies          anomaly key (string)   NatAnomaly      compact,delete (30 d)
 * service-stats      service id (string)    ServiceStats    delete (30 d)
 * </pre>
 */
public final class Topics {
    public static final String DEFAULT_PREFIX = "ctflow.";
    public static final int DEFAULT_PARTITIONS = 6;

    private final String prefix;

    public Topics(String prefix) {
        this.prefix = prefix == null ? DEFAULT_PREFIX : prefix;
    }

    public static Topics defaults() {
        return new Topics(DEFAULT_PREFIX);
    }

    public String prefix() {
        return prefix;
    }

    public String events() {
        return prefix + "events";
    }

    public String nodeFacts() {
        return prefix + "node-facts";
    }

    public String nodeStats() {
        return prefix + "node-stats";
    }

    public String services() {
        return prefix + "services";
    }

    public String dlq() {
        return prefix + "dlq";
    }

    /** Records of {@code events} (and other inputs) the streams app could not read: raw bytes with Kafka Streams' error headers (KIP-1034). */
    public String streamsDlq() {
        return prefix + "streams-dlq";
    }

    public String anomalies() {
        return prefix + "anomalies";
    }

    public String serviceStats() {
        return prefix + "service-stats";
    }

    /** Topics the collector writes (the streams app reads them). */
    public List<NewTopic> collectorTopics(int partitions, short replication) {
        long week = 7L * 24 * 3600 * 1000;
        return List.of(
                topic(events(), partitions, replication, Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(week))),
                topic(nodeFacts(), 1, replication, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                topic(nodeStats(), partitions, replication, Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(week))),
                topic(services(), 1, replication, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                topic(dlq(), 1, replication, Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(week))));
    }

    /** Topics the streams app writes. */
    public List<NewTopic> outputTopics(int partitions, short replication) {
        long month = 30L * 24 * 3600 * 1000;
        return List.of(
                topic(anomalies(), partitions, replication, Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(month))),
                topic(serviceStats(), partitions, replication, Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(month))),
                topic(streamsDlq(), 1, replication, Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(month))));
    }

    /** All of them. */
    public List<NewTopic> all(int partitions, short replication) {
        return java.util.stream.Stream.concat(collectorTopics(partitions, replication).stream(),
                outputTopics(partitions, replication).stream()).toList();
    }

    private static NewTopic topic(String name, int partitions, short replication, Map<String, String> configs) {
        Map<String, String> c = new java.util.HashMap<>(configs);
        // Records carry event time (the kernel's clock, or a capture's). Retention must count from
        // when they reached Kafka, or replaying last month's capture would be deleted within minutes.
        c.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
        return new NewTopic(name, partitions, replication).configs(c);
    }
}
