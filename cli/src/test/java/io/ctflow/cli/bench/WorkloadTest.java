package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.cli.bench.Workload.Kind;
import io.ctflow.flow.FlowKey;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    /** 1000 connections, 100/s, 5 s each: 10 s of NEWs, the last DESTROY at 14.99 s. */
    private final Workload w = new Workload("t", 4, 7, 100, 5_000_000, 3, 1000, Workload.START_MICROS);

    @Test
    void everyConnectionHasTheKernelsSequenceInEventTimeOrder() {
        Map<Long, List<Kind>> kinds = new HashMap<>();
        Map<Long, List<Long>> times = new HashMap<>();
        Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
        Workload.Steps s = w.steps();
        long last = Long.MIN_VALUE;
        while (s.next()) {
            assertTrue(s.micros >= last, "time order at " + s.kind + " " + s.connection);
            last = s.micros;
            counts.merge(s.kind, 1, Integer::sum);
            if (s.kind != Kind.HEARTBEAT) {
                kinds.computeIfAbsent(s.connection, c -> new ArrayList<>()).add(s.kind);
                times.computeIfAbsent(s.connection, c -> new ArrayList<>()).add(s.micros - w.newAt(s.connection));
            }
        }
        long anomalous = 0;
        for (long c = 0; c < 1000; c++) {
            if (w.anomalous(c)) {
                anomalous++;
                assertEquals(List.of(Kind.NEW, Kind.DESTROY), kinds.get(c));
                assertEquals(List.of(0L, 5_000_000L), times.get(c));
            } else {
                assertEquals(List.of(Kind.NEW, Kind.SYN_RECV, Kind.ESTABLISHED, Kind.TIME_WAIT, Kind.DESTROY), kinds.get(c));
                assertEquals(List.of(0L, 300L, 600L, 3_000_000L, 5_000_000L), times.get(c));
            }
        }
        assertEquals(30, anomalous);
        assertEquals(1000, counts.get(Kind.NEW));
        assertEquals(970, counts.get(Kind.ESTABLISHED));
        assertEquals(1000, counts.get(Kind.DESTROY));
        // the last DESTROY at 9.99 s + 5 s: heartbeats at 0..14 s from each of 4 nodes
        assertEquals(15 * 4, counts.get(Kind.HEARTBEAT));
        assertEquals(500, w.openFlowsAtPeak());
    }

    @Test
    void parsedEventsKeepOneFlowKeyPerConnectionAndDistinctKeysAcrossOpenOnes() {
        WorkloadEvents events = new WorkloadEvents(w);
        Map<Long, FlowKey> keyOf = new HashMap<>();
        Set<FlowKey> open = new HashSet<>();
        int heartbeats = 0;
        int n = 0;
        while (events.hasNext()) {
            ConntrackEvent e = events.next();
            n++;
            Workload.Steps s = events.step();
            if (s.kind == Kind.HEARTBEAT) {
                heartbeats++;
                assertEquals(EventType.HEARTBEAT, e.getType());
                assertNull(FlowKey.of(e));
                continue;
            }
            FlowKey k = FlowKey.of(e);
            assertEquals(w.node(w.nodeOf(s.connection)), e.getNode());
            assertEquals(WorkloadEvents.micros(s.micros), e.getTimestamp());
            switch (s.kind) {
                case NEW -> {
                    assertEquals(EventType.NEW, e.getType());
                    assertEquals("SYN_SENT", e.getState());
                    assertTrue(open.add(k), "two open connections share " + k);
                    keyOf.put(s.connection, k);
                }
                case DESTROY -> {
                    assertEquals(EventType.DESTROY, e.getType());
                    assertEquals(w.anomalous(s.connection) ? "SYN_SENT" : "TIME_WAIT", e.getState());
                    assertEquals(keyOf.get(s.connection), k);
                    assertTrue(open.remove(k));
                }
                default -> {
                    assertEquals(EventType.UPDATE, e.getType());
                    assertEquals(s.kind.name(), e.getState());
                    assertEquals(keyOf.get(s.connection), k);
                }
            }
        }
        assertEquals(60, heartbeats);
        assertEquals(1000 * 5 - 30 * 3 + 60, n);
        assertTrue(open.isEmpty());
    }

    @Test
    void productionHasTheAskedOpenFlowsAtThePeakAndFiftyServices() {
        Workload p = Workload.production(200_000);
        assertEquals(200_000, p.openFlowsAtPeak());
        assertEquals(400_000, p.connections());
        assertEquals(50, p.serviceEntries().size());
        assertEquals(10, p.nodeFacts().size());
        assertEquals(20_000, p.connectionsPerSecond());
        assertEquals(1000, Workload.small(1000, 10_000).openFlowsAtPeak());
        assertThrows(IllegalArgumentException.class, () -> new Workload("x", 1, 1, 1, 1_000_000, 3, 10, 0));
    }

    @Test
    void theHistoryRunsSteadyStateStartsAtTheFirstQuietExpiryNotAtTheFirstDestroy() {
        Workload w = HistoryRun.workload(1_000_000, 10_000_000, 1_000_000);
        assertEquals(50_000_000L, w.lifetimeMicros(), "1 M open flows at 20 k connections/s");
        // the first DESTROY at +50 s; its flow lingers 30 s, and its expiry fires once the grace has passed too
        assertEquals(w.startMicros() + 81_000_000L, HistoryRun.steadyFromMicros(w, java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(1)));
    }
}
