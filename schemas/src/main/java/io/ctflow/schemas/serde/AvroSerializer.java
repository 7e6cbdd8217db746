package io.ctflow.schemas.serde;

import io.ctflow.schemas.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro in the Confluent wire format. Config keys as Confluent's: {@code schema.registry.url},
 * {@code auto.register.schemas} (default true), {@code use.latest.version} (default false),
 * {@code key/value.subject.name.strategy}, {@code basic.auth.*}. The schema id is looked up once per
 * (subject, schema) and cached; one DatumWriter per schema; encoders are reused per thread.
 */
public final class AvroSerializer<T> implements Serializer<T> {
    private SchemaRegistryClient client;
    private boolean isKey;
    private boolean autoRegister = true;
    private boolean useLatest;
    private SubjectNaming naming = SubjectNaming.TOPIC_NAME;
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

    private static final class Buffers {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        BinaryEncoder encoder;
    }

    public AvroSerializer() {}

    /** With a shared client (tests, factories). */
    public AvroSerializer(SchemaRegistryClient client, Map<String, ?> config, boolean isKey) {
        this.client = client;
        configureFlags(config, isKey);
    }

    @Override
    public void configure(Map<String, ?> config, boolean isKey) {
        if (client == null) {
            client = SchemaRegistryClient.fromConfig(config);
        }
        configureFlags(config, isKey);
    }

    private void configureFlags(Map<String, ?> config, boolean isKey) {
        this.isKey = isKey;
        this.autoRegister = bool(config, "auto.register.schemas", true);
        this.useLatest = bool(config, "use.latest.version", false);
        this.naming = SubjectNaming.parse(config.get(isKey ? "key.subject.name.strategy" : "value.subject.name.strategy"));
    }

    static boolean bool(Map<String, ?> c, String k, boolean def) {
        Object v = c.get(k);
        return v == null ? def : Boolean.parseBoolean(v.toString().trim());
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (client == null) {
            throw new SerializationException(topic + ": serializer not configured (schema.registry.url)");
        }
        if (!(data instanceof GenericContainer gc)) {
            throw new SerializationException(topic + ": not an Avro record: " + data.getClass().getName());
        }
        Schema schema = gc.getSchema();
        String subject = naming.subject(topic, isKey, schema);
        int id;
        try {
            id = ids.computeIfAbsent(subject + "\u0000" + schema.hashCode() + "\u0000" + schema.getFullName(), k -> schemaId(subject, schema));
        } catch (RuntimeException e) {
            throw new SerializationException(topic + ": cannot get a schema id for subject " + subject + ": " + e.getMessage(), e);
        }
        Buffers b = buffers.get();
        b.out.reset();
        b.out.write(WireFormat.MAGIC);
        b.out.write(id >>> 24);
        b.out.write(id >>> 16);
        b.out.write(id >>> 8);
        b.out.write(id);
        b.encoder = EncoderFactory.get().directBinaryEncoder(b.out, b.encoder);
        try {
            writers.computeIfAbsent(schema, AvroSerializer::writer).write(data, b.encoder);
            b.encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(topic + ": cannot write " + schema.getFullName() + ": " + e.getMessage(), e);
        }
        return b.out.toByteArray();
    }

    private int schemaId(String subject, Schema schema) {
        if (useLatest) {
            return client.version(subject, "latest").id();
        }
        return autoRegister ? client.register(subject, schema) : client.lookup(subject, schema).id();
    }

    @SuppressWarnings("unchecked")
    private static DatumWriter<Object> writer(Schema schema) {
        // Specific classes carry logical-type conversions (timestamp-micros as Instant) in their model.
        return schema.getType() == Schema.Type.RECORD && specificClass(schema) != null
                ? (DatumWriter<Object>) (DatumWriter<?>) new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema))
                : new GenericDatumWriter<>(schema, GenericData.get());
    }

    static Class<?> specificClass(Schema schema) {
        Class<?> c = SpecificData.get().getClass(schema);
        return c != null && SpecificRecord.class.isAssignableFrom(c) ? c : null;
    }

    public SchemaRegistryClient client() {
        return client;
    }
}
