package io.ctflow.streams;

import static io.ctflow.streams.FlowRulesTest.T0;
import static io.ctflow.streams.FlowRulesTest.at;
import static io.ctflow.streams.FlowRulesTest.facts;
import static io.ctflow.streams.FlowRulesTest.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ctflow.avro.Cause;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceStats;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.flow.FlowKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connection lifecycle on real kernel timing: late DESTROYs (lazy reaping), events of connections
 * the app does not know, snapshots, duplicates, out-of-order nodes, clock skew and reused tuples.
 * Each test pipes conntrack lines with explicit timestamps and asserts the exact output.
 */
class FlowLifecycleTest {
    static final long S = 1_000_000; // one second in micros
    // a on node1 -> web (10.96.0.10:80) -> pod on node2; node2 sees the same connection un-NATed
    static final Conn A_WEB = new Conn("10.244.1.2", 40000, "10.96.0.10", 80, "10.244.2.9", 8080);
    static final Conn A_WEB_ON_NODE2 = new Conn("10.244.1.2", 40000, "10.244.2.9", 8080, "10.244.2.9", 8080);
    static final Conn STALE = new Conn("10.244.1.2", 40100, "10.96.0.10", 80, "10.244.2.50", 8080);

    TopologyFixture f;

    TopologyFixture fixture() throws Exception {
        TopologyFixture x = new TopologyFixture();
        x.facts(facts("node1", "1", "10.244.1.1/24"));
        x.facts(facts("node2", "1", "10.244.2.1/24"));
        x.service(service("default/web:http", "10.96.0.10", 80, Protocol.TCP, "10.244.2.9", 8080));
        return x;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void aDestroyLongAfterTheLastEventNeitherCountsNorAlertsAgain() throws Exception {
        f = fixture();
        // NO_REPLY connection: the kernel's SYN_SENT timeout is 120 s, the entry is reaped 55 s after it
        f.line("node1", STALE.line(0, "NEW", "SYN_SENT", 120, true, 7));
        f.heartbeat("node1", at(100 * S));
        f.line("node1", STALE.line(175 * S, "DESTROY", "SYN_SENT", 0, true, 7));
        f.settle(at(175 * S));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(1, out.size(), out.toString());
        assertEquals(Cause.BACKEND_NOT_ENDPOINT, out.get(0).value.getCause());
        assertEquals(at(3 * S), out.get(0).value.getDetectedAt());
        assertEquals(Map.of("default/web:http", 1L), newFlows(f.stats()));
    }

    @Test
    void aDestroyOrUpdateOfAForgottenFlowIsIgnored() throws Exception {
        f = fixture();
        f.line("node1", STALE.line(0, "NEW", "SYN_SENT", 120, true, 7));
        f.heartbeat("node1", at(2000 * S)); // past 120 s + 120 s reap slack: forgotten
        assertNull(f.flowStore().get(STALE.key()));
        f.line("node1", STALE.line(2001 * S, "UPDATE", "SYN_SENT", 120, true, 7));
        f.line("node1", STALE.line(2002 * S, "DESTROY", "SYN_SENT", 0, true, 7));
        f.settle(at(2002 * S));
        assertEquals(1, f.anomalies().size(), "alerted once, when it was judged");
        assertEquals(Map.of("default/web:http", 1L), newFlows(f.stats()));
        assertNull(f.flowStore().get(STALE.key()), "no state made for the late events");
    }

    @Test
    void eventsOfAConnectionNeverSeenStartingAreNotANewConnection() throws Exception {
        f = fixture();
        // the collector started after the NEW: an unreplied UPDATE and a DESTROY only
        f.line("node1", STALE.line(0, "UPDATE", "SYN_SENT", 100, true, 7));
        f.line("node1", STALE.line(50 * S, "DESTROY", "SYN_SENT", 0, true, 7));
        f.settle(at(50 * S));
        assertEquals(List.of(), f.anomalies());
        assertEquals(List.of(), f.stats());
        assertNull(f.flowStore().get(STALE.key()));
    }

    @Test
    void aFlowIsKeptForItsTimeoutPlusTheReapSlackThenForgotten() throws Exception {
        f = fixture();
        f.line("node1", A_WEB.line(0, "NEW", "SYN_SENT", 120, true, 1));
        f.line("node1", A_WEB.line(S / 100, "UPDATE", "SYN_RECV", 60, false, 1));
        f.line("node1", A_WEB.line(S / 50, "UPDATE", "TIME_WAIT", 120, false, 1));
        f.heartbeat("node1", at(S / 50 + 240 * S)); // TIME_WAIT 120 s + reap slack 120 s - grace: still there
        assertNotNull(f.flowStore().get(A_WEB.key()));
        f.heartbeat("node1", at(S / 50 + 241 * S + S));
        assertNull(f.flowStore().get(A_WEB.key()), "forgotten after timeout + slack (and grace)");
        assertEquals(List.of(), f.anomalies());
    }

    @Test
    void aFinishedFlowIsDroppedAfterTheLinger() throws Exception {
        f = fixture();
        f.line("node1", A_WEB.line(0, "NEW", "SYN_SENT", 120, true, 1));
        f.line("node1", A_WEB.line(S / 100, "UPDATE", "SYN_RECV", 60, false, 1));
        f.line("node1", A_WEB.line(150 * S, "DESTROY", "TIME_WAIT", 0, false, 1));
        f.heartbeat("node1", at(150 * S + 30 * S)); // linger 30 s, grace 1 s: still kept
        assertNotNull(f.flowStore().get(A_WEB.key()));
        f.heartbeat("node1", at(150 * S + 32 * S));
        assertNull(f.flowStore().get(A_WEB.key()));
    }

    @Test
    void aNewConnectionReusingAFinishedFlowsTupleOutlivesTheOldOnesLinger() throws Exception {
        f = fixture();
        f.line("node1", A_WEB.line(0, "NEW", "SYN_SENT", 120, true, 1));
        f.line("node1", A_WEB.line(S / 100, "UPDATE", "SYN_RECV", 60, false, 1));
        f.line("node1", A_WEB.line(10 * S, "DESTROY", "TIME_WAIT", 0, false, 1)); // finished: forgotten at 40 s
        f.line("node1", A_WEB.line(20 * S, "NEW", "SYN_SENT", 120, true, 2)); // the same tuple, a new entry
        f.line("node1", A_WEB.line(20 * S + S / 100, "UPDATE", "ESTABLISHED", 432000, false, 2));
        f.heartbeat("node1", at(45 * S));
        assertNotNull(f.flowStore().get(A_WEB.key()), "the old connection's expiry does not take the new one with it");
        FlowState st = (FlowState) f.flowStore().get(A_WEB.key());
        assertEquals(2L, st.getViews().get(0).getConntrackId());
        f.line("node1", A_WEB.line(50 * S, "DESTROY", "TIME_WAIT", 0, false, 2));
        f.heartbeat("node1", at(50 * S + 32 * S));
        assertNull(f.flowStore().get(A_WEB.key()), "and goes after its own linger");
        assertEquals(List.of(), f.anomalies());
        assertEquals(Map.of("default/web:http", 2L), newFlows(f.stats()));
    }

    @Test
    void aSnapshotOfATrackedConnectionMergesIntoIt() throws Exception {
        f = fixture();
        f.line("node1", A_WEB.line(0, "NEW", "SYN_SENT", 120, true, 1));
        f.line("node1", A_WEB.line(S / 100, "UPDATE", "SYN_RECV", 60, false, 1));
        f.line("node1", A_WEB.line(S / 50, "UPDATE", "ESTABLISHED", 432000, false, 1));
        f.line("node1", A_WEB.line(S, "SNAPSHOT", "ESTABLISHED", 431999, false, 1));
        f.line("node1", A_WEB.line(2 * S, "DESTROY", "TIME_WAIT", 0, false, 1));
        f.settle(at(2 * S));
        assertEquals(List.of(), f.anomalies());
        ServiceStats s = single(f.stats());
        assertEquals(1, s.getNewFlows());
        assertEquals(1, s.getReplied());
        assertEquals(0, s.getActive());
    }

    @Test
    void aSnapshotOnlyConnectionIsNotNewButIsJudged() throws Exception {
        f = fixture();
        f.line("node1", STALE.line(0, "SNAPSHOT", "SYN_SENT", 100, true, 7));
        f.settle(at(0));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(1, out.size());
        assertEquals(Cause.BACKEND_NOT_ENDPOINT, out.get(0).value.getCause());
        ServiceStats s = single(f.stats());
        assertEquals(0, s.getNewFlows(), "it already existed");
        assertEquals(1, s.getUnreplied());
    }

    @Test
    void theBackendNodeFirstGivesWhatInOrderArrivalGives() throws Exception {
        // ASYMMETRIC_RETURN: node1 NATs and never sees the reply, node2 sees it
        List<String[]> inOrder = List.of(
                new String[] {"node1", A_WEB.line(0, "NEW", "SYN_SENT", 120, true, 1)},
                new String[] {"node2", A_WEB_ON_NODE2.line(300, "NEW", "SYN_SENT", 120, true, 2)},
                new String[] {"node2", A_WEB_ON_NODE2.line(600, "UPDATE", "SYN_RECV", 60, false, 2)});
        List<String[]> backendFirst = List.of(inOrder.get(1), inOrder.get(2), inOrder.get(0));
        Output expected = run(inOrder, x -> { });
        assertEquals(1, expected.anomalies.size());
        assertEquals(Cause.ASYMMETRIC_RETURN, expected.anomalies.get(0).value.getCause());
        assertEquals(expected, run(backendFirst, x -> { }));
    }

    @Test
    void aHealthyConnectionSeenOnTwoNodesIsCountedOnceInAnyOrder() throws Exception {
        List<String[]> inOrder = List.of(
                new String[] {"node1", A_WEB.line(0, "NEW", "SYN_SENT", 120, true, 1)},
                new String[] {"node2", A_WEB_ON_NODE2.line(300, "NEW", "SYN_SENT", 120, true, 2)},
                new String[] {"node2", A_WEB_ON_NODE2.line(600, "UPDATE", "SYN_RECV", 60, false, 2)},
                new String[] {"node1", A_WEB.line(800, "UPDATE", "SYN_RECV", 60, false, 1)},
                new String[] {"node1", A_WEB.line(900, "UPDATE", "ESTABLISHED", 432000, false, 1)},
                new String[] {"node2", A_WEB_ON_NODE2.line(950, "UPDATE", "ESTABLISHED", 432000, false, 2)});
        List<String[]> backendFirst = List.of(inOrder.get(1), inOrder.get(2), inOrder.get(5), inOrder.get(0), inOrder.get(3), inOrder.get(4));
        Output expected = run(inOrder, x -> { });
        assertEquals(List.of(), expected.anomalies);
        assertEquals(Map.of("default/web:http", 1L), newFlows(expected.stats));
        assertEquals(expected, run(backendFirst, x -> { }));
    }

    @Test
    void everyEventTwiceGivesWhatOnceGives() throws Exception {
        List<String[]> once = new ArrayList<>();
        once.add(new String[] {"node1", STALE.line(0, "NEW", "SYN_SENT", 120, true, 7)});
        once.add(new String[] {"node1", A_WEB.line(S, "NEW", "SYN_SENT", 120, true, 1)});
        once.add(new String[] {"node2", A_WEB_ON_NODE2.line(S + 300, "NEW", "SYN_SENT", 120, true, 2)});
        once.add(new String[] {"node2", A_WEB_ON_NODE2.line(S + 600, "UPDATE", "SYN_RECV", 60, false, 2)});
        once.add(new String[] {"node1", A_WEB.line(S + 800, "UPDATE", "SYN_RECV", 60, false, 1)});
        once.add(new String[] {"node1", A_WEB.line(S + 900, "UPDATE", "TIME_WAIT", 120, false, 1)});
        once.add(new String[] {"node1", STALE.line(170 * S, "DESTROY", "SYN_SENT", 0, true, 7)});
        once.add(new String[] {"node1", A_WEB.line(200 * S, "DESTROY", "TIME_WAIT", 0, false, 1)});
        once.add(new String[] {"node2", A_WEB_ON_NODE2.line(200 * S + 10, "DESTROY", "TIME_WAIT", 0, false, 2)});
        List<String[]> twice = new ArrayList<>();
        // a restarted collector re-sends what it had sent: the same events again, a little later in arrival
        for (int i = 0; i < once.size(); i++) {
            twice.add(once.get(i));
            if (i >= 1) {
                twice.add(once.get(i - 1));
            }
        }
        twice.add(once.get(once.size() - 1));
        Output expected = run(once, x -> { });
        assertEquals(1, expected.anomalies.size());
        assertEquals(Map.of("default/web:http", 2L), newFlows(expected.stats));
        assertEquals(expected, run(twice, x -> { }));
    }

    @Test
    void clockSkewWithinTheGraceGivesWhatInOrderGives() throws Exception {
        // node2's clock runs 0.8 s behind: its events of the same connection carry earlier times
        List<String[]> inOrder = List.of(
                new String[] {"node1", A_WEB.line(0, "NEW", "SYN_SENT", 120, true, 1)},
                new String[] {"node2", A_WEB_ON_NODE2.line(300, "NEW", "SYN_SENT", 120, true, 2)},
                new String[] {"node2", A_WEB_ON_NODE2.line(600, "UPDATE", "SYN_RECV", 60, false, 2)},
                new String[] {"node1", STALE.line(2_900_000, "NEW", "SYN_SENT", 120, true, 7)});
        long skew = -800_000;
        List<String[]> skewed = List.of(
                inOrder.get(0),
                new String[] {"node2", A_WEB_ON_NODE2.line(300 + 3 * S + skew, "NEW", "SYN_SENT", 120, true, 2)},
                inOrder.get(3),
                new String[] {"node2", A_WEB_ON_NODE2.line(600 + 3 * S + skew, "UPDATE", "SYN_RECV", 60, false, 2)});
        // in the skewed run node2 answers 3 s later by its own clock (2.2 s later in node1's time): still within timeout + grace
        Output expected = run(inOrder, x -> { });
        Output got = run(skewed, x -> { });
        assertEquals(causes(expected), causes(got));
        assertEquals(newFlows(expected.stats), newFlows(got.stats));
        assertEquals(List.of(Cause.ASYMMETRIC_RETURN, Cause.BACKEND_NOT_ENDPOINT), causes(got));
    }

    @Test
    void aConnectionLaterThanEveryClosedWindowStillCounts() throws Exception {
        f = fixture();
        f.line("node1", A_WEB.line(0, "NEW", "SYN_SENT", 120, true, 1));
        f.line("node1", A_WEB.line(S / 100, "UPDATE", "SYN_RECV", 60, false, 1));
        f.heartbeat("node1", at(25 * S)); // windows up to 20 s close
        // node3's clock runs 20 s behind: its connection lands in windows that are out already
        f.line("node3", new Conn("10.244.3.2", 41000, "10.96.0.10", 80, "10.244.2.9", 8080).line(5 * S, "NEW", "SYN_SENT", 120, true, 4));
        f.settle(at(25 * S));
        List<KeyValue<String, ServiceStats>> stats = f.stats();
        assertEquals(Map.of("default/web:http", 2L), newFlows(stats), "counted in the first window still open");
        assertEquals(List.of(Instant.ofEpochSecond(T0), Instant.ofEpochSecond(T0 + 20)),
                stats.stream().filter(kv -> kv.value.getNewFlows() > 0).map(kv -> kv.value.getWindowStart()).toList());
    }

    @Test
    void aReusedTupleIsANewConnection() throws Exception {
        f = fixture();
        f.line("node1", STALE.line(0, "NEW", "SYN_SENT", 120, true, 7));
        f.line("node1", STALE.line(150 * S, "DESTROY", "SYN_SENT", 0, true, 7));
        f.line("node1", STALE.line(160 * S, "NEW", "SYN_SENT", 120, true, 7)); // same tuple, within the linger
        f.line("node1", STALE.line(400 * S, "NEW", "SYN_SENT", 120, true, 9)); // another id: the DESTROY was lost
        f.settle(at(400 * S));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(List.of(at(0), at(160 * S), at(400 * S)), out.stream().map(kv -> kv.value.getFirstSeen()).toList());
        assertEquals(Map.of("default/web:http", 3L), newFlows(f.stats()));
    }

    @Test
    void afterLostEventsAHealthyConnectionIsNotJudgedByItsTimer() throws Exception {
        f = fixture();
        f.line("node1", A_WEB.line(0, "NEW", "SYN_SENT", 120, true, 1));
        f.line("node2", A_WEB_ON_NODE2.line(300, "NEW", "SYN_SENT", 120, true, 2));
        f.gap("node1", at(500)); // node1's SYN_RECV and ESTABLISHED are in the hole
        f.line("node2", A_WEB_ON_NODE2.line(600, "UPDATE", "SYN_RECV", 60, false, 2));
        f.heartbeat("node1", at(20 * S));
        assertEquals(List.of(), f.anomalies(), "without the loss this would be ASYMMETRIC_RETURN at 3 s");
        f.line("node1", A_WEB.line(30 * S, "UPDATE", "TIME_WAIT", 120, false, 1));
        f.line("node1", A_WEB.line(200 * S, "DESTROY", "TIME_WAIT", 0, false, 1));
        f.line("node2", A_WEB_ON_NODE2.line(200 * S, "DESTROY", "TIME_WAIT", 0, false, 2));
        f.settle(at(200 * S));
        assertEquals(List.of(), f.anomalies(), "its own later events show the reply");
        assertEquals(Map.of("default/web:http", 1L), newFlows(f.stats()));
    }

    @Test
    void afterLostEventsABrokenConnectionIsRaisedByItsDestroyOrItsExpiry() throws Exception {
        f = fixture();
        f.line("node1", STALE.line(0, "NEW", "SYN_SENT", 120, true, 7));
        f.line("node1", new Conn("10.244.1.2", 40200, "10.96.0.10", 80, "10.244.2.51", 8080).line(S / 2, "NEW", "SYN_SENT", 120, true, 8));
        f.gap("node1", at(S));
        f.heartbeat("node1", at(100 * S));
        assertEquals(List.of(), f.anomalies(), "deferred: the node lost events while they waited");
        f.line("node1", STALE.line(150 * S, "DESTROY", "SYN_SENT", 0, true, 7));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(1, out.size());
        assertEquals(at(150 * S), out.get(0).value.getDetectedAt());
        assertEquals("tcp 10.244.1.2:40100 -> 10.96.0.10:80 NATed to 10.244.2.50:8080 on node1: destroyed without a reply",
                out.get(0).value.getDetail());
        f.heartbeat("node1", at(600 * S)); // the other one's DESTROY was lost too: its entry expires (120 s + 120 s slack)
        out = f.anomalies();
        assertEquals(1, out.size());
        assertEquals(at(S / 2 + 240 * S), out.get(0).value.getDetectedAt());
        assertEquals("tcp 10.244.1.2:40200 -> 10.96.0.10:80 NATed to 10.244.2.51:8080 on node1: no reply seen before its entry expired",
                out.get(0).value.getDetail());
    }

    @Test
    void theResyncSnapshotAfterALossDecidesAtOnce() throws Exception {
        f = fixture();
        f.line("node1", STALE.line(0, "NEW", "SYN_SENT", 120, true, 7));
        f.line("node1", A_WEB.line(S / 10, "NEW", "SYN_SENT", 120, true, 1));
        f.gap("node1", at(S / 5));
        f.heartbeat("node1", at(5 * S));
        assertEquals(List.of(), f.anomalies(), "both deferred: node1 lost events while they waited");
        // the collector's snapshot after the loss: one entry still unreplied, the other replied meanwhile
        f.line("node1", STALE.line(5 * S, "SNAPSHOT", "SYN_SENT", 115, true, 7));
        f.line("node1", A_WEB.line(5 * S, "SNAPSHOT", "ESTABLISHED", 431999, false, 1));
        List<KeyValue<String, NatAnomaly>> out = f.anomalies();
        assertEquals(List.of(STALE.key().text() + "@node1"), out.stream().map(kv -> kv.key).toList());
        assertEquals(at(5 * S), out.get(0).value.getDetectedAt());
        f.settle(at(5 * S));
        assertEquals(List.of(), f.anomalies());
    }

    /** Runs lines through a fresh topology and returns everything it wrote. */
    Output run(List<String[]> lines, Consumer<TopologyFixture> setup) throws Exception {
        try (TopologyFixture x = fixture()) {
            setup.accept(x);
            Instant last = Instant.EPOCH;
            for (String[] l : lines) {
                Instant t = x.line(l[0], l[1]).getTimestamp();
                last = t.isAfter(last) ? t : last;
            }
            x.settle(last);
            return new Output(x.anomalies(), x.stats());
        }
    }

    /** What a run wrote; equal when the records are, but for the collector's sequence numbers in the evidence (arrival order). */
    record Output(List<KeyValue<String, NatAnomaly>> anomalies, List<KeyValue<String, ServiceStats>> stats) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Output other && normalized().equals(other.normalized());
        }

