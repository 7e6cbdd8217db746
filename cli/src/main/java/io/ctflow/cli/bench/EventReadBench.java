package io.ctflow.cli.bench;

import io.ctflow.avro.ConntrackEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The streams app's reading of its input: our events deserializer on Confluent-wire records
 * against plain {@code SpecificDatumReader} on the same bytes after the 5-byte wire header.
 */
final class EventReadBench {
    static final int HEADER = 5;

    private EventReadBench() {}

    /** The events as the collector writes them (wire header and Avro body). */
    static List<byte[]> records(List<ConntrackEvent> events, Serializer<ConntrackEvent> wire, String topic) {
        List<byte[]> out = new ArrayList<>(events.size());
        for (ConntrackEvent e : events) {
            out.add(wire.serialize(topic, e));
        }
        return out;
    }

    /** Events/s of {@code reader} on the framed records. */
    static double wireDeserializer(List<byte[]> records, Deserializer<ConntrackEvent> reader, String topic) {
        long t0 = System.nanoTime();
        long seq = 0;
        for (byte[] r : records) {
            seq += reader.deserialize(topic, r).getSequence();
        }
        return check(seq, records.size() / ((System.nanoTime() - t0) / 1e9));
    }

    /** Events/s of SpecificDatumReader with a reused BinaryDecoder on the bodies: the floor any Avro deserializer pays. */
    static double plainAvro(List<byte[]> records) throws IOException {
        SpecificDatumReader<ConntrackEvent> reader = new SpecificDatumReader<>(ConntrackEvent.class);
        BinaryDecoder dec = null;
        long t0 = System.nanoTime();
        long seq = 0;
        for (byte[] r : records) {
            dec = DecoderFactory.get().binaryDecoder(r, HEADER, r.length - HEADER, dec);
            seq += reader.read(null, dec).getSequence();
        }
        return check(seq, records.size() / ((System.nanoTime() - t0) / 1e9));
    }

    private static double check(long seq, double rate) {
        if (seq <= 0) {
            throw new IllegalStateException("nothing read");
        }
        return rate;
    }
}
