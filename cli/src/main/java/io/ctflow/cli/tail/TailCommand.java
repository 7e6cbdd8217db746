package io.ctflow.cli.tail;

import io.ctflow.config.Settings;
import io.ctflow.config.UsageException;
import io.ctflow.schemas.Topics;
import io.ctflow.schemas.serde.AvroSerdeConfig;
import io.ctflow.schemas.serde.AvroSerdes;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ctflow tail TOPIC}: any ctflow topic as JSON lines, values decoded through the schema
 * registry, only committed records (read_committed), without a consumer group.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Print a ctflow topic as JSON lines, one object per record:",
                "{\"topic\",\"partition\",\"offset\",\"timestamp\",\"key\",\"value\"}, the value's Avro fields decoded with the",
                "writer's schema from the registry. A record that does not decode prints {\"topic\",\"partition\",\"offset\",\"error\"}.",
                "Reads committed records only; joins no consumer group."})
public final class TailCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TOPIC", description = "The topic, e.g. ctflow.anomalies.")
    String topic;
    @Option(names = "--bootstrap-servers", description = "Kafka (default ${DEFAULT-VALUE}).")
    String bootstrapServers = "127.0.0.1:9092";
    @Option(names = "--schema-registry-url", description = "Schema registry (default ${DEFAULT-VALUE}).")
    String registryUrl = "http://127.0.0.1:8081";
    @Option(names = "--from-beginning", description = "Start at the oldest record (default: only records that arrive from now on).")
    boolean fromBeginning;
    @Option(names = "--max-idle", paramLabel = "DURATION", description = "Exit after this long without a new record (e.g. 5s; default: never).")
    String maxIdle;
    @Option(names = "--max", paramLabel = "N", description = "Exit after N records.")
    Long max;
    @Option(names = "--topic-prefix", description = "Prefix of the ctflow topics (default ${DEFAULT-VALUE}): keys of PREFIXevents are flow keys.")
    String topicPrefix = Topics.DEFAULT_PREFIX;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any Kafka consumer or registry client property (repeatable).")
    Map<String, String> set = new LinkedHashMap<>();
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        long idleNanos = maxIdle == null ? Long.MAX_VALUE : Settings.parseDuration("--max-idle", maxIdle).toNanos();
        if (max != null && max < 1) {
            throw new UsageException("--max must be at least 1, got " + max);
        }
        Map<String, Object> config = new HashMap<>(set);
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        RecordJson json = new RecordJson(AvroSerdes.generic(config, false).deserializer(), new Topics(topicPrefix).events());
        PrintWriter out = spec.commandLine().getOut();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(config),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = partitions(consumer);
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position); // fix "now" before the first poll
            }
            long printed = 0;
            long lastRecordAt = System.nanoTime();
            while (true) {
                long idle = System.nanoTime() - lastRecordAt;
                if (idle >= idleNanos) {
                    return 0;
                }
                long waitMillis = Math.max(1, Math.min(500, (idleNanos - idle) / 1_000_000));
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(waitMillis));
                if (records.isEmpty()) {
                    continue;
                }
                lastRecordAt = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    out.println(json.toJson(r).toString());
                    if (max != null && ++printed >= max) {
                        out.flush();
                        return 0;
                    }
                }
                out.flush();
            }
        }
    }

    private Map<String, Object> consumerConfig(Map<String, Object> config) {
        Map<String, Object> c = new HashMap<>(config);
        c.remove(AvroSerdeConfig.SCHEMA_REGISTRY_URL);
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "ctflow-tail");
        c.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return c;
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new io.ctflow.config.RuntimeFailure("cannot reach Kafka at " + bootstrapServers + " to find topic " + topic);
        }
        if (infos == null || infos.isEmpty()) {
            throw new UsageException("topic " + topic + " does not exist at " + bootstrapServers);
        }
        return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).sorted(
                java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
    }
}
