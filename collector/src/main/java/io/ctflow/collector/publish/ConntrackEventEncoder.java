package io.ctflow.collector.publish;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.Tuple;
import io.ctflow.collector.parse.ConntrackEntry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryData;

/**
 * The Avro binary encoding of a {@link ConntrackEvent}, written field by field into a reused
 * buffer: the same bytes as {@code SpecificDatumWriter}, without its per-field schema walk,
 * union resolution and logical-type lookups (the collector's profile had them at a fifth of its
 * time). It is what the Avro compiler's "custom coders" would generate, which it does not for
 * records with a logical type ({@code timestamp}).
 *
 * <p>Valid for one schema only: {@link #supports} compares the generated class's schema with the
 * one this was written for (parsing fingerprint plus the timestamp's logical type), and the wire
 * serializer falls back to the generic writer when it differs. {@code ConntrackEventEncoderTest}
 * compares the bytes with SpecificDatumWriter's over random events and the shipped captures.
 *
 * <p>Not thread-safe: one per thread.
 */
final class ConntrackEventEncoder {
    /** Parsing fingerprint of the ConntrackEvent schema this encoder writes. */
    static final long SCHEMA_FINGERPRINT = 0xc7586cde2ca6dbc9L;

    private byte[] buf = new byte[512];
    private int pos;
    // The node name is the same on every event of a collector: its UTF-8 form is kept.
    private String lastNode;
    private byte[] lastNodeUtf8;

    /** Whether {@code schema} is the one this encoder writes. */
    static boolean supports(Schema schema) {
        if (SchemaNormalization.parsingFingerprint64(schema) != SCHEMA_FINGERPRINT) {
            return false;
        }
        Schema.Field ts = schema.getField("timestamp");
        LogicalType lt = ts == null ? null : ts.schema().getLogicalType();
        return lt != null && "timestamp-micros".equals(lt.getName());
    }

    /**
     * Encodes {@code e} after {@code header} (copied first); returns a new array of exactly the
     * written bytes.
     *
     * @throws NullPointerException when a non-nullable field is null (as the generic writer does)
     */
    byte[] encode(byte[] header, ConntrackEvent e) {
        start(header);
        nodeName(e.getNode());
        writeInt(e.getType().ordinal());
        writeLong(micros(e.getTimestamp()));
        nullableLong(e.getConntrackId());
        writeInt(e.getZone());
        writeLong(e.getMark());
        writeInt(e.getL3().ordinal());
        writeInt(e.getProtocol().ordinal());
        writeInt(e.getProtocolNumber());
        nullableString(e.getState());
        nullableLong(e.getTimeout());
        nullableTuple(e.getOriginal());
        nullableTuple(e.getReply());
        flags(e.getFlags());
        nullableInt(e.getUse());
        nullableString(e.getSecctx());
        nullableString(e.getLabels());
        writeLong(e.getSequence());
        nullableString(e.getRaw());
        return Arrays.copyOf(buf, pos);
    }

    /**
     * Encodes the event a parsed line would become ({@code entry.toEvent(sequence)}) straight from
     * the parse: the same bytes as {@link #encode(byte[], ConntrackEvent)} of that event.
     */
    byte[] encode(byte[] header, ConntrackEntry v, long sequence) {
        start(header);
        nodeName(v.node());
        writeInt(v.type().ordinal());
        writeLong(micros(v.timestamp()));
        optionalLong(v.conntrackId());
        writeInt(v.zone());
        writeLong(v.mark());
        writeInt(v.l3().ordinal());
        writeInt(v.protocol().ordinal());
        writeInt(v.protocolNumber());
        nullableString(v.state());
        optionalLong(v.timeout());
        side(v.original());
        side(v.reply());
        int n = v.flagCount();
        if (n > 0) { // as flags(List)
            writeLong(n);
            for (int i = 0; i < n; i++) {
                writeInt(v.flag(i).ordinal());
            }
        }
        writeInt(0);
        optionalInt(v.use());
        nullableString(v.secctx());
        nullableString(v.labels());
        writeLong(sequence);
        nullableString(v.raw());
        return Arrays.copyOf(buf, pos);
    }

