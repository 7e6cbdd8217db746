package io.ctflow.streams.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.L3Protocol;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.StatusFlag;
import io.ctflow.collector.capture.Capture;
import io.ctflow.testing.Captures;
import java.io.IOException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Random;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

/** The decoder reads exactly what SpecificDatumReader reads, and says where a bad body goes wrong. */
class ConntrackEventDecoderTest {
    final ConntrackEventDecoder decoder = new ConntrackEventDecoder();

    @Test
    void theGeneratedSchemaIsTheDecoders() {
        Schema current = ConntrackEvent.getClassSchema();
        assertEquals(ConntrackEventDecoder.SCHEMA_FINGERPRINT, SchemaNormalization.parsingFingerprint64(current),
                () -> String.format("ConntrackEvent's schema changed (fingerprint now 0x%xL): update ConntrackEventDecoder (read the new "
                        + "fields in schema order, enums by the new symbol order) and its SCHEMA_FINGERPRINT; until then every event is read "
                        + "by Avro", SchemaNormalization.parsingFingerprint64(current)));
        assertTrue(ConntrackEventDecoder.supports(current));
        assertFalse(ConntrackEventDecoder.supports(SchemaBuilder.record("ConntrackEvent").fields().requiredLong("x").endRecord()));
        assertFalse(ConntrackEventDecoder.supports(Schema.create(Schema.Type.LONG)));
    }

    @Test
    void aSchemaWithAnotherTimestampTypeIsNotTheDecoders() {
        // same parsing form (logical types are not in it), other meaning of the timestamp
        Schema millis = new Schema.Parser().parse(ConntrackEvent.getClassSchema().toString().replace("timestamp-micros", "timestamp-millis"));
        assertEquals(ConntrackEventDecoder.SCHEMA_FINGERPRINT, SchemaNormalization.parsingFingerprint64(millis));
        assertFalse(ConntrackEventDecoder.supports(millis));
    }

    @Test
    void aSchemaWithReorderedEnumSymbolsIsNotTheDecoders() {
        Schema reordered = new Schema.Parser().parse(ConntrackEvent.getClassSchema().toString()
                .replace("\"IPV4\",\"IPV6\",\"OTHER\"", "\"IPV6\",\"IPV4\",\"OTHER\""));
        assertFalse(ConntrackEventDecoder.supports(reordered));
    }

    @Test
    void sameEventsAsTheAvroReaderOnEveryCaptureLine() throws Exception {
        int n = 0;
        for (String scenario : Captures.SCENARIOS) {
            for (boolean keepRaw : new boolean[] {false, true}) {
                Iterator<ConntrackEvent> it = Capture.open(Captures.scenario(scenario)).events(keepRaw, d -> { });
                while (it.hasNext()) {
                    ConntrackEvent e = it.next();
                    assertEquals(e, assertSameAsAvro(RandomEvents.avroBytes(e)));
                    n++;
                }
            }
        }
        assertTrue(n > 100, "capture events: " + n);
    }

