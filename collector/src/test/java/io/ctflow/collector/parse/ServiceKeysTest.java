package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceKeysTest {

    @Test
    void topicKeyIsProtoSlashVipColonPort() {
        assertEquals("tcp/10.96.0.10:80", ServiceKeys.key(Protocol.TCP, Addresses.parse("10.96.0.10"), 80));
        assertEquals("udp/[fd00::53]:53", ServiceKeys.key(Protocol.UDP, Addresses.parse("fd00:0:0::53"), 53));
        assertEquals("sctp/10.0.0.1:9", ServiceKeys.key(Protocol.SCTP, ByteBuffer.wrap(Addresses.parse("10.0.0.1")), 9));
    }

    @Test
    void defaultIdIsVipColonPortSlashProto() {
        assertEquals("10.96.0.10:80/tcp", ServiceKeys.defaultId(Protocol.TCP, Addresses.parse("10.96.0.10"), 80));
        assertEquals("[fd00::10]:443/tcp", ServiceKeys.defaultId(Protocol.TCP, ByteBuffer.wrap(Addresses.parse("fd00::10")), 443));
        assertEquals("10.96.0.53:53/udplite", ServiceKeys.defaultId(Protocol.UDPLITE, Addresses.parse("10.96.0.53"), 53));
    }

    @Test
    void keyOfAnEntryDoesNotMoveTheBuffer() {
        ByteBuffer vip = ByteBuffer.wrap(Addresses.parse("10.96.0.10"));
        ServiceEntry e = new ServiceEntry("default/web:http", "default", "web", "http", vip, 80, Protocol.TCP, List.of(),
            null, "iptables", "node1", Instant.EPOCH);
        assertEquals("tcp/10.96.0.10:80", ServiceKeys.key(e));
        assertEquals("tcp/10.96.0.10:80", ServiceKeys.key(e));
        assertEquals(0, vip.position());
    }
}
