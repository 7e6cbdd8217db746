package io.ctflow.cli.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.Cause;
import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.CpuStats;
import io.ctflow.avro.EventType;
import io.ctflow.avro.L3Protocol;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.Tuple;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.collector.parse.CaptureFacts;
import io.ctflow.collector.parse.ConntrackStatsParser;
import io.ctflow.collector.parse.IptablesNatParser;
import io.ctflow.collector.parse.ServiceKeys;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.Protocols;
import io.ctflow.net.Addresses;
import io.ctflow.streams.flow.CauseClassifier;
import io.ctflow.streams.flow.NatKind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One small simulated fleet, read back with the collector's parsers and judged with the streams app's classifier. */
class SimulationTest {
    static final SimulationSpec SPEC = new SimulationSpec(6, 24, 300, Duration.ofSeconds(50), 0.06, 0, Duration.ZERO, 7);

    @TempDir
    static Path dir;
    static SimulatedCapture capture;

    @BeforeAll
    static void simulate() throws Exception {
        capture = SimulatedCapture.simulate(SPEC, dir);
    }

    @Test
    void everyLineParsesWithTheTimeoutsAndFlagsOfItsState() {
        Map<String, Long> tcpTimeouts = Map.of("SYN_SENT", 120L, "SYN_RECV", 60L, "ESTABLISHED", 432000L, "FIN_WAIT", 120L,
            "CLOSE_WAIT", 60L, "LAST_ACK", 30L, "TIME_WAIT", 120L, "CLOSE", 10L);
        Set<String> protocols = new HashSet<>();
        for (Map.Entry<String, List<ConntrackEvent>> node : capture.events.entrySet()) {
            long last = Long.MIN_VALUE;
            for (ConntrackEvent e : node.getValue()) {
                assertEquals(node.getKey(), e.getNode());
                long t = SimulatedCapture.micros(e);
                assertTrue(t >= last, "time order in " + node.getKey() + ": " + e.getRaw());
                last = t;
                assertNotNull(e.getConntrackId(), e.getRaw());
                boolean unreplied = e.getFlags().contains(StatusFlag.UNREPLIED);
                boolean assured = e.getFlags().contains(StatusFlag.ASSURED);
                assertFalse(unreplied && assured, e.getRaw());
                int alen = e.getL3() == L3Protocol.IPV6 ? 16 : 4;
                assertEquals(alen, e.getOriginal().getSrc().remaining(), e.getRaw());
                protocols.add(e.getL3() + "/" + e.getProtocol());
                if (e.getType() == EventType.NEW) {
                    assertTrue(unreplied, e.getRaw());
                }
                if (e.getType() == EventType.DESTROY) {
                    assertNull(e.getTimeout(), e.getRaw());
                    continue;
                }
                long expected = switch (e.getProtocol()) {
                    case TCP -> tcpTimeouts.get(e.getState());
                    case UDP -> assured ? 120 : 30;
                    default -> 30;
                };
                assertEquals(expected, e.getTimeout(), e.getRaw());
            }
        }
        assertEquals(Set.of("IPV4/TCP", "IPV4/UDP", "IPV4/ICMP", "IPV6/TCP", "IPV6/UDP", "IPV6/ICMPV6"), protocols);
    }

    @Test
    void linesLookLikeTheShippedCaptures() throws Exception {
        String text = capture.read("events-" + capture.fleet.nodes.get(0).name + ".txt");
        for (String line : text.split("\n")) {
            assertTrue(line.matches("\\[\\d{10}\\.\\d{6}]\t(    \\[NEW]| \\[UPDATE]|\\[DESTROY]) "
                + "(ipv4     2|ipv6     10) (tcp      6|udp      17|icmp     1|icmpv6   58) .* id=\\d+"), line);
        }
    }

