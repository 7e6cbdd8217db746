package io.ctflow.streams.metrics;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.NatAnomaly;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Anomalies raised (OPEN) and resolved (RESOLVED) by cause, counted as the processors emit them.
 *
 * <p>Exactly-once: a task revived after an aborted transaction emits again what it emitted since
 * its last commit (identical records). The identities (type, status, node, flow, detection time) of
 * the last {@value #REMEMBERED} anomalies are remembered and a repeat is not counted again; a repeat
 * can be missed only if more than that many anomalies were emitted within one commit interval.
 * Anomalies are rare next to events, so the few objects made per anomaly do not matter.
 */
public final class AnomalyCounters {
    static final int REMEMBERED = 4096;

    private final Map<String, long[]> raised = new TreeMap<>();
    private final Map<String, long[]> resolved = new TreeMap<>();
    private final Set<String> seen = new HashSet<>();
    private final ArrayDeque<String> order = new ArrayDeque<>();

    public synchronized void anomaly(NatAnomaly a) {
        if (a == null || a.getType() == null) {
            return;
        }
        String id = a.getType() + "|" + a.getStatus() + "|" + a.getNode() + "|" + a.getFlowKey() + "|" + a.getDetectedAt();
        if (!seen.add(id)) {
            return;
        }
        order.addLast(id);
        if (order.size() > REMEMBERED) {
            seen.remove(order.removeFirst());
        }
        Map<String, long[]> m = a.getStatus() == AnomalyStatus.RESOLVED ? resolved : raised;
        m.computeIfAbsent(StoreScan.cause(a), c -> new long[1])[0]++;
    }

    synchronized void forEachRaised(BiConsumer<String, Long> visit) {
        raised.forEach((c, n) -> visit.accept(c, n[0]));
    }

    synchronized void forEachResolved(BiConsumer<String, Long> visit) {
        resolved.forEach((c, n) -> visit.accept(c, n[0]));
    }
}
