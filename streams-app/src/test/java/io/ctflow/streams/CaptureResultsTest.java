package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.Cause;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceStats;
import io.ctflow.testing.Captures;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/** The real kernel captures give the results their README names. */
class CaptureResultsTest {

    @Test
    void bridgeOffRaisesReplyBypassedForSameNodeServicesOnly() throws Exception {
        try (TopologyFixture f = new TopologyFixture()) {
            f.replay(Captures.scenario("bridge-off"));
            List<KeyValue<String, NatAnomaly>> out = f.anomalies();
            assertEquals(List.of(
                    "tcp,10.244.1.3:8080,10.244.1.2:49502@node1",
                    "tcp,10.244.1.99:8080,10.244.1.2:52488@node1",
                    "udp,10.244.1.3:5353,10.244.1.2:57136@node1"),
                    out.stream().map(kv -> kv.key).toList());
            NatAnomaly web = out.get(0).value;
            assertAnomaly(web, Protocol.TCP, "10.244.1.2:49502", "default/web:http", "10.96.0.10:80", "10.244.1.3:8080",
                    Cause.REPLY_BYPASSED_CONNTRACK, "2026-11-26T16:47:49.996532Z", "2026-11-26T16:47:52.996532Z");
            assertTrue(web.getHint().contains("net.bridge.bridge-nf-call-iptables=1 on node1"), web.getHint());
            assertEquals("0", web.getFacts().get("net.bridge.bridge-nf-call-iptables"));
            assertEquals(1, web.getEvidence().size(), "the NEW event of node1, the only one before detection");
            assertAnomaly(out.get(1).value, Protocol.TCP, "10.244.1.2:52488", "default/legacy:http", "10.96.0.30:80",
                    "10.244.1.99:8080", Cause.REPLY_BYPASSED_CONNTRACK, "2026-11-26T16:47:53.118372Z", "2026-11-26T16:47:56.118372Z");
            assertAnomaly(out.get(2).value, Protocol.UDP, "10.244.1.2:57136", "kube-system/kube-dns:dns", "10.96.0.53:53",
                    "10.244.1.3:5353", Cause.REPLY_BYPASSED_CONNTRACK, "2026-11-26T16:47:53.087332Z", "2026-11-26T16:47:58.087332Z");

            Map<String, long[]> totals = totals(f.stats());
            // newFlows, replied, unreplied, incomplete
            assertEquals(new TreeMap<>(Map.of(
                    "default/web:http", "2,1,1,1",
                    "default/api:http", "1,1,0,0",
                    "default/legacy:http", "1,0,1,1",
                    "kube-system/kube-dns:dns", "1,0,1,1")), text(totals));
        }
    }

    /** bridge-off recorded with kube-proxy in nftables mode (Services from nat-NODE.json / nft text): the same findings. */
    @Test
    void bridgeOffWithNftablesKubeProxyFindsTheSameAnomalies() throws Exception {
        try (TopologyFixture f = new TopologyFixture()) {
            f.replay(Captures.scenario("bridge-off-nft"));
            List<KeyValue<String, NatAnomaly>> out = f.anomalies();
            assertEquals(List.of(
                    "tcp,10.244.1.3:8080,10.244.1.2:57944@node1",
                    "tcp,10.244.1.99:8080,10.244.1.2:46032@node1",
                    "udp,10.244.1.3:5353,10.244.1.2:37113@node1"),
                    out.stream().map(kv -> kv.key).toList());
            assertAnomaly(out.get(0).value, Protocol.TCP, "10.244.1.2:57944", "default/web:http", "10.96.0.10:80", "10.244.1.3:8080",
                    Cause.REPLY_BYPASSED_CONNTRACK, "2026-12-01T20:59:12.901261Z", "2026-12-01T20:59:15.901261Z");
            assertAnomaly(out.get(1).value, Protocol.TCP, "10.244.1.2:46032", "default/legacy:http", "10.96.0.30:80",
                    "10.244.1.99:8080", Cause.REPLY_BYPASSED_CONNTRACK, "2026-12-01T20:59:16.927514Z", "2026-12-01T20:59:19.927514Z");
            assertAnomaly(out.get(2).value, Protocol.UDP, "10.244.1.2:37113", "kube-system/kube-dns:dns", "10.96.0.53:53",
                    "10.244.1.3:5353", Cause.REPLY_BYPASSED_CONNTRACK, "2026-12-01T20:59:15.880541Z", "2026-12-01T20:59:20.880541Z");
            assertEquals(new TreeMap<>(Map.of(
                    "default/web:http", "2,1,1,1",
                    "default/api:http", "1,1,0,0",
                    "default/legacy:http", "1,0,1,1",
                    "kube-system/kube-dns:dns", "1,0,1,1")), text(totals(f.stats())));
        }
    }