    @Test
    void natRulesParseIntoTheFleetsServicesOnEveryNode() throws Exception {
        Map<String, SimService> expected = new TreeMap<>();
        capture.fleet.services.forEach(s -> expected.put(s.id(), s));
        for (SimNode n : capture.fleet.nodes) {
            List<ServiceEntry> parsed = IptablesNatParser.parse(capture.read("nat-" + n.name + ".txt"), n.name, Instant.EPOCH);
            assertEquals(expected.size(), parsed.size(), n.name);
            for (ServiceEntry e : parsed) {
                SimService s = expected.get(e.getId());
                assertNotNull(s, e.getId());
                assertEquals(IptablesNatParser.SOURCE_IPTABLES, e.getSource());
                assertEquals(ByteBuffer.wrap(s.vip), e.getVip());
                assertEquals(s.port, e.getPort());
                assertEquals(s.protocol(), e.getProtocol());
                assertEquals(s.endpoints.stream().map(p -> Addresses.withPort(p.address(s.ipv6), s.targetPort)).toList(),
                    e.getEndpoints().stream().map(x -> Addresses.withPort(Addresses.bytes(x.getAddress()), x.getPort())).toList());
            }
        }
        assertTrue(capture.fleet.services.stream().anyMatch(s -> s.ipv6), "some IPv6 Services");
        assertTrue(capture.fleet.services.stream().anyMatch(s -> s.endpoints.size() == 3), "some balanced over 3");
    }

    @Test
    void factsParseWithThePodNetworksAndBridgeSettingsOfTheirNode() throws Exception {
        for (SimNode n : capture.fleet.nodes) {
            NodeFacts f = CaptureFacts.parse(capture.read("facts-" + n.name + ".txt"), Instant.EPOCH);
            assertEquals(n.name, f.getNode());
            String bridgeNf = n.bridgeNf ? "1" : "0";
            assertEquals(bridgeNf, f.getSysctls().get("net.bridge.bridge-nf-call-iptables"));
            assertEquals(bridgeNf, f.getSysctls().get("net.bridge.bridge-nf-call-ip6tables"));
            assertNotNull(f.getSysctls().get("net.netfilter.nf_conntrack_max"));
            assertEquals(List.of(Addresses.format(n.v4Net) + "/24", Addresses.format(n.v6Net) + "/64"), f.getPodCidrs());
            assertEquals(1, f.getBridges().size());
            assertEquals("cni0", f.getBridges().get(0).getName());
            assertEquals(n.pods.size(), f.getBridges().get(0).getPorts().size());
        }
        assertFalse(capture.fleet.bypassNodes.isEmpty(), "a node with bridge-nf-call-iptables=0");
    }

    @Test
    void truthCountsWhatTheFilesHold() {
        Truth truth = capture.truth;
        assertEquals(SPEC.seed(), truth.seed());
        assertEquals("2026-11-01T06:00:00Z", truth.start()); // seed 7: six hours after seed 1's epoch
        assertEquals("2026-11-01T06:00:50Z", truth.end());
        List<ConntrackEvent> all = capture.all();
        assertEquals(all.size(), truth.events());
        assertEquals(0, truth.lostEvents());
        // rate x duration, give or take the randomness of arrivals
        assertTrue(Math.abs(all.size() - 300 * 50) < 300 * 50 * 0.15, "events " + all.size());

        Map<String, String> idByKey = new HashMap<>();
        capture.fleet.services.forEach(s -> idByKey.put(ServiceKeys.key(s.protocol(), s.vip, s.port), s.id()));
        Map<String, Long> newFlows = new LinkedHashMap<>();
        capture.fleet.services.forEach(s -> newFlows.put(s.id(), 0L));
        for (ConntrackEvent e : all) {
            if (e.getType() == EventType.NEW && NatKind.of(e.getOriginal(), e.getReply()).dnat()) {
                String id = idByKey.get(ServiceKeys.key(e.getProtocol(), e.getOriginal().getDst(), e.getOriginal().getDstPort()));
                assertNotNull(id, e.getRaw());
                newFlows.merge(id, 1L, Long::sum);
            }
        }
        assertEquals(newFlows, truth.newFlows());
    }

