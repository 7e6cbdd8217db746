package io.ctflow.collector.cli;

import io.ctflow.collector.CollectorKeys;
import io.ctflow.config.ClientOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The Kafka side of the publishing commands (a picocli mixin): where, and the topics; values are keys of {@link CollectorKeys}. */
public final class KafkaOptions {
    @Mixin
    ClientOptions client;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", descriptionKey = CollectorKeys.TOPIC_PREFIX)
    String topicPrefix;

    @Option(names = "--partitions", paramLabel = "N", descriptionKey = CollectorKeys.TOPIC_PARTITIONS)
    String partitions;

    @Option(names = "--replication-factor", paramLabel = "N", descriptionKey = CollectorKeys.TOPIC_REPLICATION_FACTOR)
    String replicationFactor;

    @Option(names = "--create-topics", negatable = true, descriptionKey = CollectorKeys.TOPIC_CREATE)
    Boolean createTopics;
}
