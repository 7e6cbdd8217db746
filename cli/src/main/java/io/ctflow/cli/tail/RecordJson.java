package io.ctflow.cli.tail;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.flow.FlowKey;
import io.ctflow.json.AvroJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * One Kafka record of a ctflow topic as one JSON object: {@code topic, partition, offset, timestamp,
 * key, value}. Values are Confluent-wire Avro read with the writer's schema from the registry; keys
 * are the binary flow key on the events topic (shown in its text form) and UTF-8 strings elsewhere.
 * A record that does not decode becomes {@code {topic, partition, offset, error}}.
 */
final class RecordJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final Deserializer<? extends IndexedRecord> values;
    private final String flowKeyTopic;

    /** {@code flowKeyTopic}: the topic whose keys are binary flow keys (the events topic). */
    RecordJson(Deserializer<? extends IndexedRecord> values, String flowKeyTopic) {
        this.values = values;
        this.flowKeyTopic = flowKeyTopic;
    }

    ObjectNode toJson(ConsumerRecord<byte[], byte[]> r) {
        ObjectNode o = F.objectNode().put("topic", r.topic()).put("partition", r.partition()).put("offset", r.offset());
        try {
            String key = key(r.topic(), r.key());
            IndexedRecord value = values.deserialize(r.topic(), r.headers(), r.value());
            o.put("timestamp", Instant.ofEpochMilli(r.timestamp()).toString());
            o.put("key", key);
            o.set("value", value == null ? F.nullNode() : AvroJson.toJson(value));
            return o;
        } catch (RuntimeException e) {
            return o.put("error", e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private String key(String topic, byte[] key) {
        if (key == null) {
            return null;
        }
        if (topic.equals(flowKeyTopic)) {
            return FlowKey.fromBytes(key).text(); // not a flow key: IllegalArgumentException, an error object
        }
        return new String(key, StandardCharsets.UTF_8);
    }
}
