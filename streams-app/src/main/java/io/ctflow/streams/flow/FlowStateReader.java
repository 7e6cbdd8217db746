package io.ctflow.streams.flow;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.streams.input.RepeatedStrings;
import io.ctflow.streams.input.RepeatedValues;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.errors.SerializationException;

/** Reads the primitives of the flow state layout ({@link FlowStateSerde}) back; bounds are checked by the array accesses and {@link #count()}. */
final class FlowStateReader {
    private final byte[] data;
    private final Repeats repeats;
    private int pos;
    private BinaryDecoder decoder;

    /**
     * The strings and addresses that repeat across flows (node names, Service ids and addresses, client
     * and VIP addresses), one copy each: without them they were more than half of a decoded flow's heap
     * (BENCHMARKS.md, eighth round), and they are what the decoded-flows set ({@code flow.decoded-memory}) holds.
     * Sized for a large cluster's nodes, Services and client pods; a collision only costs sharing.
     */
    record Repeats(RepeatedStrings strings, RepeatedValues addresses) {
        static Repeats create() {
            return new Repeats(new RepeatedStrings(8_192), new RepeatedValues(14));
        }
    }

    FlowStateReader(byte[] data, Repeats repeats) {
        this.data = data;
        this.repeats = repeats;
    }

    int position() {
        return pos;
    }

    byte readByte() {
        return data[pos++];
    }

    long varlong() {
        long z = 0;
        int shift = 0;
        while (true) {
            byte b = data[pos++];
            z |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 63) {
                throw new SerializationException("flows store: varint too long");
            }
        }
        return (z >>> 1) ^ -(z & 1);
    }

    /** A length or count: never negative, never more than the bytes left. */
    int count() {
        long n = varlong();
        if (n < 0 || n > data.length - pos) {
            throw new SerializationException("flows store: bad length " + n);
        }
        return (int) n;
    }

    String string() {
        int n = stringLength();
        if (n < 0) {
            return null;
        }
        String s = new String(data, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** A string that repeats across flows: the one instance the table holds for its bytes. */
    String repeatedString() {
        int n = stringLength();
        if (n < 0) {
            return null;
        }
        String s = repeats.strings().get(data, pos, n);
        pos += n;
        return s;
    }

    /** A string's length (-1: null), never more than the bytes left. */
    private int stringLength() {
        long n = varlong();
        if (n == -1) {
            return -1;
        }
        if (n < 0 || n > data.length - pos) {
            throw new SerializationException("flows store: bad string length " + n);
        }
        return (int) n;
    }

    String state() {
        long c = varlong();
        if (c == 0) {
            return null;
        }
        if (c == -1) {
            return string();
        }
        ConntrackState known = ConntrackState.ofCode(c);
        if (known == null) {
            throw new SerializationException("flows store: unknown state code " + c);
        }
        return known.name();
    }

    /** An address, shared with the other flows that hold it ({@link RepeatedValues}: never moved by a reader). */
    ByteBuffer address() {
        int n = count();
        ByteBuffer b = repeats.addresses().address(data, pos, n);
        pos += n;
        return b;
    }

    ConntrackEvent avro(SpecificDatumReader<ConntrackEvent> r) throws IOException {
        int n = count();
        decoder = DecoderFactory.get().binaryDecoder(data, pos, n, decoder);
        ConntrackEvent e = r.read(null, decoder);
        pos += n;
        return e;
    }
}