    /** Every unreplied DNAT entry the app would judge, classified as the app does: exactly the injected anomalies. */
    @Test
    void theClassifierFindsExactlyTheInjectedAnomalies() throws Exception {
        Map<String, NodeFacts> facts = new HashMap<>();
        Map<String, ServiceEntry> services = new HashMap<>();
        for (SimNode n : capture.fleet.nodes) {
            facts.put(n.name, CaptureFacts.parse(capture.read("facts-" + n.name + ".txt"), Instant.EPOCH));
            for (ServiceEntry s : IptablesNatParser.parse(capture.read("nat-" + n.name + ".txt"), n.name, Instant.EPOCH)) {
                services.putIfAbsent(ServiceKeys.key(s), s);
            }
        }
        // flow key -> node -> its view
        Map<FlowKey, Map<String, NodeView>> flows = new LinkedHashMap<>();
        for (ConntrackEvent e : capture.all()) {
            Map<String, NodeView> views = flows.computeIfAbsent(FlowKey.of(e), k -> new LinkedHashMap<>());
            NodeView v = views.get(e.getNode());
            if (v == null) {
                assertEquals(EventType.NEW, e.getType(), "a view starts with NEW: " + e.getRaw());
                v = view(e);
                views.put(e.getNode(), v);
            } else {
                assertTrue(e.getType() != EventType.NEW, "a tuple in use again: " + e.getRaw());
            }
            if (!e.getFlags().contains(StatusFlag.UNREPLIED) && v.getReplied() < 0) {
                v.setReplied(SimulatedCapture.micros(e));
            }
        }
        CauseClassifier classifier = new CauseClassifier(Set.of("53"));
        Set<AnomalyInjector.Injected> found = new HashSet<>();
        for (Map.Entry<FlowKey, Map<String, NodeView>> flow : flows.entrySet()) {
            FlowKey key = flow.getKey();
            List<NodeView> views = new ArrayList<>(flow.getValue().values());
            for (NodeView v : views) {
                NatKind nat = NatKind.of(v.getNat());
                if (!nat.natted() || v.getReplied() >= 0) {
                    continue;
                }
                byte[] vip = Addresses.bytes(v.getOrigDst());
                ServiceEntry svc = services.get(ServiceKeys.key(Protocols.of(key.protocolNumber()), vip, v.getOrigDport()));
                CauseClassifier.Verdict verdict = classifier.classify(key, v, views, facts.get(v.getNode()), svc);
                if (verdict.raise()) {
                    found.add(new AnomalyInjector.Injected(v.getNode(), Protocols.of(key.protocolNumber()).name(),
                        Addresses.withPort(Addresses.bytes(v.getOrigSrc()), v.getOrigSport()),
                        Addresses.withPort(vip, v.getOrigDport()), svc == null ? null : svc.getId(),
                        Addresses.withPort(key.replySrc(), key.replySrcPort()), verdict.cause().name(),
                        Timestamps.instant(v.getFirstSeen()).toString()));
                }
            }
        }
        assertEquals(new HashSet<>(capture.truth.anomalies()), found);
        Set<String> causes = capture.truth.anomalies().stream().map(AnomalyInjector.Injected::cause).collect(Collectors.toSet());
        Set<String> all = EnumSet.complementOf(EnumSet.of(Cause.UNKNOWN)).stream().map(Enum::name).collect(Collectors.toSet());
        assertEquals(all, causes);
        assertTrue(capture.truth.anomalies().stream().anyMatch(a -> a.protocol().equals("UDP")), "UDP anomalies too");
    }

    private static NodeView view(ConntrackEvent e) {
        Tuple o = e.getOriginal();
        boolean icmp = o.getIcmpId() != null;
        return NodeView.newBuilder().setNode(e.getNode()).setFirstSeen(SimulatedCapture.micros(e))
            .setLastSeen(SimulatedCapture.micros(e)).setNat(NatKind.of(o, e.getReply()).stored()).setOrigSrc(o.getSrc())
            .setOrigDst(o.getDst()).setOrigSport(icmp ? o.getIcmpId() : o.getSrcPort())
            .setOrigDport(icmp ? 0 : o.getDstPort()).setReplied(-1).setState(e.getState()).setTimeout(0).setDestroyed(false)
            .setCause(null).setEvidence(new ArrayList<>()).build();
    }

