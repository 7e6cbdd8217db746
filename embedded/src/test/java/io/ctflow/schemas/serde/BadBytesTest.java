package io.ctflow.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.schemas.registry.RegistryUnreachableException;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import io.ctflow.embedded.registry.RegistryServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every kind of bad input and a dead registry: a SerializationException naming the topic and the cause, never silence. */
class BadBytesTest {
    static RegistryServer registry;
    static Map<String, Object> config;
    static AvroDeserializer<ConntrackEvent> events;
    static AvroDeserializer<GenericRecord> generic;
    static byte[] good;

    @BeforeAll
    static void start() {
        registry = RegistryServer.start("127.0.0.1", 0);
        config = Map.of("schema.registry.url", registry.url());
        events = AvroSerdes.specific(ConntrackEvent.class, config, false).deserializer();
        generic = AvroSerdes.generic(config, false).deserializer();
        good = AvroSerdes.specific(ConntrackEvent.class, config, false).serializer().serialize("ctflow.events", Records.event());
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    static SerializationException fails(Executable e, String messageStart) {
        SerializationException ex = assertThrows(SerializationException.class, e);
        assertTrue(ex.getMessage().startsWith(messageStart), "message: " + ex.getMessage());
        return ex;
    }

    @Test
    void tooShort() {
        fails(() -> events.deserialize("ctflow.events", new byte[0]), "ctflow.events: 0 bytes is too short for the Confluent wire format");
        fails(() -> events.deserialize("ctflow.events", new byte[] {0, 0, 0, 1}), "ctflow.events: 4 bytes is too short");
    }

    @Test
    void wrongMagicByte() {
        // JSON text on an Avro topic starts with '{'.
        fails(() -> events.deserialize("ctflow.events", "{\"node\":\"a\"}".getBytes()),
                "ctflow.events: unknown magic byte 0x7b (not Confluent wire format)");
        byte[] b = good.clone();
        b[0] = 1;
        fails(() -> generic.deserialize("ctflow.events", b), "ctflow.events: unknown magic byte 0x01");
    }

    @Test
    void unknownSchemaId() {
        byte[] b = good.clone();
        b[1] = 0x7f; // id 0x7f0000xx: never assigned
        SerializationException e = fails(() -> events.deserialize("ctflow.events", b), "ctflow.events: unknown schema id " + WireFormat.schemaId(b));
        assertTrue(e.getMessage().contains("40403"), e.getMessage());
    }

    @Test
    void truncatedBody() {
        for (int cut : new int[] {1, 10, good.length - 6}) {
            byte[] b = Arrays.copyOf(good, good.length - cut);
            fails(() -> events.deserialize("ctflow.events", b), "ctflow.events: truncated Avro body (schema id " + WireFormat.schemaId(good)
                    + ", io.ctflow.avro.ConntrackEvent)");
        }
        fails(() -> events.deserialize("ctflow.events", Arrays.copyOf(good, 5)), "ctflow.events: truncated Avro body");
    }

    @Test
    void corruptBody() {
        // Byte 5 is the length of 'node' ("node-a": 6 -> 0x0c); make the type enum index (the byte after "node-a") out of range.
        byte[] b = good.clone();
        assertEquals(0x0c, b[5]);
        b[5 + 1 + 6] = 0x7e; // enum index 63: EventType has 7 symbols
        fails(() -> events.deserialize("ctflow.events", b), "ctflow.events: corrupt Avro body (schema id");
        // A union branch index that does not exist (conntrackId's branch follows the timestamp varint).
        byte[] u = good.clone();
        int p = 5 + 1 + 6 + 1; // after node and type: the timestamp varint
        while ((u[p] & 0x80) != 0) {
            p++;
        }
        u[p + 1] = 0x08; // branch 4 of ["null","long"]
        fails(() -> generic.deserialize("ctflow.events", u), "ctflow.events: corrupt Avro body");
        // A negative length for a string.
        byte[] s = good.clone();
        s[5] = 0x03; // length -2
        fails(() -> events.deserialize("ctflow.events", s), "ctflow.events: corrupt Avro body");
    }

    @Test
    void trailingBytes() {
        byte[] b = Arrays.copyOf(good, good.length + 3);
        fails(() -> events.deserialize("ctflow.events", b), "ctflow.events: corrupt Avro body (schema id " + WireFormat.schemaId(good)
                + ", io.ctflow.avro.ConntrackEvent): trailing bytes after the record");
    }

    @Test
    void goodBytesStillReadAfterAllThat() {
        assertEquals(Records.event(), events.deserialize("ctflow.events", good));
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aRegistryThatIsDownIsRetriedWithBackoffThenNamedInTheError() throws Exception {
        String url = "http://127.0.0.1:" + closedPort();
        Map<String, Object> down = Map.of("schema.registry.url", url, "ctflow.registry.retries", "2", "ctflow.registry.backoff.ms", "1");
        SchemaRegistryClient client = SchemaRegistryClient.create(down);
        AvroSerializer<DeadLetter> ser = new AvroSerializer<>(client, down, false);
        SerializationException e = fails(() -> ser.serialize("ctflow.dlq", Records.deadLetter()),
                "ctflow.dlq: schema registry unreachable at " + url + " (POST /subjects/ctflow.dlq-value/versions, 3 attempts): ConnectException");
        assertInstanceOf(RegistryUnreachableException.class, e.getCause());
        assertEquals(3, client.requestCount(), "first try plus 2 retries");

        AvroDeserializer<DeadLetter> de = new AvroDeserializer<>(client, DeadLetter.class, down, false);
        fails(() -> de.deserialize("ctflow.dlq", good), "ctflow.dlq: schema registry unreachable at " + url + " (GET /schemas/ids/");
    }

    @Test
    void aRegistryThatRecoversWithinTheRetriesIsNotAnError() {
        Map<String, Object> cfg = new HashMap<>(config);
        cfg.put("ctflow.registry.retries", "3");
        cfg.put("ctflow.registry.backoff.ms", "1");
        SchemaRegistryClient client = SchemaRegistryClient.create(cfg);
        registry.failNextRequests(2); // two 503s (leader election), then the real answer
        byte[] b = new AvroSerializer<DeadLetter>(client, cfg, false).serialize("ctflow.dlq", Records.deadLetter());
        assertEquals(3, client.requestCount());
        assertEquals(Records.deadLetter(), AvroSerdes.specific(DeadLetter.class, config, false).deserializer().deserialize("ctflow.dlq", b));

        registry.failNextRequests(10);
        SchemaRegistryClient impatient = SchemaRegistryClient.create(cfg);
        SerializationException e = assertThrows(SerializationException.class,
                () -> new AvroSerializer<DeadLetter>(impatient, cfg, false).serialize("ctflow.dlq", Records.deadLetter()));
        assertTrue(e.getMessage().contains("HTTP 503 (error_code 50003)"), e.getMessage());
        registry.failNextRequests(0);
    }
}
