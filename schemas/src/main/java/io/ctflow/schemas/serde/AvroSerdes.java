package io.ctflow.schemas.serde;

import io.ctflow.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/** Ready-configured serdes; one registry client (and its caches) per serde pair. */
public final class AvroSerdes {
    private AvroSerdes() {}

    /** Specific records of {@code cls}, read with the class's schema. */
    public static <T extends SpecificRecord> Serde<T> specific(Class<T> cls, Map<String, ?> config, boolean isKey) {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfig(config);
        return new AvroSerde<>(new AvroSerializer<>(client, config, isKey), new AvroDeserializer<>(client, cls, config));
    }

    /** Generic records, read with the writer's schema. */
    public static Serde<GenericRecord> generic(Map<String, ?> config, boolean isKey) {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfig(config);
        return new AvroSerde<>(new AvroSerializer<>(client, config, isKey), new AvroDeserializer<>(client, null, config));
    }
}
