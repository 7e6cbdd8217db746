package io.ctflow.schemas.serde;

import io.ctflow.schemas.registry.RegistryException;
import io.ctflow.schemas.registry.RegistryUnreachableException;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the Confluent wire format. The writer's schema comes from the registry by the id in the
 * message (fetched once per id); the reader's schema is the generated class's (specific) or the
 * writer's own (generic), and Avro's schema resolution bridges the two, so records written with an
 * older schema read into the current class with defaults for the fields they lack. One DatumReader
 * per writer id and a per-thread decoder: a record costs no registry call and no reader allocation.
 *
 * <p>Anything that is not a well-formed message throws {@link SerializationException} naming the
 * topic and the cause: fewer than 5 bytes, a magic byte other than 0, a schema id the registry does
 * not know, a truncated or corrupt body, bytes left over after the record, an unreachable registry.
 * Null reads as null (a tombstone).
 *
 * <p>Thread-safe (Kafka Streams shares one instance between its threads).
 */
public class AvroDeserializer<T> implements Deserializer<T> {
    private static final ThreadLocal<BinaryDecoder[]> DECODERS = ThreadLocal.withInitial(() -> new BinaryDecoder[1]);

    private SchemaRegistryClient client;
    private Class<? extends SpecificRecord> specificClass;
    private AvroSerdeConfig config;
    private boolean specific;
    private final Map<Integer, Reader<T>> readers = new ConcurrentHashMap<>();
    private volatile Reader<T> last;

    /** @param resolvable whether Avro deems the writer's schema readable as the reader's: tells a schema mismatch from corrupt bytes */
    private record Reader<T>(int id, Schema writer, String readerName, DatumReader<T> reader, boolean resolvable) {}

    /** For Kafka's {@code value.deserializer} class name: {@link #configure} builds the client and picks the mode. */
    public AvroDeserializer() {}

    /** Reads into {@code specificClass} (null: by configuration); {@link #configure} is still needed. */
    public AvroDeserializer(Class<? extends T> specificClass) {
        this.specificClass = specificRecordClass(specificClass);
    }

    /** Ready to use; {@code specificClass} null means by configuration ({@code specific.avro.reader}, generic by default). */
    public AvroDeserializer(SchemaRegistryClient client, Class<? extends T> specificClass, Map<String, ?> config, boolean isKey) {
        this.client = client;
        this.specificClass = specificRecordClass(specificClass);
        configure(config, isKey);
    }

    @SuppressWarnings("unchecked")
    private static Class<? extends SpecificRecord> specificRecordClass(Class<?> c) {
        if (c != null && !SpecificRecord.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(c.getName() + " is not an Avro SpecificRecord class");
        }
        return (Class<? extends SpecificRecord>) c;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig c = new AvroSerdeConfig(configs, isKey);
        if (client == null) {
            client = SchemaRegistryClient.create(configs);
        }
        if (specificClass == null) {
            specificClass = c.specificType;
        }
        specific = specificClass != null || c.specificReader;
        readers.clear();
        last = null;
        config = c;
    }

    public SchemaRegistryClient client() {
        return client;
    }

    /** Before {@link #configure}: the client to use instead of one of its own. */
    void useClient(SchemaRegistryClient c) {
        this.client = c;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (config == null) {
            throw new IllegalStateException("AvroDeserializer used before configure()");
        }
        if (data.length < WireFormat.HEADER) {
            throw new SerializationException(topic + ": " + data.length + " bytes is too short for the Confluent wire format"
                    + " (magic byte, 4-byte schema id, Avro body)");
        }
        if (data[0] != WireFormat.MAGIC) {
            throw new SerializationException(String.format("%s: unknown magic byte 0x%02x (not Confluent wire format)", topic, data[0] & 0xff));
        }
        int id = WireFormat.schemaId(data);
        Reader<T> r = last;
        if (r == null || r.id != id) {
            r = reader(topic, id);
        }
        BinaryDecoder[] holder = DECODERS.get();
        BinaryDecoder d = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER, data.length - WireFormat.HEADER, holder[0]);
        holder[0] = d;
        T value;
        try {
            value = r.reader.read(null, d);
            if (!d.isEnd()) {
                throw new SerializationException(topic + ": corrupt Avro body (schema id " + id + ", " + r.writer.getFullName()
                        + "): trailing bytes after the record");
            }
        } catch (EOFException e) {
            throw new SerializationException(topic + ": truncated Avro body (schema id " + id + ", " + r.writer.getFullName() + "): "
                    + (data.length - WireFormat.HEADER) + " bytes end inside the record", e);
        } catch (AvroTypeException e) {
            if (r.resolvable) {
                throw new SerializationException(topic + ": corrupt Avro body (schema id " + id + ", " + r.writer.getFullName() + "): "
                        + AvroSerializer.describe(e), e);
            }
            throw new SerializationException(topic + ": schema id " + id + " (" + r.writer.getFullName() + ") cannot be read as "
                    + r.readerName + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException s) {
                throw s;
            }
            throw new SerializationException(topic + ": corrupt Avro body (schema id " + id + ", " + r.writer.getFullName() + "): "
                    + AvroSerializer.describe(e), e);
        }
        return value;
    }

    private Reader<T> reader(String topic, int id) {
        Reader<T> r = readers.get(id);
        if (r == null) {
            r = newReader(topic, id);
            Reader<T> prev = readers.putIfAbsent(id, r);
            r = prev != null ? prev : r;
        }
        last = r;
        return r;
    }

    @SuppressWarnings("unchecked")
    private Reader<T> newReader(String topic, int id) {
        Schema writer;
        try {
            writer = client.getSchemaById(id);
        } catch (RegistryUnreachableException e) {
            throw new SerializationException(topic + ": " + e.getMessage(), e);
        } catch (RegistryException e) {
            if (e.isNotFound()) {
                throw new SerializationException(topic + ": unknown schema id " + id + " (the registry at " + String.join(", ", client.urls())
                        + " answered " + e.errorCode() + ": " + e.serverMessage() + ")", e);
            }
            throw new SerializationException(topic + ": cannot fetch schema id " + id + ": " + e.getMessage(), e);
        }
        if (!specific) {
            GenericData model = config.logicalTypes ? AvroModels.GENERIC : GenericData.get();
            return new Reader<>(id, writer, "generic " + writer.getFullName(), new GenericDatumReader<>(writer, writer, model), true);
        }
        Class<?> cls = specificClass;
        if (cls == null) {
            // specific.avro.reader=true without a class: the generated class the writer's schema names.
            cls = SpecificData.get().getClass(writer);
            if (cls == null || !SpecificRecord.class.isAssignableFrom(cls)) {
                throw new SerializationException(topic + ": specific.avro.reader=true but no generated class " + writer.getFullName()
                        + " is on the classpath (schema id " + id + ")");
            }
        }
        SpecificData model = SpecificData.getForClass(cls);
        Schema readerSchema = model.getSchema(cls);
        boolean resolvable = readerSchema.equals(writer) || SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer).getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
        return new Reader<>(id, writer, cls.getName(), new SpecificDatumReader<>(writer, readerSchema, model), resolvable);
    }

    /** Writer ids this deserializer has built a reader for (tests check reuse with it). */
    int readerCount() {
        return readers.size();
    }

    @Override
    public void close() {
        readers.clear();
        last = null;
    }
}
