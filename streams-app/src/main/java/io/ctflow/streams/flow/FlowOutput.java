package io.ctflow.streams.flow;

import io.ctflow.avro.NatAnomaly;
import io.ctflow.streams.stats.ConnectionChange;

/** Where the flow join's parts put what they find: anomalies to forward, connection changes to count per Service. */
interface FlowOutput {
    void anomaly(String key, NatAnomaly a, long timestampMs);

    /** A change of one of {@code service}'s connections (service null: not a Service connection, not counted). */
    void count(String service, ConnectionChange change);
}
