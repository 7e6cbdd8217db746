package io.ctflow.schemas.serde;

import io.ctflow.schemas.registry.RegistryException;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the Confluent wire format. The writer schema comes from the registry by id (cached), the
 * reader schema from the generated class ({@code specific.avro.reader=true}, or a class given by the
 * factory), so records written with an older schema are resolved into the new class. One
 * DatumReader per (writer id, reader) and a reused decoder: nothing per record but the record.
 */
public final class AvroDeserializer<T> implements Deserializer<T> {
    private SchemaRegistryClient client;
    private Class<?> specificType;
    private boolean specificReader;
    private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();
    private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();

    public AvroDeserializer() {}

    public AvroDeserializer(SchemaRegistryClient client, Class<T> specificType, Map<String, ?> config) {
        this.client = client;
        this.specificType = specificType;
        this.specificReader = specificType != null || AvroSerializer.bool(config, "specific.avro.reader", false);
    }

    @Override
    public void configure(Map<String, ?> config, boolean isKey) {
        if (client == null) {
            client = SchemaRegistryClient.fromConfig(config);
        }
        specificReader = specificType != null || AvroSerializer.bool(config, "specific.avro.reader", false);
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (client == null) {
            throw new SerializationException(topic + ": deserializer not configured (schema.registry.url)");
        }
        if (data.length < WireFormat.HEADER) {
            throw new SerializationException(topic + ": " + data.length + " bytes is too short for the Confluent wire format (5-byte header)");
        }
        if (data[0] != WireFormat.MAGIC) {
            throw new SerializationException(String.format("%s: unknown magic byte 0x%02x (not Confluent wire format)", topic, data[0] & 0xff));
        }
        int id = ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
        DatumReader<Object> reader;
        try {
            reader = readers.computeIfAbsent(id, this::reader);
        } catch (RegistryException e) {
            throw new SerializationException(topic + ": unknown schema id " + id + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new SerializationException(topic + ": cannot get schema id " + id + ": " + e.getMessage(), e);
        }
        BinaryDecoder d = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER, data.length - WireFormat.HEADER, decoders.get());
        decoders.set(d);
        try {
            Object value = reader.read(null, d);
            if (!d.isEnd()) {
                throw new SerializationException(topic + ": corrupt Avro body: trailing bytes after schema id " + id);
            }
            return (T) value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException(topic + ": truncated or corrupt Avro body (schema id " + id + "): " + e, e);
        }
    }

    @SuppressWarnings("unchecked")
    private DatumReader<Object> reader(int id) {
        Schema writer = client.byId(id);
        if (specificType != null) {
            SpecificData model = SpecificData.getForClass(specificType);
            return (DatumReader<Object>) (DatumReader<?>) new SpecificDatumReader<>(writer, model.getSchema(specificType), model);
        }
        if (specificReader) {
            Class<?> cls = AvroSerializer.specificClass(writer);
            if (cls != null) {
                SpecificData model = SpecificData.getForClass(cls);
                return (DatumReader<Object>) (DatumReader<?>) new SpecificDatumReader<>(writer, model.getSchema(cls), model);
            }
        }
        return new GenericDatumReader<>(writer, writer, GenericData.get());
    }
}
