package io.ctflow.streams;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Plain Avro binary for the app's own state stores and repartition topic: these are read only by
 * this app, with the schema compiled in, so a registry round trip would buy nothing and the 5-byte
 * header would cost on every flow. One leading version byte leaves room to evolve the layout.
 */
public final class InternalAvroSerde<T extends SpecificRecord> implements Serde<T> {
    private static final byte VERSION = 1;
    private final SpecificDatumWriter<T> writer;
    private final SpecificDatumReader<T> reader;
    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

    private static final class Buffers {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder;
        BinaryDecoder decoder;
    }

    public InternalAvroSerde(Class<T> cls) {
        SpecificData model = SpecificData.getForClass(cls);
        Schema schema = model.getSchema(cls);
        this.writer = new SpecificDatumWriter<>(schema, model);
        this.reader = new SpecificDatumReader<>(schema, schema, model);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            Buffers b = buffers.get();
            b.out.reset();
            b.out.write(VERSION);
            b.encoder = EncoderFactory.get().directBinaryEncoder(b.out, b.encoder);
            try {
                writer.write(value, b.encoder);
                b.encoder.flush();
            } catch (IOException | RuntimeException e) {
                throw new SerializationException(topic + ": cannot write " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
            }
            return b.out.toByteArray();
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            if (data.length == 0 || data[0] != VERSION) {
                throw new SerializationException(topic + ": unknown internal record version " + (data.length == 0 ? "(empty)" : data[0]));
            }
            Buffers b = buffers.get();
            b.decoder = DecoderFactory.get().binaryDecoder(data, 1, data.length - 1, b.decoder);
            try {
                return reader.read(null, b.decoder);
            } catch (IOException | RuntimeException e) {
                throw new SerializationException(topic + ": corrupt internal record: " + e.getMessage(), e);
            }
        };
    }
}
