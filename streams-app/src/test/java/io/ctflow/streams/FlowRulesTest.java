package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.Bridge;
import io.ctflow.avro.Cause;
import io.ctflow.avro.Endpoint;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.ServiceStats;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One test per cause rule and per timing rule, on hand-written conntrack lines with explicit timestamps. */
class FlowRulesTest {
    static final long T0 = 1_700_000_000L;
    TopologyFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new TopologyFixture();
        f.facts(facts("node1", "1", "10.244.1.1/24"));
        f.facts(facts("node2", "1", "10.244.2.1/24"));
        f.service(service("default/web:http", "10.96.0.10", 80, Protocol.TCP, "10.244.2.9", 8080));
        f.service(service("default/echo:udp", "10.96.0.40", 9999, Protocol.UDP, "10.244.2.9", 9999));
        f.service(service("kube-system/kube-dns:dns", "10.96.0.53", 53, Protocol.UDP, "10.244.2.9", 53));
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    @Test
    void noReplyWhenNobodySawTheReply() {
        f.line("node1", tcp(0, "NEW", "SYN_SENT", true, "10.244.1.2", 40000, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.settle(at(0));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(1, out.size());
        assertEquals("tcp,10.244.2.9:8080,10.244.1.2:40000@node1", out.get(0).key);
        NatAnomaly a = out.get(0).value;
        assertEquals(Cause.NO_REPLY, a.getCause());
        assertEquals(AnomalyType.INCOMPLETE_NAT, a.getType());
        assertEquals("default/web:http", a.getService());
        assertEquals("10.244.2.9:8080", a.getBackend());
        assertEquals(at(3_000_000), a.getDetectedAt(), "NEW + the 3 s TCP reply timeout, in event time");
        assertEquals(1, a.getEvidence().size());
    }

    @Test
    void replyWithinTheTimeoutRaisesNothing() {
        f.line("node1", tcp(0, "NEW", "SYN_SENT", true, "10.244.1.2", 40001, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.line("node1", tcp(2_900_000, "UPDATE", "SYN_RECV", false, "10.244.1.2", 40001, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.settle(at(3_000_000));
        assertEquals(List.of(), f.anomalies());
    }

    @Test
    void asymmetricReturnWhenAnotherNodeSawTheReply() {
        f.line("node1", tcp(0, "NEW", "SYN_SENT", true, "10.244.1.2", 40002, "10.96.0.10", 80, "10.244.2.9", 8080));
        // node2 tracks the same connection un-NATed and sees the reply; node1 never does
        f.line("node2", tcp(1_000, "NEW", "SYN_SENT", true, "10.244.1.2", 40002, "10.244.2.9", 8080, "10.244.2.9", 8080));
        f.line("node2", tcp(2_000, "UPDATE", "SYN_RECV", false, "10.244.1.2", 40002, "10.244.2.9", 8080, "10.244.2.9", 8080));
        f.settle(at(0));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(List.of("tcp,10.244.2.9:8080,10.244.1.2:40002@node1"), out.stream().map(kv -> kv.key).toList());
        assertEquals(Cause.ASYMMETRIC_RETURN, out.get(0).value.getCause());
        assertEquals("node2", out.get(0).value.getFacts().get("repliedOn"));
    }

    @Test
    void backendNotEndpointWhenTheNatIsStale() {
        f.line("node1", tcp(0, "NEW", "SYN_SENT", true, "10.244.1.2", 40003, "10.96.0.10", 80, "10.244.2.50", 8080));
        f.settle(at(0));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(1, out.size());
        assertEquals(Cause.BACKEND_NOT_ENDPOINT, out.get(0).value.getCause());
        assertEquals("10.244.2.9:8080", out.get(0).value.getFacts().get("endpoints"));
    }

    @Test
    void replyBypassedConntrackWhenBridgeNfIsOffAndBothEndsShareTheBridge() {
        f.facts(facts("node1", "0", "10.244.1.1/24"));
        f.line("node1", tcp(0, "NEW", "SYN_SENT", true, "10.244.1.2", 40004, "10.96.0.10", 80, "10.244.1.3", 8080));
        f.settle(at(0));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(1, out.size());
        NatAnomaly a = out.get(0).value;
        assertEquals(Cause.REPLY_BYPASSED_CONNTRACK, a.getCause());
        assertTrue(a.getHint().startsWith("set net.bridge.bridge-nf-call-iptables=1 on node1"), a.getHint());
    }

    @Test
    void hairpinWhenThePodReachesItselfWithoutSnat() {
        f.facts(facts("node1", "0", "10.244.1.1/24"));
        f.line("node1", tcp(0, "NEW", "SYN_SENT", true, "10.244.1.3", 40005, "10.96.0.10", 80, "10.244.1.3", 8080));
        f.settle(at(0));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(1, out.size());
        assertEquals(Cause.HAIRPIN, out.get(0).value.getCause(), "hairpin is checked before the bridge rule");
    }

    @Test
    void udpWithoutReplyIsCountedButRaisedOnlyForRequestResponseServices() {
        f.line("node1", udp(0, "NEW", true, "10.244.1.2", 50000, "10.96.0.40", 9999, "10.244.2.9", 9999));
        f.line("node1", udp(1_000, "NEW", true, "10.244.1.2", 50001, "10.96.0.53", 53, "10.244.2.9", 53));
        f.settle(at(0));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(List.of("udp,10.244.2.9:53,10.244.1.2:50001@node1"), out.stream().map(kv -> kv.key).toList());
        assertEquals(Cause.NO_REPLY, out.get(0).value.getCause());
        assertEquals(at(5_001_000), out.get(0).value.getDetectedAt(), "UDP reply timeout is 5 s");
        ServiceStats echo = f.stats().stream().filter(kv -> kv.key.equals("default/echo:udp")).findFirst().orElseThrow().value;
        assertEquals(1, echo.getNewFlows());
        assertEquals(1, echo.getUnreplied(), "fire-and-forget UDP still counts as unreplied");
        assertEquals(Map.of(), echo.getIncompleteNat());
    }

    @Test
    void aLateReplyResolvesTheAnomalyUnderTheSameKey() {
        f.line("node1", tcp(0, "NEW", "SYN_SENT", true, "10.244.1.2", 40006, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.line("node1", tcp(5_000_000, "UPDATE", "SYN_RECV", false, "10.244.1.2", 40006, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.settle(at(5_000_000));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(2, out.size());
        assertEquals(out.get(0).key, out.get(1).key);
        assertEquals(AnomalyStatus.OPEN, out.get(0).value.getStatus());
        assertEquals(AnomalyStatus.RESOLVED, out.get(1).value.getStatus());
        assertEquals(at(5_000_000), out.get(1).value.getDetectedAt());
    }

    @Test
    void destroyedWhileUnrepliedIsJudgedAtOnce() {
        f.line("node1", tcp(0, "NEW", "SYN_SENT", true, "10.244.1.2", 40007, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.line("node1", tcp(1_000_000, "DESTROY", "SYN_SENT", true, "10.244.1.2", 40007, "10.96.0.10", 80, "10.244.2.9", 8080));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(1, out.size(), "no need to wait for the timeout");
        assertEquals(at(1_000_000), out.get(0).value.getDetectedAt());
        assertEquals(2, out.get(0).value.getEvidence().size());
        f.settle(at(1_000_000));
        assertEquals(List.of(), f.anomalies(), "the timer finds it judged already");
    }

    @Test
    void heartbeatsAloneFireTheTimerLive() {
        f.line("node1", tcp(0, "NEW", "SYN_SENT", true, "10.244.1.2", 40008, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.heartbeat("node1", at(3_500_000));
        assertEquals(List.of(), f.anomalies(), "3 s timeout + 1 s grace not yet passed");
        f.heartbeat("node1", at(4_000_000));
        assertEquals(1, f.anomalies().size(), "out within timeout + grace of event time");
    }

    @Test
    void directPodTrafficIsNeverAnAnomaly() {
        f.line("node1", tcp(0, "NEW", "SYN_SENT", true, "10.244.1.2", 40009, "10.244.2.9", 8080, "10.244.2.9", 8080));
        f.settle(at(0));
        assertEquals(List.of(), f.anomalies());
        assertEquals(List.of(), f.stats(), "not a Service connection");
    }

    @Test
    void serviceStatsWindowHasTheExactCounts() {
        f.line("node1", tcp(0, "NEW", "SYN_SENT", true, "10.244.1.2", 41000, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.line("node1", tcp(200, "UPDATE", "SYN_RECV", false, "10.244.1.2", 41000, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.line("node1", tcp(300, "UPDATE", "ESTABLISHED", false, "10.244.1.2", 41000, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.line("node1", tcp(1_000, "NEW", "SYN_SENT", true, "10.244.1.4", 41001, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.line("node1", tcp(1_400, "UPDATE", "SYN_RECV", false, "10.244.1.4", 41001, "10.96.0.10", 80, "10.244.2.9", 8080));
        f.settle(at(1_400));
        List<KeyValue<String, ServiceStats>> out = f.stats();
        assertEquals(1, out.size(), out.toString());
        ServiceStats s = out.get(0).value;
        assertEquals("default/web:http", out.get(0).key);
        assertEquals(Instant.ofEpochSecond(T0), s.getWindowStart());
        assertEquals(Instant.ofEpochSecond(T0 + 10), s.getWindowEnd());
        assertEquals(2, s.getNewFlows());
        assertEquals(2, s.getReplied());
        assertEquals(0, s.getUnreplied());
        assertEquals(2, s.getActive());
        assertEquals(Map.of("ESTABLISHED", 1L, "SYN_RECV", 1L), s.getStates());
        assertEquals(Map.of("10.244.2.9:8080", 2L), s.getBackends());
        assertEquals(200L, s.getSetupP50Micros());
        assertEquals(400L, s.getSetupP99Micros());
        assertEquals(2, s.getClients());
        assertEquals("10.96.0.10:80/tcp", s.getServiceAddress());
    }

    static Instant at(long micros) {
        return Instant.ofEpochSecond(T0, micros * 1000);
    }

    static String ts(long micros) {
        return String.format("[%d.%06d]\t", T0 + micros / 1_000_000, micros % 1_000_000);
    }

    static String tcp(long micros, String type, String state, boolean unreplied, String client, int cport, String dst, int dport,
                      String backend, int bport) {
        return ts(micros) + String.format("%9s", "[" + type + "]") + " ipv4     2 tcp      6 "
                + (type.equals("DESTROY") ? "" : "120 ") + state
                + " src=" + client + " dst=" + dst + " sport=" + cport + " dport=" + dport + (unreplied ? " [UNREPLIED]" : "")
                + " src=" + backend + " dst=" + client + " sport=" + bport + " dport=" + cport + " id=1";
    }

    static String udp(long micros, String type, boolean unreplied, String client, int cport, String dst, int dport,
                      String backend, int bport) {
        return ts(micros) + String.format("%9s", "[" + type + "]") + " ipv4     2 udp      17 30"
                + " src=" + client + " dst=" + dst + " sport=" + cport + " dport=" + dport + (unreplied ? " [UNREPLIED]" : "")
                + " src=" + backend + " dst=" + client + " sport=" + bport + " dport=" + cport + " id=2";
    }

    static NodeFacts facts(String node, String bridgeNf, String bridgeAddr) {
        return NodeFacts.newBuilder().setNode(node).setTimestamp(Instant.ofEpochSecond(T0 - 60))
                .setSysctls(Map.of("net.bridge.bridge-nf-call-iptables", bridgeNf))
                .setBridges(List.of(Bridge.newBuilder().setName("cni0").setAddresses(List.of(bridgeAddr)).setPorts(List.of()).build()))
                .setPodCidrs(List.of(Addresses.networkOf(bridgeAddr))).setNodeAddresses(List.of()).build();
    }

    static ServiceEntry service(String id, String vip, int port, Protocol proto, String ep, int epPort) {
        return ServiceEntry.newBuilder().setId(id).setVip(ByteBuffer.wrap(Addresses.parse(vip))).setPort(port).setProtocol(proto)
                .setEndpoints(List.of(Endpoint.newBuilder().setAddress(ByteBuffer.wrap(Addresses.parse(ep))).setPort(epPort).build()))
                .setNode("node1").setTimestamp(Instant.ofEpochSecond(T0 - 60)).build();
    }
}