    private void start(byte[] header) {
        if (buf.length > 1 << 17) {
            buf = new byte[512]; // do not keep one huge record's buffer (a raw line near 64 KiB) per thread
        }
        pos = 0;
        ensure(header.length);
        System.arraycopy(header, 0, buf, 0, header.length);
        pos = header.length;
    }

    /** A parsed tuple: never null, so union branch 1, then the fields as {@link #nullableTuple}. */
    private void side(ConntrackEntry.Side t) {
        writeInt(1);
        int len = t.addressLength();
        bytes(t.src(), len);
        bytes(t.dst(), len);
        optionalInt(t.srcPort());
        optionalInt(t.dstPort());
        optionalInt(t.icmpType());
        optionalInt(t.icmpCode());
        optionalInt(t.icmpId());
        optionalLong(t.packets());
        optionalLong(t.bytes());
    }

    /** A parsed number: {@link ConntrackEntry#NONE} is null. */
    private void optionalInt(int v) {
        if (v < 0) {
            writeInt(0);
        } else {
            writeInt(1);
            writeInt(v);
        }
    }

    private void optionalLong(long v) {
        if (v < 0) {
            writeInt(0);
        } else {
            writeInt(1);
            writeLong(v);
        }
    }

    private void bytes(byte[] b, int len) {
        writeInt(len);
        raw(b, 0, len);
    }

    /** As TimeConversions.TimestampMicrosConversion: overflow is an ArithmeticException. */
    static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    private void nullableTuple(Tuple t) {
        if (t == null) {
            writeInt(0);
            return;
        }
        writeInt(1);
        bytes(t.getSrc());
        bytes(t.getDst());
        nullableInt(t.getSrcPort());
        nullableInt(t.getDstPort());
        nullableInt(t.getIcmpType());
        nullableInt(t.getIcmpCode());
        nullableInt(t.getIcmpId());
        nullableLong(t.getPackets());
        nullableLong(t.getBytes());
    }

    private void flags(List<StatusFlag> flags) {
        int n = flags.size();
        if (n > 0) { // one block of n items, then the empty block; no items: only the empty block
            writeLong(n);
            for (int i = 0; i < n; i++) {
                writeInt(flags.get(i).ordinal());
            }
        }
        writeInt(0);
    }

    private void nullableInt(Integer v) {
        if (v == null) {
            writeInt(0);
        } else {
            writeInt(1);
            writeInt(v);
        }
    }

    private void nullableLong(Long v) {
        if (v == null) {
            writeInt(0);
        } else {
            writeInt(1);
            writeLong(v);
        }
    }

    private void nullableString(String s) {
        if (s == null) {
            writeInt(0);
        } else {
            writeInt(1);
            string(s);
        }
    }

    private void nodeName(String node) {
        if (node != lastNode) {
            lastNodeUtf8 = node.getBytes(StandardCharsets.UTF_8); // NullPointerException as the generic writer
            lastNode = node;
        }
        writeInt(lastNodeUtf8.length);
        raw(lastNodeUtf8, 0, lastNodeUtf8.length);
    }

    /** As BinaryEncoder.writeString(String): length, then UTF-8 (ASCII copied without an intermediate array). */
    private void string(String s) {
        int n = s.length();
        ensure(5 + n);
        int lenAt = pos;
        int start = lenAt + BinaryData.encodeInt(n, buf, lenAt);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                pos = lenAt;
                writeInt(utf8.length);
                raw(utf8, 0, utf8.length);
                return;
            }
            buf[start + i] = (byte) c;
        }
        pos = start + n;
    }

    /** As BinaryEncoder.writeBytes(ByteBuffer): the remaining bytes, position untouched. */
    private void bytes(ByteBuffer b) {
        int len = b.remaining();
        writeInt(len);
        ensure(len);
        b.get(b.position(), buf, pos, len);
        pos += len;
    }

    private void raw(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
    }

    private void writeInt(int v) {
        ensure(5);
        pos += BinaryData.encodeInt(v, buf, pos);
    }

    private void writeLong(long v) {
        ensure(10);
        pos += BinaryData.encodeLong(v, buf, pos);
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }
}
