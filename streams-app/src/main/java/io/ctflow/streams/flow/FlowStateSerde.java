package io.ctflow.streams.flow;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.Judgement;
import io.ctflow.avro.internal.NatType;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.avro.internal.ViewOrigin;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The flows store's value codec: a fixed, versioned binary layout written by hand. The flow state is
 * read and written on nearly every event, and Avro's generic writer and reader (schema walk,
 * resolution, boxing) were the largest cost in the app's profile. Numbers are varints (times as
 * deltas), enums are written as explicit codes (never ordinals; NAT kinds and protocol states declare theirs in
 * {@link NatKind} and {@link ConntrackState}), strings as length-prefixed
 * UTF-8. Only a view's evidence (kept while a view is unreplied, rare on a healthy node) stays Avro.
 *
 * <p>Layout v2: version, primary (view index), service, serviceAddress, counted flags, expireAt,
 * views; a view: node, conntrackId, origin, firstSeen, lastSeen, nat, origSrc, origDst, sport,
 * dport, replied, state (by code when known), timeout, destroyed, judgement, judgeAt, cause,
 * evidence. Times are deltas from the first view's firstSeen (a view's own times from its firstSeen).
 */
public final class FlowStateSerde implements Serde<FlowState> {
    static final byte VERSION = 2;
    private static final int COUNTED_REPLIED = 1;
    private static final int COUNTED_UNREPLIED = 2;
    private static final int COUNTED_END = 4;

    private final SpecificDatumWriter<ConntrackEvent> evidenceWriter = new SpecificDatumWriter<>(ConntrackEvent.class);
    private final SpecificDatumReader<ConntrackEvent> evidenceReader = new SpecificDatumReader<>(ConntrackEvent.class);
    private final ThreadLocal<Out> out = ThreadLocal.withInitial(Out::new);

    @Override
    public Serializer<FlowState> serializer() {
        return (topic, st) -> st == null ? null : encode(st);
    }

    @Override
    public Deserializer<FlowState> deserializer() {
        return (topic, data) -> data == null ? null : decode(data);
    }

    byte[] encode(FlowState st) {
        Out o = out.get();
        o.reset();
        o.write(VERSION);
        o.varlong(primaryIndex(st)); // the primary is one of the views: its index, not its name again
        o.string(st.getService());
        o.string(st.getServiceAddress());
        o.write((st.getCountedReplied() ? COUNTED_REPLIED : 0) | (st.getCountedUnreplied() ? COUNTED_UNREPLIED : 0)
                | (st.getCountedEnd() ? COUNTED_END : 0));
        long base = st.getViews().isEmpty() ? 0 : st.getViews().get(0).getFirstSeen();
        o.varlong(st.getExpireAt() == 0 ? 0 : st.getExpireAt() - base + 1); // times as deltas: 2-4 bytes, not 8
        o.varlong(st.getViews().size());
        for (NodeView v : st.getViews()) {
            o.string(v.getNode());
            o.varlong(v.getConntrackId() == null ? 0 : v.getConntrackId() + 1);
            o.write(code(v.getOrigin()));
            o.varlong(v == st.getViews().get(0) ? v.getFirstSeen() : v.getFirstSeen() - base);
            o.varlong(v.getLastSeen() - v.getFirstSeen());
            o.write(code(v.getNat()));
            o.bytes(v.getOrigSrc());
            o.bytes(v.getOrigDst());
            o.varlong(v.getOrigSport());
            o.varlong(v.getOrigDport());
            o.varlong(v.getReplied() < 0 ? 0 : v.getReplied() - v.getFirstSeen() + 1);
            o.state(v.getState());
            o.varlong(v.getTimeout());
            o.write(v.getDestroyed() ? 1 : 0);
            o.write(code(v.getJudgement()));
            o.varlong(v.getJudgeAt() == 0 ? 0 : v.getJudgeAt() - v.getFirstSeen() + 1);
            o.string(v.getCause());
            List<ConntrackEvent> ev = v.getEvidence();
            o.varlong(ev.size());
            for (ConntrackEvent e : ev) {
                o.avro(evidenceWriter, e);
            }
        }
        return o.toByteArray();
    }

