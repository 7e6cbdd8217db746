package io.ctflow.streams.outage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ctflow.schemas.registry.RegistryUnreachableException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

class RegistryWaitingSerdeTest {
    @Test
    void waitsWhileTheRegistryIsUnreachableAndPassesBadDataOn() {
        AtomicInteger calls = new AtomicInteger();
        SerializationException bad = new SerializationException("garbage");
        Deserializer<String> flaky = (topic, data) -> {
            if (data.length == 0) {
                throw bad;
            }
            if (calls.incrementAndGet() <= 2) {
                throw new SerializationException("t: unreachable", new RegistryUnreachableException("schema registry unreachable", null));
            }
            return new String(data);
        };
        Serializer<String> ser = Serdes.String().serializer();
        Serde<String> waiting = RegistryWaitingSerde.of(Serdes.serdeFrom(ser, flaky));
        long t0 = System.nanoTime();
        assertEquals("x", waiting.deserializer().deserialize("t", new byte[] {'x'}));
        assertEquals(3, calls.get());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(true, ms >= RegistryWaitingSerde.FIRST_BACKOFF_MS * 3, "backed off 0.5 s then 1 s: " + ms + " ms");
        assertSame(bad, assertThrows(SerializationException.class, () -> waiting.deserializer().deserialize("t", new byte[0])));
    }
}
