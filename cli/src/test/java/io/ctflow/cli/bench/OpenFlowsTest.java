package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.cli.bench.Workload.Kind;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.AppConfig;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpenFlowsTest {
    @Test
    void theLatencyRowsOpenFlowsStayOpenEndBeforeThePacedOnesAndShareNoKeyWithThemWhileTheNodesSequencesGoOn() {
        Workload paced = LatencyProbe.workload(2_000, 5).withStart(Workload.START_MICROS + 10_000_000);
        Workload open = OpenFlows.workload(paced, 30_000, Workload.START_MICROS + 9_000_000);
        long[] sequence = new long[paced.nodes()];
        Set<FlowKey> openKeys = new HashSet<>();
        Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
        List<ConntrackEvent> events = new ArrayList<>();
        long sent = OpenFlows.eachEvent(open, sequence, events::add, n -> { });
        assertEquals(events.size(), sent);
        long lastMicros = 0;
        for (ConntrackEvent e : events) {
            long micros = e.getTimestamp().getEpochSecond() * 1_000_000 + e.getTimestamp().getNano() / 1000;
            assertTrue(micros >= lastMicros, "in time order");
            lastMicros = micros;
            FlowKey k = FlowKey.of(e);
            if (k == null) {
                counts.merge(Kind.HEARTBEAT, 1, Integer::sum);
                continue;
            }
            counts.merge(Kind.valueOf(e.getType() == EventType.NEW ? "NEW" : e.getState()), 1, Integer::sum);
            openKeys.add(k);
        }
        // every connection opened and replied to, none ended; the last ESTABLISHED at the end asked for
        assertEquals(Map.of(Kind.NEW, 30_000, Kind.SYN_RECV, 30_000, Kind.ESTABLISHED, 30_000, Kind.HEARTBEAT, 2 * 10), counts);
        assertEquals(30_000, openKeys.size());
        assertEquals(Workload.START_MICROS + 9_000_000, lastMicros);
        long[] openSequence = sequence.clone();
        WorkloadEvents pacedEvents = new WorkloadEvents(paced, 0, sequence);
        Set<Integer> nodesSeen = new HashSet<>();
        while (pacedEvents.hasNext()) {
            ConntrackEvent e = pacedEvents.next();
            FlowKey k = FlowKey.of(e);
            assertTrue(k == null || !openKeys.contains(k), "a paced connection has an open flow's key " + k);
            int node = Integer.parseInt(e.getNode().substring("node".length())) - 1;
            if (nodesSeen.add(node)) {
                assertEquals(openSequence[node] + 1, e.getSequence(), "node " + node + " goes on where its open flows stopped");
            }
        }
        assertEquals(paced.nodes(), nodesSeen.size());
        assertThrows(IllegalArgumentException.class, () -> OpenFlows.workload(paced, OpenFlows.MAX + 1, 0));
    }

    @Test
    void everyOpenFlowsFirstExpiryCheckIsDueBeforeTheRowStarts() {
        AppConfig config = AppConfig.of(Map.of("flow.reap-slack", "90s"));
        long now = Workload.START_MICROS + 1_000_000_000L;
        Workload paced = LatencyProbe.workload(2_000, 5);
        Workload open = OpenFlows.workload(paced, 1_000, OpenFlows.endBefore(config, now));
        long[] latestCheck = {0};
        OpenFlows.eachEvent(open, new long[paced.nodes()], e -> {
            if (e.getType() == EventType.NEW) { // the check the NEW's timeout sets: timeout + reap slack after it
                long at = e.getTimestamp().getEpochSecond() * 1_000_000 + e.getTimestamp().getNano() / 1000;
                latestCheck[0] = Math.max(latestCheck[0], at + (e.getTimeout() + 90) * 1_000_000L);
            }
        }, n -> { });
        assertTrue(latestCheck[0] < now, "the last open flow's expiry check " + (latestCheck[0] - now) + " us after the row starts");
        assertTrue(latestCheck[0] > now - 30_000_000L, "not needlessly long before it either");
    }
}
