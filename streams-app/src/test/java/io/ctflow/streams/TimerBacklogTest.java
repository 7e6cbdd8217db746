package io.ctflow.streams;

import static io.ctflow.streams.FlowRulesTest.T0;
import static io.ctflow.streams.FlowRulesTest.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.ServiceStats;
import io.ctflow.streams.FlowLifecycleTest.Conn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/**
 * {@code flow.timers-per-record}: when event time jumps, the timers it makes due fire a few per
 * record (here one), not all in the record that made the jump, and find what they would have found
 * all at once. The jump leaves seven reply timers due, in this order: B (3 s), D (3.2 s), E (3.3 s),
 * F (3.4 s), G (3.5 s), A (4 s), C (5 s). Each record after it (and the stream-time punctuation the
 * jump runs) fires the next one, and also:
 * <ul>
 * <li>C's reply comes behind the watermark while C's timer still waits: C's own timer fires first
 *     (raised, then resolved), as it would have at the jump;</li>
 * <li>node1 reports a new loss while A's timer still waits: every due timer fires first, so A is
 *     judged against the loss it had in its reply window (deferred), not the new one;</li>
 * <li>records drain the rest without moving stream time: the next wall-clock tick closes the
 *     Service windows the timers held open;</li>
 * </ul>
 * and every output record is the same, at each point, as with the default budget.
 */
class TimerBacklogTest {
    static final long S = 1_000_000;
    static final Conn A = new Conn("10.244.1.2", 40000, "10.96.0.10", 80, "10.244.2.9", 8080);
    static final Conn B = new Conn("10.244.1.2", 40001, "10.96.0.10", 80, "10.244.2.9", 8080);
    static final Conn D = new Conn("10.244.2.3", 40002, "10.96.0.10", 80, "10.244.2.9", 8080);
    static final Conn E = new Conn("10.244.2.3", 40003, "10.96.0.10", 80, "10.244.2.9", 8080);
    static final Conn F = new Conn("10.244.2.3", 40004, "10.96.0.10", 80, "10.244.2.9", 8080);
    static final Conn G = new Conn("10.244.2.3", 40005, "10.96.0.10", 80, "10.244.2.9", 8080);

    /** C: a pod on node2 to the internet, masqueraded to node2's address (no Service: its reply counts nowhere). */
    static String c(long micros, String type, boolean unreplied) {
        return String.format("[%d.%06d]\t", T0 + micros / 1_000_000, micros % 1_000_000) + String.format("%9s", "[" + type + "]")
                + " ipv4     2 tcp      6 120 " + (unreplied ? "SYN_SENT" : "SYN_RECV")
                + " src=10.244.2.5 dst=93.184.216.34 sport=51000 dport=443" + (unreplied ? " [UNREPLIED]" : "")
                + " src=93.184.216.34 dst=10.0.12.13 sport=443 dport=51000 id=77";
    }

    /**
     * The outputs at each point of the run (after the jump's backlog is gone and a tick ran, and at the
     * end), each key's records in output order: records of different keys may come in another order.
     */
    record Outputs(Map<String, List<String>> afterBacklog, Map<String, List<String>> atEnd) {}

    static Outputs run(Map<String, String> settings) throws Exception {
        try (TopologyFixture f = new TopologyFixture(settings)) {
            f.facts(FlowRulesTest.facts("node1", "1", "10.244.1.1/24"));
            f.facts(FlowRulesTest.facts("node2", "1", "10.244.2.1/24"));
            f.service(FlowRulesTest.service("default/web:http", "10.96.0.10", 80, io.ctflow.avro.Protocol.TCP, "10.244.2.9", 8080));
            f.line("node1", B.line(0, "NEW", "SYN_SENT", 120, true, 1));
            f.line("node2", D.line(200_000, "NEW", "SYN_SENT", 120, true, 2));
            f.line("node2", E.line(300_000, "NEW", "SYN_SENT", 120, true, 3));
            f.line("node2", F.line(400_000, "NEW", "SYN_SENT", 120, true, 5));
            f.line("node2", G.line(500_000, "NEW", "SYN_SENT", 120, true, 6));
            f.line("node1", A.line(1 * S, "NEW", "SYN_SENT", 120, true, 4));
            f.gap("node1", at(1_500_000)); // in A's and B's reply windows: their judgement waits
            f.line("node2", c(2 * S, "NEW", true));
            f.heartbeat("node2", at(100 * S)); // node2's clock steps ahead: seven reply timers due
            f.line("node2", c(2_100_000, "UPDATE", false)); // C's reply, behind the watermark
            f.gap("node1", at(100 * S)); // another loss on node1
            for (int i = 0; i < 5; i++) {
                f.heartbeat("node1", at(100 * S)); // stream time stays
            }
            f.driver.advanceWallClockTime(Duration.ofMillis(100));
            Map<String, List<String>> afterBacklog = dump(f.anomalies(), f.stats());
            f.heartbeat("node1", at(400 * S)); // past every expiry: every flow's expiry check due, and no record after it
            for (int i = 0; i < 5; i++) {
                f.driver.advanceWallClockTime(Duration.ofMillis(100)); // three budgets a tick
            }
            return new Outputs(afterBacklog, dump(f.anomalies(), f.stats()));
        }
    }

    static Map<String, List<String>> dump(List<KeyValue<String, NatAnomaly>> anomalies, List<KeyValue<String, ServiceStats>> stats) {
        Map<String, List<String>> out = new TreeMap<>();
        anomalies.forEach(kv -> out.computeIfAbsent("anomaly " + kv.key, k -> new ArrayList<>()).add(kv.value.toString()));
        stats.forEach(kv -> out.computeIfAbsent("stats " + kv.key, k -> new ArrayList<>()).add(kv.value.toString()));
        return out;
    }

    @Test
    void aJumpsTimersFireOnePerRecordAndFindWhatTheyFindAllAtOnce() throws Exception {
        Outputs all = run(Map.of());
        Outputs one = run(Map.of(AppConfig.FLOW_TIMERS_PER_RECORD, "1"));
        assertEquals(9, all.afterBacklog().size() + all.atEnd().size(), "seven anomalies (C's raised and resolved) and two windows");
        assertEquals(all, one);
    }
}
