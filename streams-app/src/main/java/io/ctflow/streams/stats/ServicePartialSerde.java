package io.ctflow.streams.stats;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The codec of a {@link ServicePartial} (store service-partials, and the PARTIAL messages of the
 * repartition topic): a fixed, versioned layout of Avro primitives (zig-zag varints, length-prefixed
 * UTF-8) written directly, no schema walk. A partial is written on every connection change of its
 * Service window, so this is on the per-event path.
 *
 * <p>Layout v1: version, service, start, serviceAddress, newFlows, replied, unreplied, incomplete,
 * stateDelta, backends (each a count and key/count pairs), latency (count of non-empty buckets, then
 * bucket-index delta and count pairs), exact clients (count, then bytes each), client bitmap (bytes,
 * empty while the clients are exact).
 */
public final class ServicePartialSerde implements Serde<ServicePartial> {
    static final int VERSION = 1;

    private final ThreadLocal<Out> out = ThreadLocal.withInitial(Out::new);
    private final ThreadLocal<BinaryDecoder[]> decoder = ThreadLocal.withInitial(() -> new BinaryDecoder[1]);

    @Override
    public Serializer<ServicePartial> serializer() {
        return (topic, p) -> p == null ? null : encode(p);
    }

    @Override
    public Deserializer<ServicePartial> deserializer() {
        return (topic, data) -> data == null ? null : decode(data);
    }

    public byte[] encode(ServicePartial p) {
        Out o = out.get();
        o.bytes.reset();
        BinaryEncoder e = o.encoder = EncoderFactory.get().directBinaryEncoder(o.bytes, o.encoder);
        try {
            e.writeInt(VERSION);
            e.writeString(p.service);
            e.writeLong(p.start);
            e.writeString(p.serviceAddress);
            e.writeLong(p.newFlows);
            e.writeLong(p.replied);
            e.writeLong(p.unreplied);
            counts(e, p.incomplete);
            counts(e, p.stateDelta);
            counts(e, p.backends);
            int buckets = 0;
            for (long n : p.latency) {
                buckets += n != 0 ? 1 : 0;
            }
            e.writeInt(buckets);
            int prev = 0;
            for (int b = 0; b < p.latency.length; b++) {
                if (p.latency[b] != 0) {
                    e.writeInt(b - prev);
                    e.writeLong(p.latency[b]);
                    prev = b;
                }
            }
            e.writeInt(p.clients.size());
            for (ByteBuffer c : p.clients) {
                e.writeBytes(c.duplicate());
            }
            e.writeBytes(p.clientBits == null ? new byte[0] : p.clientBits);
            e.flush();
        } catch (IOException ex) {
            throw new SerializationException("service partial: cannot encode", ex);
        }
        return o.bytes.toByteArray();
    }

    public ServicePartial decode(byte[] data) {
        BinaryDecoder[] holder = decoder.get();
        BinaryDecoder d = holder[0] = DecoderFactory.get().binaryDecoder(data, holder[0]);
        try {
            int version = d.readInt();
            if (version != VERSION) {
                throw new SerializationException("service partial: unknown layout version " + version + " (expected " + VERSION
                        + "); reset the app's state (kafka-streams-application-reset) after an incompatible upgrade");
            }
            ServicePartial p = new ServicePartial(d.readString(), d.readLong(), d.readString());
            p.newFlows = d.readLong();
            p.replied = d.readLong();
            p.unreplied = d.readLong();
            counts(d, p.incomplete);
            counts(d, p.stateDelta);
            counts(d, p.backends);
            int buckets = count(d);
            int b = 0;
            for (int i = 0; i < buckets; i++) {
                b += d.readInt();
                if (b < 0 || b > 4096) {
                    throw new SerializationException("service partial: bad latency bucket " + b);
                }
                p.addLatency(b, d.readLong());
            }
            int clients = count(d);
            for (int i = 0; i < clients; i++) {
                p.clients.add(d.readBytes(null));
            }
            ByteBuffer bits = d.readBytes(null);
            p.clientBits = bits.remaining() == 0 ? null : bits.array();
            if (!d.isEnd()) {
                throw new SerializationException("service partial: trailing bytes");
            }
            return p;
        } catch (IOException | RuntimeException ex) {
            if (ex instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException("service partial: truncated or corrupt (" + data.length + " bytes)", ex);
        }
    }

    private static void counts(BinaryEncoder e, Map<String, Long> m) throws IOException {
        e.writeInt(m.size());
        for (Map.Entry<String, Long> x : m.entrySet()) {
            e.writeString(x.getKey());
            e.writeLong(x.getValue());
        }
    }

    private static void counts(BinaryDecoder d, Map<String, Long> m) throws IOException {
        int n = count(d);
        for (int i = 0; i < n; i++) {
            m.put(d.readString(), d.readLong());
        }
    }

    private static int count(BinaryDecoder d) throws IOException {
        int n = d.readInt();
        if (n < 0 || n > 1 << 20) {
            throw new SerializationException("service partial: bad count " + n);
        }
        return n;
    }

    private static final class Out {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        BinaryEncoder encoder;
    }
}
