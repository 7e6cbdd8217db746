package io.ctflow.streams.flow;

import io.ctflow.avro.ConntrackEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;

/** The primitives of the flow state layout ({@link FlowStateSerde}) on a growable buffer, reused per thread. */
final class FlowStateWriter {
    private byte[] buf = new byte[256];
    private int pos;
    private BinaryEncoder encoder;
    private final ByteArrayOutputStream avroOut = new ByteArrayOutputStream(256);

    void reset() {
        pos = 0;
    }

    void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }

    void write(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
    }

    void varlong(long v) {
        long z = (v << 1) ^ (v >> 63); // zigzag: small negative numbers stay short
        ensure(10);
        while ((z & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((z & 0x7F) | 0x80);
            z >>>= 7;
        }
        buf[pos++] = (byte) z;
    }

    void raw(byte[] b, int off, int len) {
        varlong(len);
        ensure(len);
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
    }

    void string(String s) {
        if (s == null) {
            varlong(-1);
            return;
        }
        // Node names, Service ids and addresses are ASCII: written char by char, no byte[] per string.
        int n = s.length();
        int start = pos;
        varlong(n);
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                pos = start;
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                raw(b, 0, b.length);
                return;
            }
            buf[pos++] = (byte) c;
        }
    }

    /** A state: 0 null, 1..N a known one, else -1 and the text. */
    void state(String s) {
        ConntrackState known = s == null ? null : ConntrackState.named(s);
        if (s == null) {
            varlong(0);
        } else if (known != null) {
            varlong(known.code());
        } else {
            varlong(-1);
            string(s);
        }
    }

    void bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        int len = d.remaining();
        varlong(len);
        ensure(len);
        d.get(buf, pos, len);
        pos += len;
    }

    void avro(SpecificDatumWriter<ConntrackEvent> w, ConntrackEvent e) {
        avroOut.reset();
        encoder = EncoderFactory.get().directBinaryEncoder(avroOut, encoder);
        try {
            w.write(e, encoder);
            encoder.flush();
        } catch (IOException ex) {
            throw new SerializationException("flows store: cannot encode evidence", ex);
        }
        byte[] b = avroOut.toByteArray();
        raw(b, 0, b.length);
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }
}
