package io.ctflow.collector.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.L3Protocol;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.Tuple;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.testing.PlainAvro;
import io.ctflow.testing.Captures;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/** The encoder writes exactly SpecificDatumWriter's bytes, for every shape of event. */
class ConntrackEventEncoderTest {
    static final Serializer<ConntrackEvent> AVRO = PlainAvro.serializer(ConntrackEvent.class);
    static final byte[] NO_HEADER = new byte[0];

    final ConntrackEventEncoder encoder = new ConntrackEventEncoder();

    @Test
    void theGeneratedSchemaIsTheEncoders() {
        assertTrue(ConntrackEventEncoder.supports(ConntrackEvent.getClassSchema()),
                "ConntrackEvent.avsc changed: update ConntrackEventEncoder (fields and SCHEMA_FINGERPRINT)");
        assertFalse(ConntrackEventEncoder.supports(SchemaBuilder.record("ConntrackEvent").fields().requiredLong("x").endRecord()));
    }

    @Test
    void aSchemaWithAnotherTimestampTypeIsNotTheEncoders() {
        // same parsing form (logical types are not in it), other encoding of the timestamp
        Schema millis = new Schema.Parser().parse(ConntrackEvent.getClassSchema().toString().replace("timestamp-micros", "timestamp-millis"));
        assertFalse(ConntrackEventEncoder.supports(millis));
    }

    @Test
    void sameBytesAsTheAvroWriterOnEveryCaptureLine() throws Exception {
        int n = 0;
        for (String scenario : Captures.SCENARIOS) {
            for (boolean keepRaw : new boolean[] {false, true}) {
                Iterator<ConntrackEvent> it = Capture.open(Captures.scenario(scenario)).events(keepRaw, d -> { });
                while (it.hasNext()) {
                    assertSame(it.next());
                    n++;
                }
            }
        }
        assertTrue(n > 100, "capture events: " + n);
    }

    @Test
    void sameBytesAsTheAvroWriterOnRandomEvents() {
        Random r = new Random(20261202L);
        for (int i = 0; i < 50_000; i++) {
            assertSame(randomEvent(r));
        }
    }

    @Test
    void theHeaderComesFirstAndTheBufferIsReused() {
        ConntrackEvent big = randomEvent(new Random(1));
        big.setRaw("x".repeat(200_000));
        ConntrackEvent small = randomEvent(new Random(2));
        byte[] header = {0, 0, 0, 0, 42};
        for (ConntrackEvent e : List.of(small, big, small)) {
            byte[] out = encoder.encode(header, e);
            assertArrayEquals(header, Arrays.copyOf(out, 5));
            assertArrayEquals(AVRO.serialize("t", e), Arrays.copyOfRange(out, 5, out.length));
        }
    }

    @Test
    void aMissingRequiredFieldFailsLikeTheAvroWriter() {
        ConntrackEvent e = randomEvent(new Random(3));
        e.setNode(null);
        assertThrows(NullPointerException.class, () -> encoder.encode(NO_HEADER, e));
        assertThrows(RuntimeException.class, () -> AVRO.serialize("t", e));
    }

    private void assertSame(ConntrackEvent e) {
        assertArrayEquals(AVRO.serialize("t", e), encoder.encode(NO_HEADER, e), () -> "event " + e);
    }

    static ConntrackEvent randomEvent(Random r) {
        boolean marker = r.nextInt(10) == 0;
        List<StatusFlag> flags = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
            flags.add(StatusFlag.values()[r.nextInt(StatusFlag.values().length)]);
        }
        return new ConntrackEvent(string(r, false), EventType.values()[r.nextInt(EventType.values().length)], instant(r),
                r.nextBoolean() ? null : longValue(r), intValue(r), longValue(r), L3Protocol.values()[r.nextInt(3)],
                Protocol.values()[r.nextInt(Protocol.values().length)], intValue(r), string(r, true),
                r.nextBoolean() ? null : longValue(r), marker ? null : tuple(r), marker ? null : tuple(r), flags,
                r.nextBoolean() ? null : intValue(r), string(r, true), string(r, true), longValue(r), r.nextInt(4) == 0 ? string(r, false) : null);
    }

    static Tuple tuple(Random r) {
        int len = r.nextBoolean() ? 4 : 16;
        return new Tuple(address(r, len), address(r, len), nullableInt(r), nullableInt(r), nullableInt(r), nullableInt(r), nullableInt(r),
                r.nextBoolean() ? null : longValue(r), r.nextBoolean() ? null : longValue(r));
    }

    static ByteBuffer address(Random r, int len) {
        byte[] b = new byte[len + 4];
        r.nextBytes(b);
        ByteBuffer buf = ByteBuffer.wrap(b);
        if (r.nextBoolean()) { // a slice that does not start at 0: the remaining bytes are the value
            buf.position(2).limit(2 + len);
            return buf;
        }
        return ByteBuffer.wrap(b, 0, len).slice();
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

    static Instant instant(Random r) {
        long sec = r.nextBoolean() ? 1_700_000_000L + r.nextInt(100_000_000) : -r.nextInt(1_000_000_000);
        return Instant.ofEpochSecond(sec, r.nextInt(1_000_000) * 1_000L);
    }

    /** Empty, ASCII, Latin-1, other BMP, astral and lone surrogates: the UTF-8 paths of the writer. */
    static String string(Random r, boolean nullable) {
        if (nullable && r.nextBoolean()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        int kind = r.nextInt(4);
        for (int i = r.nextInt(kind == 0 ? 40 : 8); i > 0; i--) {
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
