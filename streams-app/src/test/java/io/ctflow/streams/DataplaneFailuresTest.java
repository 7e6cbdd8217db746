package io.ctflow.streams;

import static io.ctflow.streams.FlowRulesTest.T0;
import static io.ctflow.streams.FlowRulesTest.at;
import static io.ctflow.streams.FlowRulesTest.facts;
import static io.ctflow.streams.FlowRulesTest.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.Cause;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** STALE_ENDPOINT, NO_ENDPOINTS and conntrack zones through the app's topology, with exact output. */
class DataplaneFailuresTest {
    static final long S = 1_000_000;
    static final String ECHO = "default/echo:udp";
    TopologyFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new TopologyFixture();
        f.facts(facts("node1", "1", "10.244.1.1/24"));
        f.facts(facts("node2", "1", "10.244.2.1/24"));
        f.service(echo("10.244.2.9"));
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    static ServiceEntry echo(String... endpoints) {
        ServiceEntry s = service(ECHO, "10.96.0.40", 9999, Protocol.UDP, "10.244.2.9", 9999);
        s.setEndpoints(new java.util.ArrayList<>());
        for (String ep : endpoints) {
            s.getEndpoints().add(io.ctflow.avro.Endpoint.newBuilder()
                    .setAddress(java.nio.ByteBuffer.wrap(io.ctflow.net.Addresses.parse(ep))).setPort(9999).build());
        }
        return s;
    }

    /** A UDP entry on node1: client 10.244.1.2:cport -> 10.96.0.40:9999 DNATed to backend:9999. */
    static String udp(long micros, String type, boolean unreplied, int cport, String backend, int zone) {
        return String.format("[%d.%06d]\t", T0 + micros / 1_000_000, micros % 1_000_000)
                + String.format("%9s", "[" + type + "]") + " ipv4     2 udp      17 " + (type.equals("DESTROY") ? "" : "30 ")
                + "src=10.244.1.2 dst=10.96.0.40 sport=" + cport + " dport=9999" + (unreplied ? " [UNREPLIED]" : "")
                + " src=" + backend + " dst=10.244.1.2 sport=9999 dport=" + cport + (zone == 0 ? "" : " zone=" + zone) + " id=" + cport;
    }

    void steadyUdpFlow(int cport) {
        f.line("node1", udp(0, "NEW", true, cport, "10.244.2.9", 0));
        f.line("node1", udp(S / 100, "UPDATE", false, cport, "10.244.2.9", 0));
    }

    @Test
    void aFlowStillOnARemovedEndpointAfterTheGraceIsStaleEndpointWithTheCommandThatClearsIt() {
        steadyUdpFlow(40000);
        f.service(echo("10.244.2.10")); // the pod 10.244.2.9 was replaced
        f.heartbeat("node1", at(2 * S)); // the task sees the change at watermark 1 s: judged at 11 s
        f.heartbeat("node1", at(11 * S));
        assertEquals(List.of(), f.anomalies(), "not before the grace");
        f.heartbeat("node1", at(12 * S + S / 2));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(List.of("udp,10.244.2.9:9999,10.244.1.2:40000@node1|STALE_ENDPOINT"), out.stream().map(kv -> kv.key).toList());
        NatAnomaly a = out.get(0).value;
        assertEquals(AnomalyType.STALE_ENDPOINT, a.getType());
        assertEquals(AnomalyStatus.OPEN, a.getStatus());
        assertEquals("node1", a.getNode());
        assertEquals(ECHO, a.getService());
        assertEquals("10.244.1.2:40000", a.getClient());
        assertEquals("10.96.0.40:9999", a.getServiceAddress());
        assertEquals("10.244.2.9:9999", a.getBackend());
        assertNull(a.getCause());
        assertEquals(at(S + 10 * S), a.getDetectedAt());
        assertEquals(at(0), a.getFirstSeen());
        assertEquals("udp 10.244.1.2:40000 -> 10.96.0.40:9999 still NATed to 10.244.2.9:9999 on node1 after the Service removed that endpoint",
                a.getDetail());
        assertEquals("clear it on node1: conntrack -D -p udp --orig-dst 10.96.0.40 --dport 9999 --reply-src 10.244.2.9 "
                + "(the entry sends this client's packets to the removed endpoint as long as they keep coming (kubernetes/kubernetes#59368)); "
                + "kube-proxy clears UDP entries itself when it removes an endpoint, so check its conntrack cleanup (logs, conntrack binary)",
                a.getHint());
        assertEquals(Map.of("removedEndpoint", "10.244.2.9:9999", "endpoints", "10.244.2.10:9999"), a.getFacts());
        f.service(echo("10.244.2.11"));
        f.heartbeat("node1", at(30 * S));
        assertEquals(List.of(), f.anomalies(), "raised once per connection");
    }

