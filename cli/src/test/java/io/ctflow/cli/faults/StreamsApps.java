package io.ctflow.cli.faults;

import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.replay.Replayer;
import io.ctflow.collector.replay.Speed;
import io.ctflow.schemas.serde.AvroSerdes;
import io.ctflow.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/** What the fault tests of the streams app share: a replay into a topic prefix, waiting for the app, its outputs canonicalized. */
final class StreamsApps {
    private StreamsApps() {}

    /** Replays a capture into the topics of {@code prefix}; returns the events sent. */
    static long replay(Path capture, String bootstrap, String registry, String prefix, Speed speed) throws Exception {
        try (Publisher p = CollectorConfig.of(Map.of("bootstrap.servers", bootstrap, "schema.registry.url", registry, "topic.prefix", prefix))
                .connect(new CollectorMetrics())) {
            long events = Replayer.replay(Capture.open(capture), p, Replayer.Options.defaults().withSpeed(speed)).events();
            p.flush();
            if (p.sendErrors() > 0) {
                throw new AssertionError(p.sendErrors() + " records not accepted");
            }
            return events;
        }
    }

    /** Committed offsets of the app's group on {@code topic}, summed (0 when none). */
    static long committed(Admin admin, String appId, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        return m.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    static long endOffsets(Admin admin, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (String t : topics) {
            admin.describeTopics(List.of(t)).allTopicNames().get(30, TimeUnit.SECONDS).get(t).partitions()
                    .forEach(p -> q.put(new TopicPartition(t, p.partition()), OffsetSpec.latest()));
        }
        return admin.listOffsets(q).all().get(30, TimeUnit.SECONDS).values().stream().mapToLong(i -> i.offset()).sum();
    }

    /** Every partition the app's group has committed (its repartition topic too) is committed up to its end. */
    static boolean allCommitted(Admin admin, String appId) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        m.keySet().forEach(tp -> q.put(tp, OffsetSpec.latest()));
        var end = admin.listOffsets(q).all().get(30, TimeUnit.SECONDS);
        return m.entrySet().stream().allMatch(e -> e.getValue() != null && e.getValue().offset() >= end.get(e.getKey()).offset());
    }

    /**
     * Waits until the app has committed every input event and every record of its repartition topic, and its outputs have not grown for
     * {@code quiet}: the replay's closing heartbeat has then fired every timer and closed every window.
     */
    static void awaitDone(String bootstrap, String appId, String prefix, Duration quiet, Duration timeout) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            String events = prefix + "events";
            List<String> outputs = List.of(prefix + "anomalies", prefix + "service-stats");
            // done: all input consumed and committed, and the outputs' end offsets no longer move
            Poll.steady(quiet, timeout, Duration.ofMillis(250), () -> {
                boolean consumed = committed(admin, appId, events) == endOffsets(admin, List.of(events)) && allCommitted(admin, appId);
                return consumed ? endOffsets(admin, outputs) : null;
            }, () -> appId + " done");
        }
    }

    /** The anomalies and Service-stats a read_committed consumer sees, as "topic key value-json" lines in topic order. */
    static List<String> outputs(String bootstrap, String registry, String prefix) throws Exception {
        Deserializer<GenericRecord> d = AvroSerdes.generic(Map.of("schema.registry.url", registry), false).deserializer();
        List<String> out = new ArrayList<>();
        for (String suffix : List.of("anomalies", "service-stats")) {
            for (ConsumerRecord<byte[], byte[]> r : TopicContents.readAll(bootstrap, prefix + suffix)) {
                String key = r.key() == null ? "null" : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
                out.add(suffix + " " + key + " " + (r.value() == null ? "null" : d.deserialize(r.topic(), r.value()).toString()));
            }
        }
        return out;
    }
}