        @Override
        public int hashCode() {
            return normalized().hashCode();
        }

        String normalized() {
            return toString().replaceAll("\"sequence\": \\d+", "");
        }
    }

    static List<Cause> causes(Output o) {
        return o.anomalies.stream().map(kv -> kv.value.getCause()).sorted().toList();
    }

    static Map<String, Long> newFlows(List<KeyValue<String, ServiceStats>> stats) {
        Map<String, Long> m = new java.util.TreeMap<>();
        stats.forEach(kv -> m.merge(kv.key, kv.value.getNewFlows(), Long::sum));
        return m;
    }

    static ServiceStats single(List<KeyValue<String, ServiceStats>> stats) {
        assertEquals(1, stats.size(), stats.toString());
        return stats.get(0).value;
    }

    /** One conntrack entry's tuples, rendered as conntrack -E -o timestamp,id,extended lines. */
    record Conn(String client, int cport, String dst, int dport, String backend, int bport) {
        String line(long micros, String type, String state, long timeout, boolean unreplied, long id) {
            return String.format("[%d.%06d]\t", T0 + micros / 1_000_000, micros % 1_000_000)
                    + (type.equals("SNAPSHOT") ? "" : String.format("%9s", "[" + type + "]")) + " ipv4     2 tcp      6 "
                    + (type.equals("DESTROY") ? "" : timeout + " ") + state
                    + " src=" + client + " dst=" + dst + " sport=" + cport + " dport=" + dport + (unreplied ? " [UNREPLIED]" : "")
                    + " src=" + backend + " dst=" + client + " sport=" + bport + " dport=" + cport + " id=" + id;
        }

        FlowKey key() {
            return FlowKey.parse("tcp," + backend + ":" + bport + "," + client + ":" + cport);
        }
    }
}
