package io.ctflow.streams.input;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.L3Protocol;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.Tuple;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;

/**
 * Reads the Avro binary encoding of a {@link ConntrackEvent} field by field: the same object as
 * {@code SpecificDatumReader} with the same writer and reader schema, without its resolving
 * reader tree, union dispatch and decoder re-configuration per record (the stream thread's
 * profile had them at ~8 %). The mirror image of the collector's {@code ConntrackEventEncoder}.
 *
 * <p>Valid for one schema only: {@link #supports} says whether a writer schema is the one this
 * reads (parsing fingerprint, which covers names, order, types and enum symbols, plus the
 * timestamp's logical type, which the fingerprint leaves out). Enum symbols are read by the
 * writer's index, which is the generated enum's ordinal exactly when both schemas are this one.
 *
 * <p>Each record is a new ConntrackEvent with its own lists and buffers (the topology keeps them);
 * only immutable Strings are shared: the node name and protocol states, which repeat on every
 * record. Not thread-safe: one per thread.
 */
final class ConntrackEventDecoder {
    /** Parsing fingerprint of the ConntrackEvent schema this decoder reads (the collector's encoder writes the same). */
    static final long SCHEMA_FINGERPRINT = 0xc7586cde2ca6dbc9L;

    private static final EventType[] TYPES = EventType.values();
    private static final L3Protocol[] L3 = L3Protocol.values();
    private static final Protocol[] PROTOCOLS = Protocol.values();
    private static final StatusFlag[] FLAGS = StatusFlag.values();
    private static final Schema FLAGS_SCHEMA = ConntrackEvent.getClassSchema().getField("flags").schema();
    private static final String[] ORIGINAL = tupleFields("original");
    private static final String[] REPLY = tupleFields("reply");

    private final RepeatedStrings repeated = new RepeatedStrings();
    private final RepeatedValues values = new RepeatedValues();
    private byte[] b;
    private int pos;
    private int end;
    /** The field being read, for error messages (a reference store per field costs nothing measurable). */
    private String at;

    /** A body this decoder cannot read: cut short ({@link #truncated}) or not a ConntrackEvent encoding. */
    static final class Malformed extends Exception {
        final boolean truncated;

        Malformed(boolean truncated, String message) {
            super(message, null, false, false);
            this.truncated = truncated;
        }
    }

    /** Whether {@code schema} is the one this decoder reads. */
    static boolean supports(Schema schema) {
        if (schema.getType() != Schema.Type.RECORD || SchemaNormalization.parsingFingerprint64(schema) != SCHEMA_FINGERPRINT) {
            return false;
        }
        Schema.Field ts = schema.getField("timestamp");
        LogicalType lt = ts == null ? null : ts.schema().getLogicalType();
        return lt != null && "timestamp-micros".equals(lt.getName());
    }

    /** The event encoded in {@code data[offset, end)}, which must hold exactly one record. */
    ConntrackEvent decode(byte[] data, int offset, int end) throws Malformed {
        this.b = data;
        this.pos = offset;
        this.end = end;
        try {
            at = "node";
            String node = repeatedString();
            at = "type";
            EventType type = TYPES[symbol(TYPES.length)];
            at = "timestamp";
            Instant timestamp = instant(readLong());
            at = "conntrackId";
            Long conntrackId = nullableLong();
            at = "zone";
            int zone = readInt();
            at = "mark";
            long mark = readLong();
            at = "l3";
            L3Protocol l3 = L3[symbol(L3.length)];
            at = "protocol";
            Protocol protocol = PROTOCOLS[symbol(PROTOCOLS.length)];
            at = "protocolNumber";
            int protocolNumber = readInt();
            at = "state";
            String state = null;
            if (branch()) {
                state = repeatedString();
            }
            at = "timeout";
            Long timeout = nullableLong();
            at = "original";
            Tuple original = branch() ? tuple(ORIGINAL) : null;
            at = "reply";
            Tuple reply = branch() ? tuple(REPLY) : null;
            at = "flags";
            GenericData.Array<StatusFlag> flags = flags();
            at = "use";
            Integer use = nullableInt();
            at = "secctx";
            String secctx = nullableString();
            at = "labels";
            String labels = nullableString();
            at = "sequence";
            long sequence = readLong();
            at = "raw";
            String raw = nullableString();
            at = null;
            if (pos != end) {
                throw new Malformed(false, "trailing bytes after the record");
            }
            return new ConntrackEvent(node, type, timestamp, conntrackId, zone, mark, l3, protocol, protocolNumber, state, timeout,
                    original, reply, flags, use, secctx, labels, sequence, raw);
        } finally {
            this.b = null; // do not keep the consumer's record alive
        }
    }

    /** As TimeConversions.TimestampMicrosConversion.fromLong. */
    static Instant instant(long micros) {
        return Instant.ofEpochSecond(micros / 1_000_000L, (micros % 1_000_000L) * 1_000L);
    }

