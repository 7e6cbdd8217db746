package io.ctflow.flow;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** The flow key's compact binary form as a Kafka key (no registry: it is not Avro, and 13 bytes matter). */
public final class FlowKeySerde implements Serde<FlowKey> {
    @Override
    public Serializer<FlowKey> serializer() {
        return (topic, key) -> key == null ? null : key.rawBytes();
    }

    @Override
    public Deserializer<FlowKey> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return FlowKey.fromBytes(bytes);
            } catch (IllegalArgumentException e) {
                throw new SerializationException(topic + ": " + e.getMessage(), e);
            }
        };
    }
}
