package io.ctflow.streams.flow;

import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.service.EndpointTable;
import io.ctflow.streams.service.NoEndpointsWatch;
import io.ctflow.streams.service.ServicesVersion;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * What a change of the Services table means for a flow task, looked at on punctuation: open flows
 * whose backend was removed ({@link StaleEndpoints}) and, on partition 0 only, Services left without
 * endpoints ({@link NoEndpointsWatch}). O(1) while the table's version does not move.
 */
final class ServicesTableWatch {
    private final ServicesVersion version;
    private final StaleEndpoints stale = new StaleEndpoints();
    private final NoEndpointsWatch noEndpoints = new NoEndpointsWatch();
    private EndpointTable endpointTable;

    ServicesTableWatch(ServicesVersion version) {
        this.version = version;
    }

    /** A (re)started task learns the table afresh at its first punctuation. */
    void init() {
        stale.clear();
        endpointTable = new EndpointTable(version);
    }

    void punctuate(long wm, int partition, FlowCache flows, KeyValueStore<String, ServiceEntry> services,
                   KeyValueStore<String, NatAnomaly> anomalies, FlowOutput out) {
        EndpointTable.Change change = endpointTable.changes(services);
        if (change != null) {
            stale.removed(change.removed(), flows, wm);
            if (partition == 0) {
                for (NatAnomaly a : noEndpoints.changed(change, anomalies, services)) {
                    out.anomaly(NoEndpointsWatch.key(a), a, Math.max(wm / 1000, a.getDetectedAt().toEpochMilli()));
                }
            }
        }
        for (NatAnomaly a : stale.due(wm, flows, endpointTable, services, anomalies)) {
            out.anomaly(StaleEndpoints.key(FlowKey.parse(a.getFlowKey()), a.getNode()), a, wm / 1000);
        }
    }
}
