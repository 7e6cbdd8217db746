package io.ctflow.streams.input;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.L3Protocol;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.Tuple;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/** Random ConntrackEvents of every shape (each union branch and enum symbol), and Avro's own reading and writing of them. */
final class RandomEvents {
    // Built once: a datum reader builds its reader tree on first use (tests are single-threaded).
    private static final SpecificDatumWriter<ConntrackEvent> WRITER = new SpecificDatumWriter<>(ConntrackEvent.class);
    private static final SpecificDatumReader<ConntrackEvent> READER = new SpecificDatumReader<>(ConntrackEvent.class);

    private RandomEvents() {}

    static byte[] avroBytes(ConntrackEvent e) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            WRITER.write(e, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** SpecificDatumReader with the current schema as writer and reader: what AvroDeserializer does for the current schema id. */
    static ConntrackEvent avroRead(byte[] b, int off, int len) throws IOException {
        return READER.read(null, DecoderFactory.get().binaryDecoder(b, off, len, null));
    }

    static ConntrackEvent event(Random r) {
        boolean marker = r.nextInt(8) == 0;
        List<StatusFlag> flags = new ArrayList<>();
        for (int i = r.nextInt(5); i > 0; i--) {
            flags.add(pick(r, StatusFlag.values()));
        }
        return new ConntrackEvent(string(r, false), pick(r, EventType.values()), instant(r), r.nextBoolean() ? null : longValue(r),
                intValue(r), longValue(r), pick(r, L3Protocol.values()), pick(r, Protocol.values()), intValue(r), string(r, true),
                r.nextBoolean() ? null : longValue(r), marker ? null : tuple(r), marker || r.nextInt(8) == 0 ? null : tuple(r), flags,
                r.nextBoolean() ? null : intValue(r), string(r, true), string(r, true), longValue(r), string(r, true));
    }

    static <T> T pick(Random r, T[] values) {
        return values[r.nextInt(values.length)];
    }

    static Tuple tuple(Random r) {
        int len = r.nextInt(4) == 0 ? r.nextInt(20) : r.nextBoolean() ? 4 : 16;
        return new Tuple(address(r, len), address(r, len), nullableInt(r), nullableInt(r), nullableInt(r), nullableInt(r), nullableInt(r),
                r.nextBoolean() ? null : longValue(r), r.nextBoolean() ? null : longValue(r));
    }

    static ByteBuffer address(Random r, int len) {
        byte[] b = new byte[len];
        r.nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    static Integer nullableInt(Random r) {
        return r.nextBoolean() ? null : intValue(r);
    }

    static int intValue(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> r.nextInt(128);
            case 1 -> r.nextInt(65536);
            case 2 -> -r.nextInt(1000);
            case 3 -> r.nextBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE;
            default -> r.nextInt();
        };
    }

    static long longValue(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> r.nextInt(128);
            case 1 -> r.nextLong() & 0xffffffffL;
            case 2 -> -r.nextInt(1000);
            case 3 -> r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
            default -> r.nextLong();
        };
    }

    /** Whole microseconds (the encoding's unit), either side of the epoch and at the ends of the range. */
    static Instant instant(Random r) {
        long micros = switch (r.nextInt(4)) {
            case 0 -> 1_700_000_000_000_000L + (r.nextLong() & 0xffffffffffL);
            case 1 -> -(r.nextLong() & 0xffffffffffffL);
            case 2 -> r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
            default -> r.nextInt(2_000_001) - 1_000_000;
        };
        return ConntrackEventDecoder.instant(micros);
    }

    /** Empty, ASCII, Latin-1, other BMP, astral and lone surrogates; a few repeating values (the decoder shares those). */
    static String string(Random r, boolean nullable) {
        if (nullable && r.nextBoolean()) {
            return null;
        }
        if (r.nextInt(3) == 0) {
            return pick(r, new String[] {"node-1", "node-2", "ESTABLISHED", "TIME_WAIT", "", "nœud-ü"});
        }
        StringBuilder sb = new StringBuilder();
        int kind = r.nextInt(4);
        for (int i = r.nextInt(kind == 0 ? 80 : 8); i > 0; i--) {
            switch (kind == 0 ? 0 : r.nextInt(5)) {
                case 0 -> sb.append((char) (0x20 + r.nextInt(0x5f)));
                case 1 -> sb.append((char) (0x80 + r.nextInt(0x80)));
                case 2 -> sb.append((char) (0x100 + r.nextInt(0xd000)));
                case 3 -> sb.appendCodePoint(0x10000 + r.nextInt(0x1000));
                default -> sb.append((char) (0xd800 + r.nextInt(0x800)));
            }
        }
        return sb.toString();
    }
}
