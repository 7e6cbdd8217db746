package io.ctflow.streams.input;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.schemas.serde.AvroDeserializer;
import io.ctflow.schemas.serde.WireFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events topic's value deserializer: the Confluent wire format of {@link AvroDeserializer},
 * with the Avro body read by {@link ConntrackEventDecoder} when the writer's schema is the one
 * the decoder reads. The first record of each schema id goes through the registry deserializer
 * (which fetches the writer's schema and words registry errors); the id is then decided once:
 * decoded by hand if the writer's schema is the decoder's and the decoder reads that first record
 * into an equal event, else read by Avro for good (older or evolved producers: schema
 * resolution unchanged). Headers that are not the wire format go to the registry deserializer
 * too, for its error messages.
 *
 * <p>Thread-safe (Kafka Streams shares one instance between its threads): one decoder per thread.
 */
public final class ConntrackEventDeserializer implements Deserializer<ConntrackEvent> {
    private static final Logger LOG = LoggerFactory.getLogger(ConntrackEventDeserializer.class);
    private static final String NAME = ConntrackEvent.getClassSchema().getFullName();
    private static final ThreadLocal<ConntrackEventDecoder> DECODERS = ThreadLocal.withInitial(ConntrackEventDecoder::new);
    /** The generated class must be the decoder's too: it builds the events. */
    private static final boolean CLASS_SUPPORTED = ConntrackEventDecoder.supports(ConntrackEvent.getClassSchema());

    private final AvroDeserializer<ConntrackEvent> avro;
    private final Map<Integer, Boolean> decodable = new ConcurrentHashMap<>();
    private volatile Writer last;

    private record Writer(int id, boolean decodable) {}

    /** Around a configured registry deserializer of ConntrackEvent (its client and settings are used as they are). */
    public ConntrackEventDeserializer(AvroDeserializer<ConntrackEvent> avro) {
        this.avro = avro;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        avro.configure(configs, isKey);
        decodable.clear();
        last = null;
    }

    /** Whether records of schema id {@code id} are read by the decoder (null: no record of it seen yet). */
    Boolean decodes(int id) {
        return decodable.get(id);
    }

    @Override
    public ConntrackEvent deserialize(String topic, byte[] data) {
        if (data == null || data.length < WireFormat.HEADER || data[0] != WireFormat.MAGIC) {
            return avro.deserialize(topic, data);
        }
        int id = ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
        Writer w = last;
        if (w == null || w.id != id) {
            Boolean d = decodable.get(id);
            if (d == null) {
                return learn(topic, id, data);
            }
            w = new Writer(id, d);
            last = w;
        }
        return w.decodable ? decode(topic, id, data) : avro.deserialize(topic, data);
    }

    private ConntrackEvent learn(String topic, int id, byte[] data) {
        ConntrackEvent reference = avro.deserialize(topic, data); // fetches the writer's schema; throws as before
        boolean ok = CLASS_SUPPORTED && ConntrackEventDecoder.supports(avro.client().getSchemaById(id)); // cached by the call above
        if (ok) {
            try {
                ok = reference.equals(DECODERS.get().decode(data, WireFormat.HEADER, data.length));
            } catch (ConntrackEventDecoder.Malformed | RuntimeException e) {
                ok = false;
            }
            if (!ok) {
                LOG.warn("{}: the event decoder reads schema id {} differently from Avro; its events are read by Avro", topic, id);
            }
        }
        decodable.put(id, ok);
        return reference;
    }

    private ConntrackEvent decode(String topic, int id, byte[] data) {
        ConntrackEventDecoder d = DECODERS.get();
        try {
            return d.decode(data, WireFormat.HEADER, data.length);
        } catch (ConntrackEventDecoder.Malformed e) {
            String field = d.field() == null ? "" : "field " + d.field() + ": ";
            if (e.truncated) {
                throw new SerializationException(topic + ": truncated Avro body (schema id " + id + ", " + NAME + "): "
                        + (data.length - WireFormat.HEADER) + " bytes end inside the record (" + field + e.getMessage() + ")", e);
            }
            throw new SerializationException(topic + ": corrupt Avro body (schema id " + id + ", " + NAME + "): " + field + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new SerializationException(topic + ": corrupt Avro body (schema id " + id + ", " + NAME + "): field " + d.field() + ": "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
    }

    @Override
    public void close() {
        avro.close();
        decodable.clear();
        last = null;
    }
}
