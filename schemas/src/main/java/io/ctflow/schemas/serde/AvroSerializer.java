package io.ctflow.schemas.serde;

import io.ctflow.schemas.registry.RegistryException;
import io.ctflow.schemas.registry.RegistryUnreachableException;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Avro records (SpecificRecord or GenericRecord) in the Confluent wire format: magic byte,
 * 4-byte schema id, Avro binary. The schema is registered (or, with
 * {@code auto.register.schemas=false}, looked up) once per (topic, schema) and its id cached; the
 * DatumWriter is built once per schema and the encoder reused per thread, so a record costs no
 * registry call and no writer allocation. Null writes null (a tombstone). Settings: see
 * {@link AvroSerdeConfig}.
 *
 * <p>Thread-safe: a KafkaProducer calls it from every thread that sends.
 */
public class AvroSerializer<T> implements Serializer<T> {
    private static final Logger LOG = LoggerFactory.getLogger(AvroSerializer.class);
    private static final long NEVER = Long.MIN_VALUE;
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private SchemaRegistryClient client;
    private AvroSerdeConfig config;
    private final Map<TargetKey, Target> targets = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private volatile Target last;

    private record TargetKey(String topic, Schema schema) {}

    /** What to write a (topic, record schema) as: the subject, schema id and writer. */
    private record Target(String topic, Schema schema, String subject, int id, DatumWriter<Object> writer, long expiresAt) {
        boolean expired() {
            return expiresAt != NEVER && System.nanoTime() - expiresAt >= 0;
        }
    }

    /** For Kafka's {@code value.serializer} class name: {@link #configure} builds the registry client. */
    public AvroSerializer() {}

    /** With a client of your own; {@link #configure} is still needed for the serde settings. */
    public AvroSerializer(SchemaRegistryClient client) {
        this.client = client;
    }

    /** Ready to use. */
    public AvroSerializer(SchemaRegistryClient client, Map<String, ?> config, boolean isKey) {
        this.client = client;
        configure(config, isKey);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig c = new AvroSerdeConfig(configs, isKey);
        if (client == null) {
            client = SchemaRegistryClient.create(configs);
        }
        targets.clear();
        last = null;
        config = c;
    }

    public SchemaRegistryClient client() {
        return client;
    }

    /** Before {@link #configure}: the client to use instead of one of its own (AvroSerde gives both halves one). */
    void useClient(SchemaRegistryClient c) {
        this.client = c;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (config == null) {
            throw new IllegalStateException("AvroSerializer used before configure()");
        }
        if (!(data instanceof IndexedRecord record)) {
            throw new SerializationException(topic + ": AvroSerializer writes Avro records (SpecificRecord or GenericRecord), got "
                    + data.getClass().getName());
        }
        Schema schema = record.getSchema();
        Target t = last;
        if (t == null || t.schema != schema || !t.topic.equals(topic) || t.expired()) {
            t = target(topic, schema, record);
        }
        Buffers b = BUFFERS.get();
        // Reconfiguring a reused encoder flushes whatever it still buffers, so reset the output after it.
        b.encoder = EncoderFactory.get().binaryEncoder(b.out, b.encoder);
        b.out.reset(WireFormat.HEADER);
        try {
            t.writer.write(record, b.encoder);
            b.encoder.flush();
        } catch (IOException | RuntimeException e) {
            b.encoder = null; // a write that failed halfway leaves bytes in the encoder: never reuse it
            throw new SerializationException(topic + ": cannot write " + schema.getFullName() + " (schema id " + t.id + "): " + describe(e), e);
        }
        WireFormat.header(b.out.buf, t.id);
        return b.out.toByteArray();
    }

    private Target target(String topic, Schema schema, IndexedRecord record) {
        TargetKey key = new TargetKey(topic, schema);
        Target t = targets.get(key);
        if (t == null || t.expired()) {
            t = resolve(topic, schema, record, t);
            targets.put(key, t);
        }
        last = t;
        return t;
    }

    private Target resolve(String topic, Schema schema, IndexedRecord record, Target stale) {
        String subject = config.subjectNameStrategy.subjectName(topic, config.isKey, schema);
        try {
            if (config.useLatestVersion) {
                var latest = client.getLatestVersion(subject);
                Schema target = client.getSchemaById(latest.id());
                DatumWriter<Object> w = target.equals(schema) ? writer(schema, record)
                        : new AvroModels.ByNameWriter<>(target, model(record));
                long expires = config.latestTtlNanos < 0 ? NEVER : System.nanoTime() + config.latestTtlNanos;
                return new Target(topic, schema, subject, latest.id(), w, expires);
            }
            int id = config.autoRegister ? client.register(subject, schema) : client.getId(subject, schema);
            return new Target(topic, schema, subject, id, writer(schema, record), NEVER);
        } catch (RegistryException e) {
            if (stale != null && e instanceof RegistryUnreachableException) {
                // A latest-version refresh that fails keeps the schema we have rather than stopping the producer.
                LOG.warn("{}: keeping schema id {} for subject {}: {}", topic, stale.id, subject, e.getMessage());
                return new Target(topic, schema, subject, stale.id, stale.writer, System.nanoTime() + Math.max(config.latestTtlNanos, 1_000_000_000L));
            }
            throw new SerializationException(topic + ": " + explain(e, subject, schema), e);
        }
    }

    private String explain(RegistryException e, String subject, Schema schema) {
        if (e instanceof RegistryUnreachableException) {
            return e.getMessage();
        }
        String name = schema.getFullName();
        if (e.isIncompatible()) {
            return "the registry refused schema " + name + " for subject " + subject + " as incompatible: " + e.serverMessage();
        }
        if (e.isNotFound() && config.useLatestVersion) {
            return "no schema is registered under subject " + subject + " (use.latest.version=true): " + e.serverMessage();
        }
        if (e.isNotFound() && !config.autoRegister) {
            return "schema " + name + " is not registered under subject " + subject + " and auto.register.schemas=false: " + e.serverMessage();
        }
        return "schema registry error for subject " + subject + ": " + e.getMessage();
    }

    @SuppressWarnings("unchecked")
    private DatumWriter<Object> writer(Schema schema, IndexedRecord record) {
        return writers.computeIfAbsent(schema, s -> record instanceof SpecificRecord
                ? (DatumWriter<Object>) (DatumWriter<?>) new SpecificDatumWriter<>(s, SpecificData.getForClass(record.getClass()))
                : new GenericDatumWriter<>(s, AvroModels.GENERIC));
    }

    private static SpecificData model(IndexedRecord record) {
        return record instanceof SpecificRecord ? SpecificData.getForClass(record.getClass()) : AvroModels.GENERIC_AS_SPECIFIC;
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + m;
    }

    @Override
    public void close() {
        // The client may be shared with other serdes; only our caches go.
        targets.clear();
        writers.clear();
        last = null;
    }

    /** Per-thread output buffer and encoder, reused across records. */
    private static final class Buffers {
        final Out out = new Out();
        BinaryEncoder encoder;
    }

    /** An unsynchronized growable byte buffer; the first bytes are left for the header. */
    private static final class Out extends OutputStream {
        byte[] buf = new byte[1024];
        int count;

        void reset(int reserved) {
            if (buf.length > 1 << 20) {
                buf = new byte[1024]; // do not keep one huge record's buffer per thread forever
            }
            count = reserved;
        }

        private void ensure(int more) {
            if (count + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
            }
        }

        @Override
        public void write(int b) {
            ensure(1);
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, count);
        }
    }
}