    /** A connection seen on two nodes starts on both within a millisecond; otherwise a NEW finds its tuple free everywhere. */
    @Test
    void aTupleIsReusedOnlyAfterEveryNodeDestroyedIt() {
        List<ConntrackEvent> all = capture.all();
        all.sort((a, b) -> Long.compare(SimulatedCapture.micros(a), SimulatedCapture.micros(b)));
        Map<FlowKey, Map<String, Long>> alive = new HashMap<>();
        for (ConntrackEvent e : all) {
            Map<String, Long> nodes = alive.computeIfAbsent(FlowKey.of(e), k -> new HashMap<>());
            long t = SimulatedCapture.micros(e);
            if (e.getType() == EventType.NEW) {
                assertNull(nodes.get(e.getNode()), e.getRaw());
                for (long since : nodes.values()) {
                    assertTrue(t - since < 1000, "tuple still alive elsewhere: " + e.getRaw());
                }
                nodes.put(e.getNode(), t);
            } else if (e.getType() == EventType.DESTROY) {
                assertNotNull(nodes.remove(e.getNode()), e.getRaw());
            }
        }
    }

    @Test
    void nodeAnomaliesShowInStatsAndCounts() throws Exception {
        Map<String, Set<String>> byNode = new HashMap<>();
        capture.truth.nodeAnomalies().forEach(a -> byNode.computeIfAbsent(a.node(), k -> new HashSet<>()).add(a.type()));
        assertEquals(Set.of("TABLE_PRESSURE", "INSERT_FAILED", "DROP", "EARLY_DROP"),
            byNode.values().stream().flatMap(Set::stream).collect(Collectors.toSet()));
        for (SimNode n : capture.fleet.nodes) {
            Set<String> types = byNode.getOrDefault(n.name, Set.of());
            List<CpuStats> before = ConntrackStatsParser.parse(capture.read("stats-before-" + n.name + ".txt"));
            List<CpuStats> after = ConntrackStatsParser.parse(capture.read("stats-after-" + n.name + ".txt"));
            assertEquals(before.size(), after.size());
            assertEquals(types.contains("INSERT_FAILED"), sum(after, CpuStats::getInsertFailed) > sum(before, CpuStats::getInsertFailed), n.name);
            assertEquals(types.contains("DROP"), sum(after, CpuStats::getDrop) > sum(before, CpuStats::getDrop), n.name);
            assertEquals(types.contains("EARLY_DROP"), sum(after, CpuStats::getEarlyDrop) > sum(before, CpuStats::getEarlyDrop), n.name);
            long max = Long.parseLong(CaptureFacts.parse(capture.read("facts-" + n.name + ".txt"), Instant.EPOCH)
                .getSysctls().get("net.netfilter.nf_conntrack_max"));
            long countAfter = ConntrackStatsParser.parseCount(capture.read("count-after-" + n.name + ".txt"));
            long countBefore = ConntrackStatsParser.parseCount(capture.read("count-before-" + n.name + ".txt"));
            assertEquals(types.contains("TABLE_PRESSURE"), countAfter >= 0.9 * max, n.name + ": " + countAfter + "/" + max);
            assertTrue(countBefore < 0.9 * max, n.name);
            // the entries alive at the end are in the count
            long live = 0;
            for (ConntrackEvent e : capture.events.get(n.name)) {
                live += e.getType() == EventType.NEW ? 1 : e.getType() == EventType.DESTROY ? -1 : 0;
            }
            assertTrue(countAfter >= live && live > 0, n.name);
        }
    }

    private static long sum(List<CpuStats> stats, ToLongFunction<CpuStats> f) {
        return stats.stream().mapToLong(f).sum();
    }
}