    FlowState decode(byte[] data) {
        In in = new In(data);
        try {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new SerializationException("flows store: unknown flow state layout version " + version
                        + " (expected " + VERSION + "); reset the app's state (kafka-streams-application-reset) after an incompatible upgrade");
            }
            FlowState st = new FlowState();
            int primary = (int) in.varlong();
            st.setService(in.string());
            st.setServiceAddress(in.string());
            int counted = in.readByte();
            st.setCountedReplied((counted & COUNTED_REPLIED) != 0);
            st.setCountedUnreplied((counted & COUNTED_UNREPLIED) != 0);
            st.setCountedEnd((counted & COUNTED_END) != 0);
            long expireAt = in.varlong();
            int n = in.count();
            long base = 0;
            List<NodeView> views = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                NodeView v = new NodeView();
                v.setNode(in.string());
                long id = in.varlong();
                v.setConntrackId(id == 0 ? null : id - 1);
                v.setOrigin(origin(in.readByte()));
                v.setFirstSeen(i == 0 ? in.varlong() : base + in.varlong());
                if (i == 0) {
                    base = v.getFirstSeen();
                }
                v.setLastSeen(v.getFirstSeen() + in.varlong());
                v.setNat(nat(in.readByte()));
                v.setOrigSrc(in.bytes());
                v.setOrigDst(in.bytes());
                v.setOrigSport((int) in.varlong());
                v.setOrigDport((int) in.varlong());
                long replied = in.varlong();
                v.setReplied(replied == 0 ? -1 : v.getFirstSeen() + replied - 1);
                v.setState(in.state());
                v.setTimeout(in.varlong());
                v.setDestroyed(in.readByte() != 0);
                v.setJudgement(judgement(in.readByte()));
                long judgeAt = in.varlong();
                v.setJudgeAt(judgeAt == 0 ? 0 : v.getFirstSeen() + judgeAt - 1);
                v.setCause(in.string());
                int ne = in.count();
                List<ConntrackEvent> ev = new ArrayList<>(ne);
                for (int j = 0; j < ne; j++) {
                    ev.add(in.avro(evidenceReader));
                }
                v.setEvidence(ev);
                views.add(v);
            }
            st.setViews(views);
            st.setExpireAt(expireAt == 0 ? 0 : base + expireAt - 1);
            if (primary < -1 || primary >= n) {
                throw new SerializationException("flows store: bad primary view index " + primary);
            }
            st.setPrimary(primary < 0 ? null : views.get(primary).getNode());
            if (in.pos != data.length) {
                throw new SerializationException("flows store: " + (data.length - in.pos) + " trailing bytes after a flow state");
            }
            return st;
        } catch (ArrayIndexOutOfBoundsException | IOException e) {
            throw new SerializationException("flows store: truncated or corrupt flow state (" + data.length + " bytes)", e);
        }
    }

    private static int primaryIndex(FlowState st) {
        if (st.getPrimary() == null) {
            return -1;
        }
        List<NodeView> views = st.getViews();
        for (int i = 0; i < views.size(); i++) {
            if (views.get(i).getNode().equals(st.getPrimary())) {
                return i;
            }
        }
        throw new SerializationException("flow state names primary " + st.getPrimary() + " but has no view of it");
    }

    // Explicit codes, stable whatever the enums' declaration order.
    private static byte code(ViewOrigin o) {
        return switch (o) {
            case EVENT -> 'E';
            case SNAPSHOT -> 'S';
            case ADOPTED -> 'A';
        };
    }

    private static ViewOrigin origin(byte b) {
        return switch (b) {
            case 'E' -> ViewOrigin.EVENT;
            case 'S' -> ViewOrigin.SNAPSHOT;
            case 'A' -> ViewOrigin.ADOPTED;
            default -> throw new SerializationException("flows store: unknown view origin code " + b);
        };
    }

    private static byte code(NatType n) {
        return NatKind.of(n).code();
    }

    private static NatType nat(byte b) {
        NatKind k = NatKind.ofCode(b);
        if (k == null) {
            throw new SerializationException("flows store: unknown NAT code " + b);
        }
        return k.stored();
    }

    private static byte code(Judgement j) {
        return switch (j) {
            case PENDING -> 'P';
            case DEFERRED -> 'D';
            case RAISED -> 'R';
            case RESOLVED -> 'V';
            case NONE -> 'N';
        };
    }

    private static Judgement judgement(byte b) {
        return switch (b) {
            case 'P' -> Judgement.PENDING;
            case 'D' -> Judgement.DEFERRED;
            case 'R' -> Judgement.RAISED;
            case 'V' -> Judgement.RESOLVED;
            case 'N' -> Judgement.NONE;
            default -> throw new SerializationException("flows store: unknown judgement code " + b);
        };
    }

    /** A growable output buffer, reused per thread. */
    private static final class Out {
        byte[] buf = new byte[256];
        int pos;
        BinaryEncoder encoder;
        final java.io.ByteArrayOutputStream avroOut = new java.io.ByteArrayOutputStream(256);

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
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            raw(b, 0, b.length);
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

    /** Reads the layout back; bounds are checked by the array accesses and {@link #count()}. */
    private static final class In {
        final byte[] data;
        int pos;
        BinaryDecoder decoder;

        In(byte[] data) {
            this.data = data;
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
            long n = varlong();
            if (n == -1) {
                return null;
            }
            if (n < 0 || n > data.length - pos) {
                throw new SerializationException("flows store: bad string length " + n);
            }
            String s = new String(data, pos, (int) n, StandardCharsets.UTF_8);
            pos += (int) n;
            return s;
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

        ByteBuffer bytes() {
            int n = count();
            ByteBuffer b = ByteBuffer.wrap(Arrays.copyOfRange(data, pos, pos + n));
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
}
