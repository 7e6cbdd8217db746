package io.ctflow.streams.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.Cause;
import io.ctflow.avro.NatAnomaly;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AnomalyCountersTest {
    static NatAnomaly anomaly(String flow, AnomalyStatus status, long at) {
        return NatAnomaly.newBuilder().setType(AnomalyType.INCOMPLETE_NAT).setStatus(status).setNode("node1")
                .setCause(Cause.NO_REPLY).setFlowKey(flow).setFirstSeen(Instant.ofEpochSecond(at - 3))
                .setDetectedAt(Instant.ofEpochSecond(at)).build();
    }

    static Map<String, Long> raised(AnomalyCounters c) {
        Map<String, Long> m = new TreeMap<>();
        c.forEachRaised(m::put);
        return m;
    }

    @Test
    void anAnomalyEmittedAgainAfterAnAbortIsCountedOnce() {
        AnomalyCounters c = new AnomalyCounters();
        c.anomaly(anomaly("tcp,10.0.0.1:80,10.0.0.2:1000", AnomalyStatus.OPEN, 100));
        c.anomaly(anomaly("tcp,10.0.0.1:80,10.0.0.2:1001", AnomalyStatus.OPEN, 101));
        c.anomaly(anomaly("tcp,10.0.0.1:80,10.0.0.2:1000", AnomalyStatus.OPEN, 100)); // re-emitted
        c.anomaly(anomaly("tcp,10.0.0.1:80,10.0.0.2:1000", AnomalyStatus.RESOLVED, 102));
        assertEquals(Map.of("NO_REPLY", 2L), raised(c));
        Map<String, Long> resolved = new TreeMap<>();
        c.forEachResolved(resolved::put);
        assertEquals(Map.of("NO_REPLY", 1L), resolved);
    }

    @Test
    void onlyTheLastFewThousandAreRemembered() {
        AnomalyCounters c = new AnomalyCounters();
        c.anomaly(anomaly("tcp,10.0.0.1:80,10.0.0.2:1", AnomalyStatus.OPEN, 1));
        for (int i = 0; i < AnomalyCounters.REMEMBERED; i++) {
            c.anomaly(anomaly("tcp,10.0.0.1:80,10.0.0.3:" + (i + 1), AnomalyStatus.OPEN, 1));
        }
        c.anomaly(anomaly("tcp,10.0.0.1:80,10.0.0.2:1", AnomalyStatus.OPEN, 1)); // forgotten, so counted again
        assertEquals(Map.of("NO_REPLY", AnomalyCounters.REMEMBERED + 2L), raised(c));
    }
}
