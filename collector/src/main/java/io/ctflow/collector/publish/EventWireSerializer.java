package io.ctflow.collector.publish;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.collector.PerThread;
import io.ctflow.collector.parse.ConntrackEntry;
import io.ctflow.schemas.serde.AvroSerdeConfig;
import io.ctflow.schemas.serde.AvroSerializer;
import io.ctflow.schemas.serde.WireFormat;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events topic's value serializer: the Confluent wire format of {@link AvroSerializer} (it
 * still registers the schema and gives the header), with the Avro body written by
 * {@link ConntrackEventEncoder} instead of the generic writer. The first record of a topic goes
 * through the registry serializer; its header is kept once the encoder's bytes for that record
 * are proven identical, and every later record is the header plus the encoder's bytes.
 *
 * <p>Falls back to the registry serializer for good when the generated class's schema is not the
 * encoder's, when the bytes ever differ, or with {@code use.latest.version=true} (the writer
 * schema is then the registry's, and its id may change while running). Thread-safe.
 */
final class EventWireSerializer implements Serializer<ConntrackEvent> {
    private static final Logger LOG = LoggerFactory.getLogger(EventWireSerializer.class);
    private static final PerThread<ConntrackEventEncoder> ENCODERS = new PerThread<>(ConntrackEventEncoder::new);

    private final Serializer<ConntrackEvent> registered;
    private volatile boolean enabled;
    private volatile Header header;

    private record Header(String topic, byte[] bytes) {}

    EventWireSerializer(Serializer<ConntrackEvent> registered, boolean enabled) {
        this.registered = registered;
        this.enabled = enabled;
    }

    /** Around the registry serializer of {@code config}; the encoder is used when the config and schema allow it. */
    static EventWireSerializer wrap(Serializer<ConntrackEvent> registered, Map<String, ?> config) {
        boolean latest = Boolean.parseBoolean(String.valueOf(config.get(AvroSerdeConfig.USE_LATEST_VERSION)));
        return new EventWireSerializer(registered, !latest && ConntrackEventEncoder.supports(ConntrackEvent.getClassSchema()));
    }

    /** Whether records are written by the encoder now (after the first record of the topic). */
    boolean encoding() {
        return enabled && header != null;
    }

    @Override
    public byte[] serialize(String topic, ConntrackEvent e) {
        if (e == null) {
            return null;
        }
        Header h = header;
        if (!enabled || h == null || !h.topic.equals(topic)) {
            return learn(topic, e);
        }
        try {
            return ENCODERS.get().encode(h.bytes, e);
        } catch (RuntimeException ex) {
            throw failure(topic, ex);
        }
    }

    /**
     * The bytes of {@code entry.toEvent(sequence)}, written straight from the parse once the
     * encoder took over (else through {@link #serialize(String, ConntrackEvent)} of the event).
     */
    byte[] serialize(String topic, ConntrackEntry entry, long sequence) {
        Header h = header;
        if (!enabled || h == null || !h.topic.equals(topic)) {
            return serialize(topic, entry.toEvent(sequence));
        }
        try {
            return ENCODERS.get().encode(h.bytes, entry, sequence);
        } catch (RuntimeException ex) {
            throw failure(topic, ex);
        }
    }

    private static SerializationException failure(String topic, RuntimeException ex) {
        return new SerializationException(topic + ": cannot write " + ConntrackEvent.getClassSchema().getFullName() + ": "
                + ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage()), ex);
    }

    private byte[] learn(String topic, ConntrackEvent e) {
        byte[] reference = registered.serialize(topic, e);
        if (!enabled || reference == null || reference.length < WireFormat.HEADER || reference[0] != WireFormat.MAGIC) {
            return reference;
        }
        byte[] h = Arrays.copyOf(reference, WireFormat.HEADER);
        if (Arrays.equals(reference, ENCODERS.get().encode(h, e))) {
            header = new Header(topic, h);
        } else {
            enabled = false;
            LOG.warn("{}: the event encoder's bytes differ from the Avro writer's; events are written by the Avro writer", topic);
        }
        return reference;
    }

    @Override
    public void close() {
        registered.close();
    }
}