    @Test
    void sameEventsAsTheAvroReaderOnRandomEventsOfEveryShape() throws Exception {
        Random r = new Random(20261202L);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 5_000; i++) {
            ConntrackEvent e = RandomEvents.event(r);
            assertSameAsAvro(RandomEvents.avroBytes(e));
            shapes(e, seen);
        }
        // every null / non-null branch and every enum symbol was read at least once
        Set<String> expected = new HashSet<>();
        for (String f : new String[] {"conntrackId", "state", "timeout", "original", "reply", "use", "secctx", "labels", "raw",
                "srcPort", "dstPort", "icmpType", "icmpCode", "icmpId", "packets", "bytes"}) {
            expected.add(f + "=null");
            expected.add(f + "=set");
        }
        EnumSet.allOf(EventType.class).forEach(v -> expected.add("type=" + v));
        EnumSet.allOf(L3Protocol.class).forEach(v -> expected.add("l3=" + v));
        EnumSet.allOf(Protocol.class).forEach(v -> expected.add("protocol=" + v));
        EnumSet.allOf(StatusFlag.class).forEach(v -> expected.add("flag=" + v));
        expected.removeAll(seen);
        assertEquals(Set.of(), expected, "shapes never generated");
    }

    private static void shapes(ConntrackEvent e, Set<String> seen) {
        branch(seen, "conntrackId", e.getConntrackId());
        branch(seen, "state", e.getState());
        branch(seen, "timeout", e.getTimeout());
        branch(seen, "original", e.getOriginal());
        branch(seen, "reply", e.getReply());
        branch(seen, "use", e.getUse());
        branch(seen, "secctx", e.getSecctx());
        branch(seen, "labels", e.getLabels());
        branch(seen, "raw", e.getRaw());
        for (io.ctflow.avro.Tuple t : Arrays.asList(e.getOriginal(), e.getReply())) {
            if (t != null) {
                branch(seen, "srcPort", t.getSrcPort());
                branch(seen, "dstPort", t.getDstPort());
                branch(seen, "icmpType", t.getIcmpType());
                branch(seen, "icmpCode", t.getIcmpCode());
                branch(seen, "icmpId", t.getIcmpId());
                branch(seen, "packets", t.getPackets());
                branch(seen, "bytes", t.getBytes());
            }
        }
        seen.add("type=" + e.getType());
        seen.add("l3=" + e.getL3());
        seen.add("protocol=" + e.getProtocol());
        e.getFlags().forEach(f -> seen.add("flag=" + f));
    }

    private static void branch(Set<String> seen, String field, Object value) {
        seen.add(field + (value == null ? "=null" : "=set"));
    }

    @Test
    void readsAtAnOffsetUpToTheEndGiven() throws Exception {
        ConntrackEvent e = RandomEvents.event(new Random(7));
        byte[] body = RandomEvents.avroBytes(e);
        byte[] framed = new byte[body.length + 5];
        System.arraycopy(body, 0, framed, 5, body.length);
        assertEquals(RandomEvents.avroRead(body, 0, body.length), decoder.decode(framed, 5, framed.length));
    }

    @Test
    void arraysInBlocksWithByteSizesReadAsAvroReadsThem() throws Exception {
        // writers may split an array into blocks, and give a block's size with a negative count
        ConntrackEvent e = RandomEvents.event(new Random(11));
        e.setFlags(Arrays.asList());
        e.setUse(null);
        e.setSecctx(null);
        e.setLabels(null);
        e.setSequence(0L);
        e.setRaw(null);
        byte[] empty = RandomEvents.avroBytes(e);
        // the body ends with: flags block 0 (1 byte), use 0, secctx 0, labels 0, sequence 0, raw 0
        byte[] head = Arrays.copyOf(empty, empty.length - 6);
        byte[] flags = {(byte) 3 /* -2 items */, (byte) 4 /* 2 bytes */, 4 /* OFFLOAD */, 0 /* UNREPLIED */, 2 /* 1 item */, 8 /* UNKNOWN */, 0};
        byte[] tail = {0, 0, 0, 0, 0};
        byte[] body = new byte[head.length + flags.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(flags, 0, body, head.length, flags.length);
        System.arraycopy(tail, 0, body, head.length + flags.length, tail.length);
        ConntrackEvent ours = assertSameAsAvro(body);
        assertEquals(Arrays.asList(StatusFlag.OFFLOAD, StatusFlag.UNREPLIED, StatusFlag.UNKNOWN), ours.getFlags());
    }

    @Test
    void eachEventIsNewButRepeatedStringsAddressesAndPortsAreShared() throws Exception {
        ConntrackEvent e = RandomEvents.event(new Random(5));
        e.setNode("node-7");
        e.setState("ESTABLISHED");
        e.setFlags(Arrays.asList(StatusFlag.ASSURED));
        e.setOriginal(RandomEvents.tuple(new Random(6)));
        e.getOriginal().setSrcPort(40_001);
        byte[] b = RandomEvents.avroBytes(e);
        ConntrackEvent one = decoder.decode(b, 0, b.length);
        ConntrackEvent two = decoder.decode(b, 0, b.length);
        assertEquals(one, two);
        assertNotSame(one.getFlags(), two.getFlags());
        assertTrue(one.getFlags() instanceof GenericData.Array, "the list type Avro's reader gives");
        assertNotSame(one.getOriginal(), two.getOriginal());
        assertSame(one.getOriginal().getSrc(), two.getOriginal().getSrc(), "addresses are shared (RepeatedValues)");
        assertSame(one.getOriginal().getSrcPort(), two.getOriginal().getSrcPort(), "so are ports");
        assertTrue(one.getNode() == two.getNode() && one.getState() == two.getState(), "node and state strings are shared");
    }

    @Test
    void everyCutShortBodyIsTruncatedAndNamesTheField() {
        Random r = new Random(3);
        for (int i = 0; i < 200; i++) {
            byte[] b = RandomEvents.avroBytes(RandomEvents.event(r));
            for (int len = 0; len < b.length; len++) {
                int cut = len;
                ConntrackEventDecoder.Malformed m = assertThrows(ConntrackEventDecoder.Malformed.class, () -> decoder.decode(b, 0, cut));
                assertTrue(m.truncated, () -> "cut at " + cut + ": " + m.getMessage());
                assertTrue(decoder.field() != null && !decoder.field().isEmpty());
            }
        }
    }

    @Test
    void badUnionAndEnumIndexesAndTrailingBytesAreCorrupt() throws Exception {
        ConntrackEvent e = RandomEvents.event(new Random(9));
        e.setNode("n");
        e.setType(EventType.NEW);
        byte[] b = RandomEvents.avroBytes(e);
        // node: length 1 ('n'), then the type's enum index at offset 2
        byte[] badEnum = b.clone();
        badEnum[2] = 14; // index 7 of 7 symbols
        ConntrackEventDecoder.Malformed m = assertThrows(ConntrackEventDecoder.Malformed.class, () -> decoder.decode(badEnum, 0, badEnum.length));
        assertFalse(m.truncated);
        assertEquals("enum index 7 (the enum has 7 symbols)", m.getMessage());
        assertEquals("type", decoder.field());

        int union = 3 + org.apache.avro.io.BinaryData.encodeLong(micros(e), new byte[10], 0); // conntrackId's branch follows the timestamp
        byte[] badUnion = b.clone();
        badUnion[union] = 4; // index 2
        m = assertThrows(ConntrackEventDecoder.Malformed.class, () -> decoder.decode(badUnion, 0, badUnion.length));
        assertEquals("union index 2 (the union has 2 branches)", m.getMessage());
        assertEquals("conntrackId", decoder.field());

        byte[] trailing = Arrays.copyOf(b, b.length + 1);
        m = assertThrows(ConntrackEventDecoder.Malformed.class, () -> decoder.decode(trailing, 0, trailing.length));
        assertFalse(m.truncated);
        assertEquals("trailing bytes after the record", m.getMessage());

        byte[] negative = b.clone();
        negative[0] = 1; // node length -1
        m = assertThrows(ConntrackEventDecoder.Malformed.class, () -> decoder.decode(negative, 0, negative.length));
        assertEquals("negative length -1", m.getMessage());
        assertEquals("node", decoder.field());
    }

    private static long micros(ConntrackEvent e) {
        return e.getTimestamp().getEpochSecond() * 1_000_000L + e.getTimestamp().getNano() / 1_000;
    }

    @Test
    void mutatedBodiesReadAsAvroReadsThemOrFailWhereAvroFails() throws Exception {
        Random r = new Random(42);
        int agreed = 0;
        for (int i = 0; i < 3_000; i++) {
            byte[] b = RandomEvents.avroBytes(RandomEvents.event(r));
            for (int k = 1 + r.nextInt(3); k > 0; k--) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            ConntrackEvent avro = null;
            boolean avroFailed = false;
            try {
                avro = RandomEvents.avroRead(b, 0, b.length);
            } catch (IOException | RuntimeException ex) {
                avroFailed = true;
            }
            ConntrackEvent ours = null;
            try {
                ours = decoder.decode(b, 0, b.length);
            } catch (ConntrackEventDecoder.Malformed ex) {
                // Avro's reader stops at the record's end and does not see trailing bytes; AvroDeserializer refuses them
                if (!avroFailed && !ex.getMessage().equals("trailing bytes after the record")) {
                    throw new AssertionError("Avro read " + avro + " but the decoder failed: " + ex.getMessage() + " at " + decoder.field());
                }
                continue;
            }
            assertFalse(avroFailed, () -> "Avro fails where the decoder reads");
            assertEquals(avro, ours);
            agreed++;
        }
        assertTrue(agreed > 300, "mutations both read: " + agreed);
    }

    private ConntrackEvent assertSameAsAvro(byte[] body) throws Exception {
        ConntrackEvent expected = RandomEvents.avroRead(body, 0, body.length);
        ConntrackEvent ours = decoder.decode(body, 0, body.length);
        assertEquals(expected, ours);
        assertEquals(expected.toString(), ours.toString());
        return ours;
    }
}
