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
        NodeClocks c = new NodeClocks(() -> 0L);
        c.event(event("n1", EventType.NEW, 100));
        c.event(event("n1", EventType.HEARTBEAT, 105));
        c.event(event("n1", EventType.DESTROY, 103)); // older: re-processed or late
        c.event(event("n1", EventType.GAP, 104));
        c.event(null);
        Map<String, long[]> seen = new TreeMap<>();
        c.forEach((n, k) -> seen.put(n, new long[] {k.events.sum(), k.newestEvent.get(), k.newestHeartbeat.get()}));
        assertEquals(1, seen.size());
        long[] n1 = seen.get("n1");
        assertEquals(2, n1[0]);
        assertEquals(105_000_000L, n1[1]);
        assertEquals(105_000_000L, n1[2]);
    }

    @Test
    void aNodeNotHeardOfForADayIsForgottenWhateverItsEventTimes() {
        long[] wall = {1_000};
        NodeClocks c = new NodeClocks(() -> wall[0]);
        c.event(event("old", EventType.HEARTBEAT, 500_000));
        wall[0] += 3_600_000;
        c.event(event("new", EventType.HEARTBEAT, 0)); // an old capture replayed now: heard now
        wall[0] += 86_400_000 - 1_000;
        Map<String, Long> seen = new TreeMap<>();
        c.forEach((n, k) -> seen.put(n, k.newestHeartbeat.get()));
        assertEquals(Map.of("new", 0L), seen);
    }

    @Test
    void eventsAheadOfTheBrokerAreCountedPerNodeAndANodeFirstHeardSoIsTracked() {
        NodeClocks c = new NodeClocks(() -> 0L);
        c.event(event("n1", EventType.NEW, 100));
        c.ahead("fast"); // counted before its first event reaches event()
        c.ahead("fast");
        c.event(event("fast", EventType.NEW, 200));
        Map<String, long[]> seen = new TreeMap<>();
        c.forEach((n, k) -> seen.put(n, new long[] {k.ahead.sum(), k.events.sum()}));
        assertEquals(0, seen.get("n1")[0]);
        assertEquals(2, seen.get("fast")[0]);
        assertEquals(1, seen.get("fast")[1]);
    }
}