    @Test
    void kubeProxysOwnCleanupOrTheEndpointComingBackWithinTheGraceRaisesNothing() {
        steadyUdpFlow(40000);
        steadyUdpFlow(40001);
        f.service(echo("10.244.2.10"));
        f.heartbeat("node1", at(2 * S));
        f.line("node1", udp(3 * S, "DESTROY", false, 40000, "10.244.2.9", 0)); // conntrack -D by kube-proxy
        f.service(echo("10.244.2.9", "10.244.2.10")); // another node's view republished: 10.244.2.9 is still an endpoint
        f.heartbeat("node1", at(4 * S));
        f.heartbeat("node1", at(30 * S));
        assertEquals(List.of(), f.anomalies());
    }

    @Test
    void aServiceWithoutEndpointsIsRaisedOnceWhileItLastsAndResolvedWhenEndpointsReturn() {
        ServiceEntry empty = echo();
        f.service(empty);
        f.heartbeat("node1", at(S));
        f.service(service("default/web:http", "10.96.0.10", 80, Protocol.TCP, "10.244.2.9", 8080)); // another change
        f.heartbeat("node1", at(2 * S));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(List.of("NO_ENDPOINTS|udp/10.96.0.40:9999"), out.stream().map(kv -> kv.key).toList());
        NatAnomaly a = out.get(0).value;
        assertEquals(AnomalyType.NO_ENDPOINTS, a.getType());
        assertEquals(AnomalyStatus.OPEN, a.getStatus());
        assertEquals(ECHO, a.getService());
        assertEquals("10.96.0.40:9999/udp", a.getServiceAddress());
        assertEquals("default/echo:udp (10.96.0.40:9999/udp) has no endpoints in the iptables rules of node1", a.getDetail());
        assertEquals(empty.getTimestamp(), a.getDetectedAt());
        f.service(echo("10.244.2.12"));
        f.heartbeat("node1", at(3 * S));
        out = f.anomalies();
        assertEquals(List.of("NO_ENDPOINTS|udp/10.96.0.40:9999"), out.stream().map(kv -> kv.key).toList());
        assertEquals(AnomalyStatus.RESOLVED, out.get(0).value.getStatus());
        assertEquals(a.getDetail() + "; endpoints back: 1", out.get(0).value.getDetail());
        f.heartbeat("node1", at(4 * S));
        assertEquals(List.of(), f.anomalies());
    }

    @Test
    void theSameTupleInTwoZonesIsTwoConnectionsAndItsAnomaliesNameTheZone() {
        ServiceEntry requestResponse = echo("10.244.2.9");
        requestResponse.setRequestResponse(true);
        f.service(requestResponse);
        f.line("node1", udp(0, "NEW", true, 53000, "10.244.2.9", 0));
        f.line("node1", udp(S / 10, "NEW", true, 53000, "10.244.2.9", 7));
        f.line("node1", udp(S / 5, "UPDATE", false, 53000, "10.244.2.9", 0)); // only zone 0's entry is replied
        f.settle(at(S));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(List.of("udp,10.244.2.9:9999,10.244.1.2:53000,zone=7@node1"), out.stream().map(kv -> kv.key).toList());
        NatAnomaly a = out.get(0).value;
        assertEquals(7, a.getZone());
        assertEquals("udp,10.244.2.9:9999,10.244.1.2:53000,zone=7", a.getFlowKey());
        assertEquals(Cause.NO_REPLY, a.getCause());
        assertEquals("udp 10.244.1.2:53000 -> 10.96.0.40:9999 NATed to 10.244.2.9:9999 on node1 in conntrack zone 7: no reply within 5000 ms",
                a.getDetail());
    }
}
