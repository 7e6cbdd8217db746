package io.ctflow.collector.testing;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.publish.ValueSerializers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/** Avro binary without a registry, for tests with a MockProducer. */
public final class PlainAvro {
    private PlainAvro() {}

    public static <T extends SpecificRecord> Serializer<T> serializer(Class<T> cls) {
        SpecificDatumWriter<T> w = new SpecificDatumWriter<>(cls);
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
                w.write(value, enc);
                enc.flush();
                return out.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    public static <T extends SpecificRecord> T read(Class<T> cls, byte[] bytes) {
        try {
            return new SpecificDatumReader<>(cls).read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ValueSerializers serializers() {
        return new ValueSerializers(serializer(ConntrackEvent.class), serializer(NodeFacts.class), serializer(NodeStats.class),
                serializer(ServiceEntry.class), serializer(DeadLetter.class));
    }
}