    private static String[] tupleFields(String direction) {
        return Tuple.getClassSchema().getFields().stream().map(f -> direction + "." + f.name()).toArray(String[]::new);
    }

    /** Tuple fields in schema order, under their direction's name. */
    private Tuple tuple(String[] names) throws Malformed {
        at = names[0];
        ByteBuffer src = bytes();
        at = names[1];
        ByteBuffer dst = bytes();
        at = names[2];
        Integer srcPort = nullableInt();
        at = names[3];
        Integer dstPort = nullableInt();
        at = names[4];
        Integer icmpType = nullableInt();
        at = names[5];
        Integer icmpCode = nullableInt();
        at = names[6];
        Integer icmpId = nullableInt();
        at = names[7];
        Long packets = nullableLong();
        at = names[8];
        Long bytes = nullableLong();
        return new Tuple(src, dst, srcPort, dstPort, icmpType, icmpCode, icmpId, packets, bytes);
    }

    /** Blocks of items until an empty block; a negative count is followed by the block's size in bytes (skipped). */
    private GenericData.Array<StatusFlag> flags() throws Malformed {
        long n = blockCount();
        GenericData.Array<StatusFlag> out = new GenericData.Array<>((int) n, FLAGS_SCHEMA);
        while (n > 0) {
            for (long i = 0; i < n; i++) {
                out.add(FLAGS[symbol(FLAGS.length)]);
            }
            n = blockCount();
        }
        return out;
    }

    private long blockCount() throws Malformed {
        long n = readLong();
        if (n < 0) {
            n = -n;
            readLong();
        }
        if (n > end - pos) { // every item takes at least one byte (also catches -Long.MIN_VALUE)
            throw new Malformed(true, "a block of " + n + " items with " + (end - pos) + " bytes left");
        }
        return n;
    }

    private boolean branch() throws Malformed {
        int i = readInt();
        if (i == 0 || i == 1) {
            return i == 1;
        }
        throw new Malformed(false, "union index " + i + " (the union has 2 branches)");
    }

    private int symbol(int count) throws Malformed {
        int i = readInt();
        if (i < 0 || i >= count) {
            throw new Malformed(false, "enum index " + i + " (the enum has " + count + " symbols)");
        }
        return i;
    }

    private Integer nullableInt() throws Malformed {
        return branch() ? RepeatedValues.integer(readInt()) : null;
    }

    private Long nullableLong() throws Malformed {
        return branch() ? readLong() : null;
    }

    private String nullableString() throws Malformed {
        if (!branch()) {
            return null;
        }
        int len = stringLength();
        String s = new String(b, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    /** A string that repeats from record to record: the same immutable instance each time. */
    private String repeatedString() throws Malformed {
        int len = stringLength();
        String s = repeated.get(b, pos, len);
        pos += len;
        return s;
    }

    /** An address: shared with earlier records that held the same one ({@link RepeatedValues}). */
    private ByteBuffer bytes() throws Malformed {
        int len = stringLength();
        ByteBuffer out = values.address(b, pos, len);
        pos += len;
        return out;
    }

    /** A string's or bytes' length, checked against what is left. */
    private int stringLength() throws Malformed {
        long len = readLong();
        if (len < 0) {
            throw new Malformed(false, "negative length " + len);
        }
        if (len > end - pos) {
            throw new Malformed(true, "a length of " + len + " bytes with " + (end - pos) + " left");
        }
        return (int) len;
    }

    /** Zig-zag varint of at most 5 bytes, as BinaryDecoder.readInt (bits past 32 in the 5th byte are dropped, as there). */
    private int readInt() throws Malformed {
        int n = 0;
        for (int shift = 0; ; shift += 7) {
            if (pos >= end) {
                throw new Malformed(true, "the body ends inside a number");
            }
            int v = b[pos++] & 0xff;
            n |= (v & 0x7f) << shift;
            if (v < 0x80) {
                return (n >>> 1) ^ -(n & 1);
            }
            if (shift == 28) {
                throw new Malformed(false, "invalid int encoding");
            }
        }
    }

    /** Zig-zag varint of at most 10 bytes, as BinaryDecoder.readLong. */
    private long readLong() throws Malformed {
        long n = 0;
        for (int shift = 0; ; shift += 7) {
            if (pos >= end) {
                throw new Malformed(true, "the body ends inside a number");
            }
            long v = b[pos++] & 0xff;
            n |= (v & 0x7f) << shift;
            if (v < 0x80) {
                return (n >>> 1) ^ -(n & 1);
            }
            if (shift == 63) {
                throw new Malformed(false, "invalid long encoding");
            }
        }
    }

    /** The field the last {@link #decode} was reading when it failed. */
    String field() {
        return at;
    }
}
