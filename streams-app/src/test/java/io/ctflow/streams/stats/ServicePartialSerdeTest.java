package io.ctflow.streams.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.internal.WindowAcc;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ServicePartialSerdeTest {
    private final ServicePartialSerde serde = new ServicePartialSerde();

    static ServicePartial partial(int connections, int clients) {
        ServicePartial p = new ServicePartial("default/web:http", 1_700_000_000_000_000L, "10.96.0.10:80/tcp");
        ServicePartialTest.changes(connections, clients).forEach(p::apply);
        return p;
    }

    @Test
    void roundTripsEveryField() {
        for (int clients : new int[] {10, 200}) { // exact clients, then a bitmap
            ServicePartial p = partial(300, clients);
            ServicePartial back = serde.decode(serde.encode(p));
            assertEquals(p.service(), back.service());
            assertEquals(p.start(), back.start());
            assertEquals(p.serviceAddress(), back.serviceAddress());
            WindowAcc a = ServicePartialTest.emptyWindow();
            WindowAcc b = ServicePartialTest.emptyWindow();
            p.mergeInto(a);
            back.mergeInto(b);
            assertEquals(a, b);
            assertArrayEquals(serde.encode(p), serde.encode(back));
        }
    }

    @Test
    void isSmallerThanTheStatsTasksAvroWindowOfTheSameCounts() throws Exception {
        for (int clients : new int[] {10, 200}) {
            ServicePartial p = partial(300, clients);
            WindowAcc w = ServicePartialTest.emptyWindow();
            p.mergeInto(w);
            java.io.ByteArrayOutputStream avro = new java.io.ByteArrayOutputStream();
            org.apache.avro.io.BinaryEncoder e = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(avro, null);
            new org.apache.avro.specific.SpecificDatumWriter<>(WindowAcc.class).write(w, e);
            int ours = serde.encode(p).length;
            assertTrue(ours < avro.size() * 0.8, clients + " clients: " + ours + " vs Avro " + avro.size());
        }
    }

    @Test
    void refusesAnotherLayoutOrATruncatedOne() {
        byte[] b = serde.encode(partial(5, 5));
        byte[] other = b.clone();
        other[0] = 4; // zig-zag 2
        assertTrue(assertThrows(SerializationException.class, () -> serde.decode(other)).getMessage().contains("layout version 2"));
        assertThrows(SerializationException.class, () -> serde.decode(Arrays.copyOf(b, b.length - 3)));
        byte[] longer = Arrays.copyOf(b, b.length + 1);
        assertThrows(SerializationException.class, () -> serde.decode(longer));
    }
}
