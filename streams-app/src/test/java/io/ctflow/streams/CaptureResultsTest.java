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
import io.ctflow.testing.ExpectedResults;
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
            assertExpected(ExpectedResults.of("bridge-off"), out, f.stats());
            NatAnomaly web = out.get(0).value;
            assertTrue(web.getHint().contains("net.bridge.bridge-nf-call-iptables=1 on node1"), web.getHint());
            assertEquals("0", web.getFacts().get("net.bridge.bridge-nf-call-iptables"));
            assertEquals(1, web.getEvidence().size(), "the NEW event of node1, the only one before detection");
        }
    }

    /** bridge-off recorded with kube-proxy in nftables mode (Services from nat-NODE.json / nft text): the same findings. */
    @Test
    void bridgeOffWithNftablesKubeProxyFindsTheSameAnomalies() throws Exception {
        try (TopologyFixture f = new TopologyFixture()) {
            f.replay(Captures.scenario("bridge-off-nft"));
            List<KeyValue<String, ServiceStats>> stats = f.stats();
            assertExpected(ExpectedResults.of("bridge-off-nft"), f.anomalies(), stats);
            assertEquals(ExpectedResults.of("bridge-off").serviceTotals(), text(totals(stats)), "the same counts as with iptables");
        }
    }

    @Test
    void bridgeOnHasNoAnomaliesAndCountsEachConnectionOnce() throws Exception {
        try (TopologyFixture f = new TopologyFixture()) {
            f.replay(Captures.scenario("bridge-on"));
            List<KeyValue<String, ServiceStats>> stats = f.stats();
            // default/web:http counts 2: a->web and c->web (seen on node2 and node1: once)
            assertExpected(ExpectedResults.of("bridge-on"), f.anomalies(), stats);
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
            assertExpected(ExpectedResults.of("hairpin"), f.anomalies(), f.stats());
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

    /** The capture's anomalies (in key order, every field) and per-Service totals are exactly its expected.json's. */
    static void assertExpected(ExpectedResults expected, List<KeyValue<String, NatAnomaly>> anomalies,
                               List<KeyValue<String, ServiceStats>> stats) {
        assertEquals(expected.anomalyKeys(), anomalies.stream().map(kv -> kv.key).toList());
        for (int i = 0; i < anomalies.size(); i++) {
            assertAnomaly(expected.anomalies().get(i), anomalies.get(i).value);
        }
        assertEquals(expected.serviceTotals(), text(totals(stats)));
    }

    static void assertAnomaly(ExpectedResults.Anomaly e, NatAnomaly a) {
        assertEquals(AnomalyType.valueOf(e.type()), a.getType());
        assertEquals(AnomalyStatus.valueOf(e.status()), a.getStatus());
        assertEquals(e.node(), a.getNode());
        assertEquals(Protocol.valueOf(e.protocol()), a.getProtocol());
        assertEquals(e.client(), a.getClient());
        assertEquals(e.service(), a.getService());
        assertEquals(e.serviceAddress(), a.getServiceAddress());
        assertEquals(e.backend(), a.getBackend());
        assertEquals(Cause.valueOf(e.cause()), a.getCause());
        assertEquals(Instant.parse(e.firstSeen()), a.getFirstSeen());
        assertEquals(Instant.parse(e.detectedAt()), a.getDetectedAt());
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
