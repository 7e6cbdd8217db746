package io.ctflow.streams.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.collector.capture.Capture;
import io.ctflow.flow.FlowKey;
import io.ctflow.net.Addresses;
import io.ctflow.testing.Captures;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

class RepeatedValuesTest {
    final RepeatedValues values = new RepeatedValues();

    @Test
    void aLargerTableSharesMoreDistinctAddresses() {
        assertTrue(shared(new RepeatedValues(14), 8_000) > 6_000, "16,384 slots keep most of 8,000 client addresses");
        assertTrue(shared(new RepeatedValues(), 8_000) < 4_000, "4,096 slots cannot");
        assertThrows(IllegalArgumentException.class, () -> new RepeatedValues(0));
    }

    /** Of {@code n} distinct IPv4 addresses read twice, how many come back as the buffer of the first read. */
    private static int shared(RepeatedValues table, int n) {
        ByteBuffer[] first = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            first[i] = table.address(ByteBuffer.allocate(4).putInt(0, 0x0af40000 + i).array(), 0, 4);
        }
        int same = 0;
        for (int i = 0; i < n; i++) {
            same += table.address(ByteBuffer.allocate(4).putInt(0, 0x0af40000 + i).array(), 0, 4) == first[i] ? 1 : 0;
        }
        return same;
    }

    @Test
    void anAddressSeenBeforeIsTheSameBufferWithTheSameBytes() {
        byte[] record = {9, 10, (byte) 244, 1, 7, 9};
        ByteBuffer a = values.address(record, 1, 4);
        ByteBuffer b = values.address(new byte[] {10, (byte) 244, 1, 7}, 0, 4);
        assertSame(a, b);
        assertEquals(ByteBuffer.wrap(new byte[] {10, (byte) 244, 1, 7}), a);
        assertEquals(0, a.position());
        assertEquals(4, a.array().length, "its own array, not the record's");
        ByteBuffer other = values.address(new byte[] {10, (byte) 244, 1, 8}, 0, 4);
        assertEquals(ByteBuffer.wrap(new byte[] {10, (byte) 244, 1, 8}), other);
        assertNotSame(a, other);
    }

    @Test
    void everyAddressReadsRightWhateverCollidesAndLongValuesAreNeverKept() {
        Random r = new Random(11);
        for (int i = 0; i < 200_000; i++) { // far more addresses than slots: collisions replace
            byte[] b = new byte[r.nextBoolean() ? 4 : 16];
            r.nextBytes(b);
            b[0] = (byte) r.nextInt(3); // and many repeats
            assertEquals(ByteBuffer.wrap(b), values.address(b, 0, b.length));
        }
        byte[] big = new byte[40];
        assertNotSame(values.address(big, 0, 40), values.address(big, 0, 40), "only addresses are shared");
        assertEquals(0, values.address(big, 0, 0).remaining());
    }

    @Test
    void addressesOfTheSameNumberButAnotherLengthAreNotShared() {
        ByteBuffer one = values.address(new byte[] {1}, 0, 1);
        ByteBuffer four = values.address(new byte[] {0, 0, 0, 1}, 0, 4);
        ByteBuffer none = values.address(new byte[] {0, 0, 0, 0}, 0, 0);
        assertEquals(ByteBuffer.wrap(new byte[] {1}), one);
        assertEquals(ByteBuffer.wrap(new byte[] {0, 0, 0, 1}), four);
        assertEquals(0, none.remaining());
        byte[] v6 = new byte[16];
        v6[15] = 1;
        assertEquals(ByteBuffer.wrap(v6), values.address(v6, 0, 16));
        assertSame(four, values.address(new byte[] {0, 0, 0, 1}, 0, 4));
        assertEquals(ByteBuffer.wrap(new byte[] {1}), values.address(new byte[] {1}, 0, 1), "packs as 1 too: told apart by its length");
    }

    @Test
    void portsAreBoxedOnce() {
        assertSame(RepeatedValues.integer(40_001), RepeatedValues.integer(40_001));
        assertSame(RepeatedValues.integer(0), RepeatedValues.integer(0));
        assertEquals(65_536, RepeatedValues.integer(65_536));
        assertEquals(-1, RepeatedValues.integer(-1));
        assertEquals(Integer.MAX_VALUE, RepeatedValues.integer(Integer.MAX_VALUE));
    }

    /** Sharing is safe only while nothing that reads an event moves a buffer's position: the readers of the hot path. */
    @Test
    void theEventsReadersLeaveSharedAddressesAsTheyWere() throws Exception {
        ConntrackEventDecoder decoder = new ConntrackEventDecoder();
        SpecificDatumWriter<ConntrackEvent> writer = new SpecificDatumWriter<>(ConntrackEvent.class);
        BinaryEncoder encoder = null;
        List<ConntrackEvent> events = new ArrayList<>();
        Iterator<ConntrackEvent> it = Capture.open(Captures.scenario(Captures.SCENARIOS.get(0))).events(false, d -> { });
        while (it.hasNext()) {
            byte[] b = RandomEvents.avroBytes(it.next());
            events.add(decoder.decode(b, 0, b.length));
        }
        for (ConntrackEvent e : events) {
            if (e.getReply() == null) {
                continue;
            }
            FlowKey.of(e);
            Addresses.format(e.getOriginal().getSrc());
            Addresses.bytes(e.getReply().getDst());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            encoder = EncoderFactory.get().binaryEncoder(out, encoder); // evidence and anomalies are written this way
            writer.write(e, encoder);
            encoder.flush();
            encoder = EncoderFactory.get().directBinaryEncoder(out, encoder);
            writer.write(e, encoder);
        }
        for (ConntrackEvent e : events) {
            if (e.getReply() != null) {
                for (ByteBuffer a : Arrays.asList(e.getOriginal().getSrc(), e.getOriginal().getDst(), e.getReply().getSrc(), e.getReply().getDst())) {
                    assertEquals(0, a.position());
                    assertEquals(a.capacity(), a.limit());
                }
            }
        }
    }
}
