package io.ctflow.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.Tuple;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import io.ctflow.embedded.registry.RegistryServer;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The serializer's bytes against the Confluent wire format worked out by hand from the Avro spec:
 * ints and longs are zig-zag varints ((n << 1) ^ (n >> 63), 7 bits a byte, low group first, high bit
 * = more follows); strings and bytes are a length (a zig-zag long) then the bytes; a union is the
 * branch index (a zig-zag int) then the value; a record is its fields in order, nothing else.
 */
class WireFormatTest {
    RegistryServer registry;
    Map<String, Object> config;

    @BeforeEach
    void start() {
        registry = RegistryServer.start("127.0.0.1", 0); // fresh: the first schema gets id 1
        config = Map.of("schema.registry.url", registry.url());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void aTupleByHand() {
        Tuple t = Tuple.newBuilder()
                .setSrc(ByteBuffer.wrap(new byte[] {10, 0, 0, 1})).setDst(ByteBuffer.wrap(new byte[] {10, 0, 0, 2}))
                .setSrcPort(49502).setDstPort(8080).setPackets(3L).setBytes(180L).build();
        byte[] got = AvroSerdes.specific(Tuple.class, config, false).serializer().serialize("wire", t);
        int id = SchemaRegistryClient.create(config).lookup("wire-value", Tuple.getClassSchema()).id();
        assertEquals(1, id);
        byte[] expected = {
            0x00,                         // magic byte
            0x00, 0x00, 0x00, 0x01,       // schema id 1, 4 bytes big-endian
            0x08, 10, 0, 0, 1,            // src: bytes, length 4 -> zig-zag 8, then 10.0.0.1
            0x08, 10, 0, 0, 2,            // dst: length 4, 10.0.0.2
            0x02, (byte) 0xbc, (byte) 0x85, 0x06, // srcPort: union branch 1 ("int") -> 2; 49502 -> zig-zag 99004 = 0x182bc -> bc 85 06
            0x02, (byte) 0xa0, 0x7e,      // dstPort: branch 1; 8080 -> 16160 = 0x3f20 -> a0 7e
            0x00,                         // icmpType: branch 0 ("null"), no value
            0x00,                         // icmpCode: null
            0x00,                         // icmpId: null
            0x02, 0x06,                   // packets: branch 1 ("long"); 3 -> 6
            0x02, (byte) 0xe8, 0x02       // bytes: branch 1; 180 -> 360 = 0x168 -> e8 02
        };
        assertArrayEquals(expected, got);
        assertEquals(t, AvroSerdes.specific(Tuple.class, config, false).deserializer().deserialize("wire", expected));
    }

    @Test
    void aDeadLetterByHand() {
        // Registered second on this server: id 2, so the header shows the id is the registry's, not a constant.
        SchemaRegistryClient.create(config).register("other-value", Tuple.getClassSchema());
        DeadLetter d = DeadLetter.newBuilder().setNode("n1").setSource("cli").setPosition(150).setReason("bad")
                .setRaw(ByteBuffer.wrap(new byte[] {(byte) 0xff})).setTimestamp(Instant.EPOCH.minusNanos(1000)).build();
        byte[] got = AvroSerdes.specific(DeadLetter.class, config, false).serializer().serialize("dlq", d);
        byte[] expected = {
            0x00,                         // magic byte
            0x00, 0x00, 0x00, 0x02,       // schema id 2
            0x04, 'n', '1',               // node: string, length 2 -> zig-zag 4, UTF-8 bytes
            0x06, 'c', 'l', 'i',          // source: length 3 -> 6
            (byte) 0xac, 0x02,            // position: long 150 -> zig-zag 300 = 0x12c -> ac 02
            0x06, 'b', 'a', 'd',          // reason: length 3
            0x02, (byte) 0xff,            // raw: bytes, length 1 -> 2, then 0xff
            0x01                          // timestamp: timestamp-micros is a long; -1 us -> zig-zag 1
        };
        assertArrayEquals(expected, got);
        assertEquals(d, AvroSerdes.specific(DeadLetter.class, config, false).deserializer().deserialize("dlq", expected));
    }
}
