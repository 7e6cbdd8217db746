package io.ctflow.schemas.serde;

import io.ctflow.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;

/**
 * Ready-configured serdes from Kafka-style settings ({@code schema.registry.url}, {@code basic.auth.*},
 * {@code schema.registry.ssl.*}, {@code auto.register.schemas}, ...; see {@link AvroSerdeConfig}).
 * Each serde has one {@link SchemaRegistryClient} (and its caches) for both halves.
 */
public final class AvroSerdes {
    private AvroSerdes() {}

    /** Specific records of {@code cls}: written with the record's schema, read into {@code cls} whatever schema wrote them. */
    public static <T extends SpecificRecord> AvroSerde<T> specific(Class<T> cls, Map<String, ?> config, boolean isKey) {
        return specific(cls, SchemaRegistryClient.create(config), config, isKey);
    }

    /** As above, with a client of your own. */
    public static <T extends SpecificRecord> AvroSerde<T> specific(Class<T> cls, SchemaRegistryClient client, Map<String, ?> config, boolean isKey) {
        return new AvroSerde<>(new AvroSerializer<>(client, config, isKey), new AvroDeserializer<>(client, cls, config, isKey));
    }

    /** Generic records, read with the writer's schema (timestamps as Instant unless avro.use.logical.type.converters=false). */
    public static AvroSerde<GenericRecord> generic(Map<String, ?> config, boolean isKey) {
        return generic(SchemaRegistryClient.create(config), config, isKey);
    }

    /** As above, with a client of your own. */
    public static AvroSerde<GenericRecord> generic(SchemaRegistryClient client, Map<String, ?> config, boolean isKey) {
        // An explicit generic serde stays generic even if the shared settings say specific.avro.reader=true.
        Map<String, Object> c = new java.util.HashMap<>(config);
        c.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, false);
        c.remove(isKey ? AvroSerdeConfig.SPECIFIC_AVRO_KEY_TYPE : AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE);
        return new AvroSerde<>(new AvroSerializer<>(client, c, isKey), new AvroDeserializer<>(client, null, c, isKey));
    }
}