    @Test
    void bridgeOnHasNoAnomaliesAndCountsEachConnectionOnce() throws Exception {
        try (TopologyFixture f = new TopologyFixture()) {
            f.replay(Captures.scenario("bridge-on"));
            assertEquals(List.of(), f.anomalies());
            List<KeyValue<String, ServiceStats>> stats = f.stats();
            assertEquals(new TreeMap<>(Map.of(
                    "default/web:http", "2,2,0,0",   // a->web and c->web (seen on node2 and node1: once)
                    "default/api:http", "1,1,0,0",
                    "kube-system/kube-dns:dns", "1,1,0,0")), text(totals(stats)));
            ServiceStats last = stats.stream().filter(kv -> kv.key.equals("default/web:http")).reduce((a, b) -> b).orElseThrow().value;
            // the capture ends before the kernel reaped the entries: both web connections sit in TIME_WAIT
            assertEquals(2, last.getActive());
            assertEquals(Map.of("TIME_WAIT", 2L), last.getStates());
            long webClients = stats.stream().filter(kv -> kv.key.equals("default/web:http")).mapToLong(kv -> kv.value.getClients()).sum();
            assertEquals(2, webClients);
            ServiceStats firstWeb = stats.stream().filter(kv -> kv.key.equals("default/web:http")).findFirst().orElseThrow().value;
            assertEquals(Map.of("10.244.1.3:8080", 1L), firstWeb.getBackends());
            assertEquals(94L, firstWeb.getSetupP50Micros(), "a->web: NEW 619.941098, first reply 619.941192");
        }
    }

    @Test
    void hairpinRaisesHairpinForThePodReachingItself() throws Exception {
        try (TopologyFixture f = new TopologyFixture()) {
            f.replay(Captures.scenario("hairpin"));
            List<KeyValue<String, NatAnomaly>> out = f.anomalies();
            assertEquals(List.of("tcp,10.244.1.3:8080,10.244.1.3:51842@node1"), out.stream().map(kv -> kv.key).toList());
            assertAnomaly(out.get(0).value, Protocol.TCP, "10.244.1.3:51842", "default/web:http", "10.96.0.10:80",
                    "10.244.1.3:8080", Cause.HAIRPIN, "2026-11-26T16:48:42.992385Z", "2026-11-26T16:48:45.992385Z");
        }
    }

    @Test
    void replayingTheSameCaptureTwiceGivesIdenticalOutput() throws Exception {
        for (String scenario : Captures.SCENARIOS) {
            List<String> first;
            List<String> second;
            try (TopologyFixture f = new TopologyFixture()) {
                f.replay(Captures.scenario(scenario));
                first = dump(f);
            }
            try (TopologyFixture f = new TopologyFixture()) {
                f.replay(Captures.scenario(scenario));
                second = dump(f);
            }
            assertTrue(!first.isEmpty(), scenario);
            assertEquals(first, second, scenario);
        }
    }

    private static List<String> dump(TopologyFixture f) {
        List<String> out = new java.util.ArrayList<>();
        f.anomalies().forEach(kv -> out.add(kv.key + "=" + kv.value));
        f.stats().forEach(kv -> out.add(kv.key + "=" + kv.value));
        return out;
    }

    static void assertAnomaly(NatAnomaly a, Protocol proto, String client, String service, String serviceAddress, String backend,
                              Cause cause, String firstSeen, String detectedAt) {
        assertEquals(AnomalyType.INCOMPLETE_NAT, a.getType());
        assertEquals(AnomalyStatus.OPEN, a.getStatus());
        assertEquals("node1", a.getNode());
        assertEquals(proto, a.getProtocol());
        assertEquals(client, a.getClient());
        assertEquals(service, a.getService());
        assertEquals(serviceAddress, a.getServiceAddress());
        assertEquals(backend, a.getBackend());
        assertEquals(cause, a.getCause());
        assertEquals(Instant.parse(firstSeen), a.getFirstSeen());
        assertEquals(Instant.parse(detectedAt), a.getDetectedAt());
    }

    /** Per Service: newFlows, replied, unreplied, incomplete NAT, summed over its windows. */
    static Map<String, long[]> totals(List<KeyValue<String, ServiceStats>> stats) {
        Map<String, long[]> t = new TreeMap<>();
        for (KeyValue<String, ServiceStats> kv : stats) {
            long[] a = t.computeIfAbsent(kv.key, k -> new long[4]);
            a[0] += kv.value.getNewFlows();
            a[1] += kv.value.getReplied();
            a[2] += kv.value.getUnreplied();
            a[3] += kv.value.getIncompleteNat().values().stream().mapToLong(Long::longValue).sum();
        }
        return t;
    }

    static Map<String, String> text(Map<String, long[]> totals) {
        return totals.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue()[0] + "," + e.getValue()[1] + "," + e.getValue()[2] + "," + e.getValue()[3], (a, b) -> a, TreeMap::new));
    }
}
