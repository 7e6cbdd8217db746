package io.ctflow.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.L3Protocol;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.Tuple;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FlowKeyTest {

    static ByteBuffer ip(String s) {
        return ByteBuffer.wrap(Addresses.parse(s));
    }

    static ConntrackEvent event(int proto, Protocol p, Tuple original, Tuple reply) {
        return ConntrackEvent.newBuilder().setNode("n").setType(EventType.NEW).setTimestamp(Instant.EPOCH).setL3(L3Protocol.IPV4)
                .setProtocol(p).setProtocolNumber(proto).setOriginal(original).setReply(reply).build();
    }

    @Test
    void keysOfOneClientsPortsHashApart() {
        // Four client pods calling one backend from 50,000 ephemeral ports each: Arrays.hashCode of
        // these bytes gave 25,980 distinct hashes for the 200,000 keys (ports p and p + 225 collide).
        java.util.Set<Integer> hashes = new java.util.HashSet<>();
        for (int client = 2; client < 6; client++) {
            for (int port = 1024; port < 51_024; port++) {
                hashes.add(FlowKey.parse("tcp,10.244.3.9:8080,10.244.1." + client + ":" + port).hashCode());
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(hashes.size() > 199_900, hashes.size() + " distinct hashes of 200,000 keys");
    }

    @Test
    void theSameBytesFromArraysFromSlicedAndFromDirectBuffers() {
        byte[] src = {0, 0, 10, (byte) 244, 1, 3, 0};
        byte[] dst = {10, (byte) 244, 1, 2};
        byte[] fromArrays = FlowKey.bytes(6, src, 2, 4, dst, 0, 4, 8080, 49502, 7);
        ByteBuffer sliced = ByteBuffer.wrap(src, 2, 4).slice();
        ByteBuffer direct = ByteBuffer.allocateDirect(4).put(dst).flip();
        assertArrayEquals(fromArrays, FlowKey.of(6, sliced, direct, 8080, 49502, 7).rawBytes());
        assertEquals("tcp,10.244.1.3:8080,10.244.1.2:49502,zone=7", FlowKey.fromBytes(fromArrays).toString());
        assertEquals(4, sliced.remaining(), "the buffers are not consumed");
        assertEquals(4, direct.remaining());
        assertThrows(IllegalArgumentException.class, () -> FlowKey.bytes(6, src, 0, 4, dst, 0, 3, 1, 2, 0), "4 and 3 bytes");
        assertThrows(IllegalArgumentException.class, () -> FlowKey.bytes(6, src, 0, 4, dst, 0, 4, 65536, 2, 0), "port");
    }

    @Test
    void tcpKeyIsTheReplyTupleInFourteenBytes() {
        // Client 10.244.1.2:49502 -> Service 10.96.0.10:80, DNATed to 10.244.1.3:8080.
        Tuple o = Tuple.newBuilder().setSrc(ip("10.244.1.2")).setDst(ip("10.96.0.10")).setSrcPort(49502).setDstPort(80).build();
        Tuple r = Tuple.newBuilder().setSrc(ip("10.244.1.3")).setDst(ip("10.244.1.2")).setSrcPort(8080).setDstPort(49502).build();
        FlowKey k = FlowKey.of(event(6, Protocol.TCP, o, r));
        assertArrayEquals(new byte[] {6, 4, 10, (byte) 244, 1, 3, 10, (byte) 244, 1, 2, 0x1f, (byte) 0x90, (byte) 0xc1, 0x5e}, k.bytes());
        assertEquals("tcp,10.244.1.3:8080,10.244.1.2:49502", k.text());
        assertEquals(k.text(), k.toString());
        assertEquals(6, k.protocolNumber());
        assertArrayEquals(Addresses.parse("10.244.1.3"), k.replySrc());
        assertArrayEquals(Addresses.parse("10.244.1.2"), k.replyDst());
        assertEquals(8080, k.replySrcPort());
        assertEquals(49502, k.replyDstPort());
    }

    @Test
    void theSameTupleInTwoZonesIsTwoConnectionsAndZoneZeroKeepsItsForm() {
        Tuple o = Tuple.newBuilder().setSrc(ip("10.244.1.2")).setDst(ip("10.96.0.10")).setSrcPort(40000).setDstPort(53).build();
        Tuple r = Tuple.newBuilder().setSrc(ip("10.244.1.3")).setDst(ip("10.244.1.2")).setSrcPort(53).setDstPort(40000).build();
        ConntrackEvent zone0 = event(17, Protocol.UDP, o, r);
        ConntrackEvent zone5 = ConntrackEvent.newBuilder(zone0).setZone(5).build();
        FlowKey k0 = FlowKey.of(zone0);
        FlowKey k5 = FlowKey.of(zone5);
        assertNotEquals(k0, k5);
        assertEquals(14, k0.bytes().length, "zone 0: the form keys had before zones");
        assertEquals("udp,10.244.1.3:53,10.244.1.2:40000", k0.text());
        assertEquals(0, k0.zone());
        assertArrayEquals(new byte[] {17, 4, 10, (byte) 244, 1, 3, 10, (byte) 244, 1, 2, 0, 53, (byte) 0x9c, 0x40, 0, 5}, k5.bytes());
        assertEquals("udp,10.244.1.3:53,10.244.1.2:40000,zone=5", k5.text());
        assertEquals(5, k5.zone());
        assertEquals(k5, FlowKey.parse(k5.text()));
        assertEquals(k5, FlowKey.fromBytes(k5.bytes()));
        assertEquals(k0, FlowKey.parse("udp,10.244.1.3:53,10.244.1.2:40000,zone=0"), "zone=0 is the zone-less key");
        assertEquals(65535, FlowKey.parse("icmp,10.0.0.2,10.0.0.1,id=7,zone=65535").zone());
        assertEquals("icmp,10.0.0.2,10.0.0.1,id=7,zone=65535", FlowKey.parse("icmp,10.0.0.2,10.0.0.1,id=7,zone=65535").text());
        assertThrows(IllegalArgumentException.class, () -> FlowKey.parse("udp,10.0.0.1:1,10.0.0.2:2,zone=65536"));
        assertThrows(IllegalArgumentException.class, () -> FlowKey.parse("udp,10.0.0.1:1,10.0.0.2:2,zone=x"));
        byte[] zoneZeroWritten = java.util.Arrays.copyOf(k0.bytes(), 16);
        assertThrows(IllegalArgumentException.class, () -> FlowKey.fromBytes(zoneZeroWritten), "one form per key");
    }

    @Test
    void theNatNodeAndTheBackendNodeGetTheSameKey() {
        // Same connection seen where the DNAT happens and on the backend's node (which sees the pod address, not the VIP).
        Tuple r = Tuple.newBuilder().setSrc(ip("10.244.2.7")).setDst(ip("10.244.1.2")).setSrcPort(8080).setDstPort(40000).build();
        Tuple natOriginal = Tuple.newBuilder().setSrc(ip("10.244.1.2")).setDst(ip("10.96.0.10")).setSrcPort(40000).setDstPort(80).build();
        Tuple backendOriginal = Tuple.newBuilder().setSrc(ip("10.244.1.2")).setDst(ip("10.244.2.7")).setSrcPort(40000).setDstPort(8080).build();
        FlowKey a = FlowKey.of(event(6, Protocol.TCP, natOriginal, r));
        FlowKey b = FlowKey.of(event(6, Protocol.TCP, backendOriginal, Tuple.newBuilder(r).build()));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, FlowKey.of(event(17, Protocol.UDP, natOriginal, r)), "protocol is part of the key");
    }

    @Test
    void icmpUsesTheEchoId() {
        Tuple r = Tuple.newBuilder().setSrc(ip("10.0.0.2")).setDst(ip("10.0.0.1")).setIcmpType(0).setIcmpCode(0).setIcmpId(7).build();
        FlowKey k = FlowKey.of(event(1, Protocol.ICMP, r, r));
        assertEquals(7, k.replySrcPort());
        assertEquals(0, k.replyDstPort());
        assertEquals("icmp,10.0.0.2,10.0.0.1,id=7", k.text());
        assertEquals(k, FlowKey.parse(k.text()));
    }

    @Test
    void ipv6KeysAre38BytesAndBracketed() {
        Tuple r = Tuple.newBuilder().setSrc(ip("fd00::7")).setDst(ip("fd00::2")).setSrcPort(443).setDstPort(50000).build();
        FlowKey k = FlowKey.of(event(6, Protocol.TCP, r, r));
        assertEquals(38, k.bytes().length);
        assertEquals("tcp,[fd00::7]:443,[fd00::2]:50000", k.text());
        assertEquals(k, FlowKey.parse(k.text()));
        assertEquals(k, FlowKey.fromBytes(k.bytes()));
    }

    @Test
    void markersHaveNoKey() {
        ConntrackEvent heartbeat = ConntrackEvent.newBuilder().setNode("n").setType(EventType.HEARTBEAT).setTimestamp(Instant.EPOCH).build();
        assertNull(FlowKey.of(heartbeat));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp,10.244.1.3:8080,10.244.1.2:49502", "udp,10.96.0.10:53,10.244.1.2:33000", "sctp,10.0.0.1:1,10.0.0.2:2",
        "dccp,10.0.0.1:5004,10.0.0.2:5005", "udplite,10.0.0.1:1,10.0.0.2:2", "gre,10.0.0.1:65535,10.0.0.2:0",
        "icmpv6,fd00::2,fd00::1,id=65535", "icmp,10.0.0.2,10.0.0.1,id=0", "2,10.0.0.1,224.0.0.1", "udp,[::ffff:10.0.0.1]:53,[::1]:1"})
    void textRoundTrips(String text) {
        FlowKey k = FlowKey.parse(text);
        assertEquals(text, k.text());
        assertEquals(k, FlowKey.fromBytes(k.rawBytes()));
    }

    @Test
    void parseIsLenientAboutCaseSpacesAndNumbers() {
        assertEquals(FlowKey.parse("tcp,10.0.0.1:1,10.0.0.2:2"), FlowKey.parse(" TCP , 10.0.0.1:1 , 10.0.0.2:2 "));
        assertEquals(FlowKey.parse("tcp,10.0.0.1:1,10.0.0.2:2"), FlowKey.parse("6,10.0.0.1:1,10.0.0.2:2"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "tcp", "tcp,10.0.0.1:1", "tcp,10.0.0.1:1,10.0.0.2:2,x,y", "tcp,10.0.0.1,10.0.0.2:2", "tcp,10.0.0.1:1,10.0.0.2:70000",
        "tcp,10.0.0.1:1,fd00::2:2", "tcp,10.0.0.1:1,[fd00::2]:2", "nope,10.0.0.1:1,10.0.0.2:2", "icmp,10.0.0.1,10.0.0.2,7",
        "icmp,10.0.0.1,10.0.0.2,id=70000", "icmp,10.0.0.1,10.0.0.2,id=x", "tcp,host:1,10.0.0.2:2", "tcp,10.0.0.1:-1,10.0.0.2:2"})
    void badTextIsRefused(String text) {
        assertThrows(IllegalArgumentException.class, () -> FlowKey.parse(text));
    }

    @Test
    void outOfRangePartsAreRefusedRatherThanTruncated() {
        assertThrows(IllegalArgumentException.class, () -> FlowKey.of(6, ip("10.0.0.1"), ip("10.0.0.2"), 65536, 1));
        assertThrows(IllegalArgumentException.class, () -> FlowKey.of(6, ip("10.0.0.1"), ip("10.0.0.2"), 1, -1));
        assertThrows(IllegalArgumentException.class, () -> FlowKey.of(256, ip("10.0.0.1"), ip("10.0.0.2"), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> FlowKey.of(6, ip("10.0.0.1"), ip("fd00::1"), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> FlowKey.of(6, ByteBuffer.wrap(new byte[5]), ByteBuffer.wrap(new byte[5]), 1, 1));
    }

    @Test
    void fromBytesValidatesTheShapeAndCopies() {
        assertThrows(IllegalArgumentException.class, () -> FlowKey.fromBytes(null));
        assertThrows(IllegalArgumentException.class, () -> FlowKey.fromBytes(new byte[] {6}));
        assertThrows(IllegalArgumentException.class, () -> FlowKey.fromBytes(new byte[] {6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
        assertThrows(IllegalArgumentException.class, () -> FlowKey.fromBytes(new byte[12]));
        byte[] b = FlowKey.parse("tcp,10.0.0.1:1,10.0.0.2:2").bytes();
        FlowKey k = FlowKey.fromBytes(b);
        b[2] = 99;
        assertEquals("tcp,10.0.0.1:1,10.0.0.2:2", k.text(), "the key does not share the caller's array");
        k.bytes()[2] = 99;
        assertEquals("tcp,10.0.0.1:1,10.0.0.2:2", k.text());
    }

    @Test
    void serdeRoundTripsAndNamesTheTopicOnBadBytes() {
        FlowKeySerde serde = new FlowKeySerde();
        FlowKey k = FlowKey.parse("udp,10.96.0.10:53,10.244.1.2:33000");
        assertEquals(k, serde.deserializer().deserialize("ctflow.events", serde.serializer().serialize("ctflow.events", k)));
        assertNull(serde.serializer().serialize("ctflow.events", null));
        assertNull(serde.deserializer().deserialize("ctflow.events", null));
        SerializationException e = assertThrows(SerializationException.class,
                () -> serde.deserializer().deserialize("ctflow.events", new byte[] {1, 2, 3}));
        assertEquals("ctflow.events: not a flow key: 3 bytes", e.getMessage());
    }
}
