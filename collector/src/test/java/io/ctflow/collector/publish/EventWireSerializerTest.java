package io.ctflow.collector.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.schemas.serde.AvroSerdes;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventWireSerializerTest {
    RegistryServer registry;
    Map<String, Object> config;

    @BeforeEach
    void start() {
        registry = RegistryServer.start("127.0.0.1", 0);
        config = Map.of("schema.registry.url", registry.url());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    Serializer<ConntrackEvent> registrySerializer(Map<String, Object> c) {
        return AvroSerdes.specific(ConntrackEvent.class, c, false).serializer();
    }

    @Test
    void writesTheRegistrySerializersBytesWithoutIt() {
        Serializer<ConntrackEvent> reference = registrySerializer(config);
        EventWireSerializer wire = EventWireSerializer.wrap(registrySerializer(config), config);
        Random r = new Random(7);
        assertFalse(wire.encoding());
        for (int i = 0; i < 2_000; i++) {
            ConntrackEvent e = ConntrackEventEncoderTest.randomEvent(r);
            assertArrayEquals(reference.serialize("ctflow.events", e), wire.serialize("ctflow.events", e));
            assertTrue(wire.encoding());
        }
        long requests = registry.requestCount();
        ConntrackEvent e = ConntrackEventEncoderTest.randomEvent(r);
        assertArrayEquals(reference.serialize("other.events", e), wire.serialize("other.events", e), "another topic: its own schema id");
        assertArrayEquals(reference.serialize("ctflow.events", e), wire.serialize("ctflow.events", e));
        assertTrue(registry.requestCount() > requests, "the other topic's subject was registered");
        assertNull(wire.serialize("ctflow.events", null));
    }

    @Test
    void latestVersionKeepsTheRegistrySerializer() {
        Map<String, Object> latest = Map.of("schema.registry.url", registry.url(), "use.latest.version", "true");
        Serializer<ConntrackEvent> register = registrySerializer(config);
        ConntrackEvent e = ConntrackEventEncoderTest.randomEvent(new Random(8));
        byte[] expected = register.serialize("ctflow.events", e);
        EventWireSerializer wire = EventWireSerializer.wrap(registrySerializer(latest), latest);
        assertArrayEquals(expected, wire.serialize("ctflow.events", e));
        assertArrayEquals(expected, wire.serialize("ctflow.events", e));
        assertFalse(wire.encoding());
    }

    @Test
    void bytesThatDifferTurnTheEncoderOff() {
        Serializer<ConntrackEvent> registered = registrySerializer(config);
        // a registry serializer that writes something else than the encoder (another writer schema, say)
        Serializer<ConntrackEvent> other = (topic, e) -> {
            byte[] b = registered.serialize(topic, e);
            byte[] c = Arrays.copyOf(b, b.length + 1);
            c[b.length] = 7;
            return c;
        };
        EventWireSerializer wire = new EventWireSerializer(other, true);
        Random r = new Random(9);
        for (int i = 0; i < 3; i++) {
            ConntrackEvent e = ConntrackEventEncoderTest.randomEvent(r);
            byte[] out = wire.serialize("ctflow.events", e);
            assertEquals(7, out[out.length - 1]);
            assertFalse(wire.encoding());
        }
    }
}
