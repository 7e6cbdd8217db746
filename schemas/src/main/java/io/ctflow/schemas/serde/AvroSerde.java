package io.ctflow.schemas.serde;

import io.ctflow.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;

/**
 * {@link AvroSerializer} and {@link AvroDeserializer} as one Kafka {@link Serde}. The no-arg
 * constructor serves Kafka Streams' {@code default.value.serde} class name; {@link #configure}
 * then reads the settings (specific records with {@code specific.avro.reader=true} or
 * {@code specific.avro.value.type}, else GenericRecord). {@link AvroSerdes} builds typed ones.
 */
public class AvroSerde<T> implements Serde<T> {
    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;

    public AvroSerde() {
        this(new AvroSerializer<>(), new AvroDeserializer<>());
    }

    public AvroSerde(AvroSerializer<T> serializer, AvroDeserializer<T> deserializer) {
        this.serializer = serializer;
        this.deserializer = deserializer;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (serializer.client() == null && deserializer.client() == null) {
            // One client for both halves: a schema the serializer registered is known to the deserializer.
            SchemaRegistryClient client = SchemaRegistryClient.create(configs);
            serializer.useClient(client);
            deserializer.useClient(client);
        }
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public AvroSerializer<T> serializer() {
        return serializer;
    }

    @Override
    public AvroDeserializer<T> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
