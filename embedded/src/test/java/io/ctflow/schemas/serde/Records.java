package io.ctflow.schemas.serde;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.Bridge;
import io.ctflow.avro.BridgePort;
import io.ctflow.avro.Cause;
import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.CpuStats;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.Endpoint;
import io.ctflow.avro.EventType;
import io.ctflow.avro.L3Protocol;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.ServiceStats;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.Tuple;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** Realistic instances of every record type, as the collector and the streams app make them. */
final class Records {
    private Records() {}

    /** Microsecond precision, as conntrack -o timestamp prints. */
    static final Instant T = Instant.parse("2026-11-26T16:47:49.996532Z");

    static ByteBuffer ip(String s) {
        return ByteBuffer.wrap(Addresses.parse(s));
    }

    /** A DNATed TCP connection (client -> Service VIP -> backend pod), still unreplied. */
    static ConntrackEvent event() {
        Tuple original = Tuple.newBuilder().setSrc(ip("10.244.1.2")).setDst(ip("10.96.0.10")).setSrcPort(49502).setDstPort(80)
                .setPackets(1L).setBytes(60L).build();
        Tuple reply = Tuple.newBuilder().setSrc(ip("10.244.2.7")).setDst(ip("10.244.1.2")).setSrcPort(8080).setDstPort(49502)
                .setPackets(0L).setBytes(0L).build();
        return ConntrackEvent.newBuilder().setNode("node-a").setType(EventType.NEW).setTimestamp(T).setConntrackId(1019619955L)
                .setZone(0).setMark(0x4000L).setL3(L3Protocol.IPV4).setProtocol(Protocol.TCP).setProtocolNumber(6)
                .setState("SYN_SENT").setTimeout(120L).setOriginal(original).setReply(reply)
                .setFlags(List.of(StatusFlag.UNREPLIED, StatusFlag.ASSURED)).setUse(1).setSecctx("system_u:object_r:unlabeled_t:s0")
                .setLabels(null).setSequence(42L)
                .setRaw("[1764175669.996532 ] [NEW] tcp 6 120 SYN_SENT src=10.244.1.2 dst=10.96.0.10 sport=49502 dport=80 [UNREPLIED] "
                        + "src=10.244.2.7 dst=10.244.1.2 sport=8080 dport=49502 mark=16384 use=1 id=1019619955")
                .build();
    }

    /** ICMPv6 echo on IPv6, with the fields a TCP entry never has. */
    static ConntrackEvent icmpv6Event() {
        Tuple o = Tuple.newBuilder().setSrc(ip("fd00:10:244:1::2")).setDst(ip("fd00:10:96::a")).setIcmpType(128).setIcmpCode(0)
                .setIcmpId(7).build();
        Tuple r = Tuple.newBuilder().setSrc(ip("fd00:10:244:2::7")).setDst(ip("fd00:10:244:1::2")).setIcmpType(129).setIcmpCode(0)
                .setIcmpId(7).build();
        return ConntrackEvent.newBuilder().setNode("node-b").setType(EventType.DESTROY).setTimestamp(T.plusMillis(30_000))
                .setL3(L3Protocol.IPV6).setProtocol(Protocol.ICMPV6).setProtocolNumber(58).setOriginal(o).setReply(r)
                .setFlags(List.of()).setSequence(43L).build();
    }

    static NodeFacts nodeFacts() {
        return NodeFacts.newBuilder().setNode("node-a").setTimestamp(T)
                .setSysctls(Map.of("net.bridge.bridge-nf-call-iptables", "0", "net.ipv4.ip_forward", "1"))
                .setBridges(List.of(Bridge.newBuilder().setName("cni0").setAddresses(List.of("10.244.1.1/24", "fd00:10:244:1::1/64"))
                        .setPorts(List.of(BridgePort.newBuilder().setName("veth1a2b3c4d").setHairpinMode(true).build(),
                                BridgePort.newBuilder().setName("veth5e6f7a8b").setHairpinMode(false).build()))
                        .build()))
                .setPodCidrs(List.of("10.244.1.0/24")).setNodeAddresses(List.of("192.0.2.11", "2001:db8::11")).build();
    }

    static NodeStats nodeStats() {
        return NodeStats.newBuilder().setNode("node-a").setTimestamp(T).setCount(1834L).setMax(262144L)
                .setCpus(List.of(
                        CpuStats.newBuilder().setCpu(0).setFound(12).setInvalid(3).setInsert(0).setInsertFailed(2).setDrop(2)
                                .setEarlyDrop(0).setError(1).setSearchRestart(5).setClashResolve(1).setChaintoolong(0).build(),
                        CpuStats.newBuilder().setCpu(1).setFound(9).build()))
                .setLostEvents(17).setGaps(2).build();
    }

    static ServiceEntry serviceEntry() {
        return ServiceEntry.newBuilder().setId("default/web:http").setNamespace("default").setName("web").setPortName("http")
                .setVip(ip("10.96.0.10")).setPort(80).setProtocol(Protocol.TCP)
                .setEndpoints(List.of(Endpoint.newBuilder().setAddress(ip("10.244.2.7")).setPort(8080).build(),
                        Endpoint.newBuilder().setAddress(ip("10.244.1.3")).setPort(8080).build()))
                .setRequestResponse(null).setSource("iptables").setNode("node-a").setTimestamp(T).build();
    }

    static NatAnomaly natAnomaly() {
        return NatAnomaly.newBuilder().setType(AnomalyType.INCOMPLETE_NAT).setStatus(AnomalyStatus.OPEN).setNode("node-a")
                .setProtocol(Protocol.TCP).setClient("10.244.1.2:49502").setService("default/web:http")
                .setServiceAddress("10.96.0.10:80").setBackend("10.244.1.3:8080").setCause(Cause.HAIRPIN)
                .setHint("set hairpin_mode on the bridge port, or masquerade hairpin traffic")
                .setFirstSeen(T).setDetectedAt(T.plusSeconds(3)).setFlowKey("tcp,10.244.1.3:8080,10.244.1.2:49502")
                .setDetail("reply from the backend went straight to the client on the same bridge")
                .setEvidence(List.of(event(), icmpv6Event()))
                .setFacts(Map.of("bridge", "cni0", "hairpin_mode", "0", "pod_cidr", "10.244.1.0/24")).build();
    }

    static ServiceStats serviceStats() {
        return ServiceStats.newBuilder().setService("default/web:http").setServiceAddress("10.96.0.10:80/tcp")
                .setWindowStart(T).setWindowEnd(T.plusSeconds(60)).setNewFlows(120).setReplied(117).setUnreplied(3)
                .setIncompleteNat(Map.of("HAIRPIN", 2L, "NO_REPLY", 1L)).setActive(14)
                .setStates(Map.of("ESTABLISHED", 12L, "TIME_WAIT", 2L))
                .setBackends(Map.of("10.244.2.7:8080", 61L, "10.244.1.3:8080", 59L))
                .setSetupP50Micros(94L).setSetupP99Micros(1450L).setClients(9).build();
    }

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder().setNode("node-a").setSource("conntrack -E").setPosition(3812)
                .setReason("no reply tuple in a NEW event")
                .setRaw(ByteBuffer.wrap("[NEW] tcp 6 120 SYN_SENT src=10.0.0.1 \u00ff".getBytes(StandardCharsets.ISO_8859_1)))
                .setTimestamp(T).build();
    }

    static List<SpecificRecord> everyType() {
        return List.of(event(), icmpv6Event(), nodeFacts(), nodeStats(), serviceEntry(), natAnomaly(), serviceStats(), deadLetter());
    }
}
