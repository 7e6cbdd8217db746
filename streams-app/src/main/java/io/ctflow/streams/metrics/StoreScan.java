package io.ctflow.streams.metrics;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.ServiceStats;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.Judgement;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.StoreNames;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The gauges read from this instance's state stores at scrape time. Stores are restored from their
 * changelogs when a task is revived or moves, so these follow the results exactly, whatever
 * exactly-once aborted; a task that moved away is no longer read here.
 *
 * <p>Open anomalies, by (node, Service, cause):
 * <ul>
 * <li>an incomplete NAT is open while its status is OPEN and its connection is still tracked with
 *     that node's entry unanswered (the flows store: it is forgotten some minutes after the entry
 *     is destroyed), so a fixed problem's gauge falls back to 0;
 * <li>STALE_ENDPOINT is open while its connection is tracked; NO_ENDPOINTS until it is RESOLVED
 *     (both carry their Service);
 * <li>TABLE_PRESSURE is open until the node's table falls back below 90 %;
 * <li>the other node anomalies (INSERT_FAILED, DROP, EARLY_DROP, EVENT_LOSS, INVALID_PACKETS, ...)
 *     are events with no resolution: each counts as open for {@link #EVENT_ANOMALY_OPEN} after it
 *     was detected. Node anomalies have Service "".
 * </ul>
 * Cost: one pass over the local anomaly stores (one flows lookup per OPEN incomplete NAT), the
 * node-stats and the latest-window stores, and the Services table. {@link CtflowMetrics} caches a scan for a few seconds.
 */
final class StoreScan {
    static final Duration EVENT_ANOMALY_OPEN = Duration.ofMinutes(10);

    /** Open anomalies per (node, service, cause). */
    final Map<List<String>, Long> open = new TreeMap<>((a, b) -> String.join("\u0000", a).compareTo(String.join("\u0000", b)));
    /** The newest conntrack sample of each node this instance's node-stats tasks hold. */
    final Map<String, NodeStats> nodes = new TreeMap<>();
    /** Open connections of each Service at the end of its newest closed window. */
    final Map<String, Long> active = new TreeMap<>();
    /**
     * Endpoints of each Service in the dataplane (the Services table every instance holds): the most
     * any node's rules list, so a Service without endpoints (NO_ENDPOINTS) shows as 0.
     */
    final Map<String, Long> endpoints = new TreeMap<>();

    static StoreScan of(LocalStores stores, Instant now) {
        StoreScan s = new StoreScan();
        s.scanFlowAnomalies(stores);
        s.scanNodeAnomalies(stores, now);
        s.scanNodes(stores);
        s.scanServices(stores);
        s.scanEndpoints(stores);
        return s;
    }

    private void scanFlowAnomalies(LocalStores stores) {
        ReadOnlyKeyValueStore<String, NatAnomaly> anomalies = quietly(stores, StoreNames.ANOMALIES);
        ReadOnlyKeyValueStore<FlowKey, FlowState> flows = quietly(stores, StoreNames.FLOWS);
        if (anomalies == null || flows == null) {
            return;
        }
        try (KeyValueIterator<String, NatAnomaly> it = anomalies.all()) {
            while (it.hasNext()) {
                NatAnomaly a = it.next().value;
                if (a != null && a.getStatus() == AnomalyStatus.OPEN && stillOpen(flows, a)) {
                    count(a, nonNull(a.getService()));
                }
            }
        } catch (InvalidStateStoreException e) {
            open.clear(); // a rebalance started: better no series than half of them
        }
    }

    /** An OPEN anomaly of the flow join: see the class comment. */
    private static boolean stillOpen(ReadOnlyKeyValueStore<FlowKey, FlowState> flows, NatAnomaly a) {
        if (a.getType() != AnomalyType.INCOMPLETE_NAT && a.getType() != AnomalyType.STALE_ENDPOINT) {
            return true; // NO_ENDPOINTS: OPEN until RESOLVED
        }
        if (a.getFlowKey() == null) {
            return false;
        }
        FlowState st;
        try {
            st = flows.get(FlowKey.parse(a.getFlowKey()));
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (st == null) {
            return false;
        }
        if (a.getType() == AnomalyType.STALE_ENDPOINT) {
            return true; // the entry still points at the removed endpoint while the flow is tracked
        }
        for (NodeView v : st.getViews()) {
            if (v.getNode().equals(a.getNode())) {
                return v.getJudgement() == Judgement.RAISED;
            }
        }
        return false;
    }

    private void scanNodeAnomalies(LocalStores stores, Instant now) {
        ReadOnlyKeyValueStore<String, NatAnomaly> anomalies = quietly(stores, StoreNames.NODE_ANOMALIES);
        if (anomalies == null) {
            return;
        }
        Instant eventsSince = now.minus(EVENT_ANOMALY_OPEN);
        try (KeyValueIterator<String, NatAnomaly> it = anomalies.all()) {
            while (it.hasNext()) {
                NatAnomaly a = it.next().value;
                if (a == null || a.getStatus() != AnomalyStatus.OPEN) {
                    continue;
                }
                if (a.getType() == AnomalyType.TABLE_PRESSURE || !a.getDetectedAt().isBefore(eventsSince)) {
                    count(a, "");
                }
            }
        } catch (InvalidStateStoreException e) {
            // a rebalance started: the flow anomalies scanned are still right
        }
    }

    private void count(NatAnomaly a, String service) {
        open.merge(List.of(nonNull(a.getNode()), service, cause(a)), 1L, Long::sum);
    }

    /** The cause label: an incomplete NAT's cause, or another anomaly's type. */
    static String cause(NatAnomaly a) {
        if (a.getType() == AnomalyType.INCOMPLETE_NAT) {
            return a.getCause() == null ? "UNKNOWN" : a.getCause().name();
        }
        return a.getType().name();
    }

    private void scanNodes(LocalStores stores) {
        ReadOnlyKeyValueStore<String, NodeStats> last = quietly(stores, StoreNames.NODE_STATS_LAST);
        if (last == null) {
            return;
        }
        try (KeyValueIterator<String, NodeStats> it = last.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value != null) {
                    nodes.put(kv.key, kv.value);
                }
            });
        } catch (InvalidStateStoreException e) {
            nodes.clear();
        }
    }

    private void scanServices(LocalStores stores) {
        ReadOnlyKeyValueStore<String, ServiceStats> latest = quietly(stores, StoreNames.SERVICE_LATEST);
        if (latest == null) {
            return;
        }
        try (KeyValueIterator<String, ServiceStats> it = latest.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value != null) {
                    active.put(kv.key, kv.value.getActive());
                }
            });
        } catch (InvalidStateStoreException e) {
            active.clear();
        }
    }

    private void scanEndpoints(LocalStores stores) {
        ReadOnlyKeyValueStore<String, ServiceEntry> table = quietly(stores, StoreNames.SERVICES_GLOBAL);
        if (table == null) {
            return;
        }
        try (KeyValueIterator<String, ServiceEntry> it = table.all()) {
            it.forEachRemaining(kv -> {
                ServiceEntry e = kv.value;
                if (e != null && (endpoints.containsKey(e.getId()) || endpoints.size() < ServiceCounters.MAX_SERVICES)) {
                    endpoints.merge(e.getId(), (long) e.getEndpoints().size(), Math::max);
                }
            });
        } catch (InvalidStateStoreException e) {
            endpoints.clear();
        }
    }

    private static <K, V> ReadOnlyKeyValueStore<K, V> quietly(LocalStores stores, String name) {
        try {
            return stores.store(name);
        } catch (InvalidStateStoreException e) {
            return null; // not queryable now (starting, rebalancing): this scrape goes without
        }
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
