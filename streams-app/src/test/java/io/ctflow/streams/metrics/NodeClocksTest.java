package io.ctflow.streams.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class NodeClocksTest {
    static ConntrackEvent event(String node, EventType type, long sec) {
        return ConntrackEvent.newBuilder().setNode(node).setType(type).setTimestamp(Instant.ofEpochSecond(sec)).build();
    }

    @Test
    void timesAreMaximaSoReprocessingCannotMoveThemAndHeartbeatsAreNotEvents() {
        NodeClocks c = new NodeClocks();
        c.event(event("n1", EventType.NEW, 100));
        c.event(event("n1", EventType.HEARTBEAT, 105));
        c.event(event("n1", EventType.DESTROY, 103)); // older: re-processed or late
        c.event(event("n1", EventType.GAP, 104));
        c.event(null);
        Map<String, long[]> seen = new TreeMap<>();
        c.forEach(200_000_000L, (n, k) -> seen.put(n, new long[] {k.events.sum(), k.newestEvent.get(), k.newestHeartbeat.get()}));
        assertEquals(1, seen.size());
        long[] n1 = seen.get("n1");
        assertEquals(2, n1[0]);
        assertEquals(105_000_000L, n1[1]);
        assertEquals(105_000_000L, n1[2]);
    }

    @Test
    void aNodeSilentForADayIsForgotten() {
        NodeClocks c = new NodeClocks();
        c.event(event("old", EventType.HEARTBEAT, 0));
        c.event(event("new", EventType.HEARTBEAT, 86_400));
        Map<String, Long> seen = new TreeMap<>();
        c.forEach(86_401_000_000L, (n, k) -> seen.put(n, k.newestHeartbeat.get()));
        assertEquals(Map.of("new", 86_400_000_000L), seen);
    }
}
