package io.ctflow.streams.flow;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.Protocols;
import io.ctflow.net.Addresses;
import io.ctflow.streams.service.EndpointTable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * STALE_ENDPOINT: a connection whose conntrack entry still points at an endpoint its Service no longer
 * has. UDP entries live as long as packets keep coming, so a client that keeps sending goes on
 * reaching the removed pod (kubernetes/kubernetes#59368, #48370); a TCP entry to a pod IP that is
 * reused reaches another pod. kube-proxy deletes the UDP entries itself when it removes an endpoint;
 * when it did not (or for TCP), the entry stays.
 *
 * <p>Cost: endpoint removals are rare and open flows many, so nothing is done per event. When the
 * Services table changed ({@link EndpointTable}, checked on punctuation) and an endpoint was removed,
 * the task's flows store is scanned once for all removals seen together, matching on the flow key
 * alone (its reply source is the backend) before looking at the state; the matches wait {@link #GRACE}
 * of event time, so that kube-proxy's own cleanup (a DESTROY) and a collector's late republish of the
 * same endpoints have time to arrive, and are judged again then. The waiting list is in memory: after
 * a restart, only later removals are checked.
 */
final class StaleEndpoints {
    static final long GRACE = 10_000_000; // micros
    private static final Set<String> TCP_CLOSING = Set.of("FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE");

    private record Candidate(FlowKey key, String serviceKey, String backend, long dueAt) {}

    private final ArrayDeque<Candidate> waiting = new ArrayDeque<>();

    /** One scan of the flows for every endpoint removed in this change; {@code now} is the task's watermark. */
    void removed(Map<String, Set<String>> removed, FlowCache flows, long now) {
        if (removed.isEmpty()) {
            return;
        }
        Set<String> backends = new java.util.HashSet<>();
        removed.values().forEach(backends::addAll);
        flows.forEachStored((key, st) -> {
            String backend = backend(key);
            if (!backends.contains(backend)) {
                return;
            }
            NodeView v = primary(st);
            if (v == null) {
                return;
            }
            String serviceKey = FlowViews.serviceKey(key.protocolNumber(), v);
            Set<String> gone = removed.get(serviceKey);
            if (gone != null && gone.contains(backend) && open(key, st, v)) {
                waiting.add(new Candidate(key, serviceKey, backend, now + GRACE));
            }
        });
    }

    /** Judges the candidates due by {@code watermark}: still open, still on an endpoint the Service does not list. */
    List<NatAnomaly> due(long watermark, FlowCache flows, EndpointTable table, KeyValueStore<String, ServiceEntry> services,
                         KeyValueStore<String, NatAnomaly> anomalies) {
        List<NatAnomaly> out = List.of();
        while (!waiting.isEmpty() && waiting.peekFirst().dueAt() <= watermark) {
            Candidate c = waiting.pollFirst();
            FlowState st = flows.load(c.key());
            NodeView v = st == null ? null : primary(st);
            if (v == null || !open(c.key(), st, v) || table.lists(c.serviceKey(), c.backend())) {
                continue;
            }
            String akey = key(c.key(), v.getNode());
            if (anomalies.get(akey) != null) {
                continue; // raised once per connection
            }
            NatAnomaly a = anomaly(c, st, v, services.get(c.serviceKey()));
            anomalies.put(akey, a);
            if (out.isEmpty()) {
                out = new ArrayList<>();
            }
            out.add(a);
        }
        return out;
    }

    static String key(FlowKey key, String node) {
        return AnomalyBuilder.key(key, node) + "|" + AnomalyType.STALE_ENDPOINT;
    }

    private static NatAnomaly anomaly(Candidate c, FlowState st, NodeView v, ServiceEntry svc) {
        FlowKey key = c.key();
        int proto = key.protocolNumber();
        String protoName = Protocols.name(proto);
        String client = Addresses.withPort(Addresses.bytes(v.getOrigSrc()), v.getOrigSport());
        String vip = Addresses.format(Addresses.bytes(v.getOrigDst()));
        String serviceAddress = Addresses.withPort(Addresses.bytes(v.getOrigDst()), v.getOrigDport());
        String backendAddr = Addresses.format(key.replySrc());
        String clear = "conntrack -D -p " + protoName + " --orig-dst " + vip + " --dport " + v.getOrigDport()
                + " --reply-src " + backendAddr + (key.zone() == 0 ? "" : " -w " + key.zone());
        String why = proto == 17
                ? "the entry sends this client's packets to the removed endpoint as long as they keep coming (kubernetes/kubernetes#59368)"
                : "the connection still points at the removed endpoint; if its pod IP is reused, packets reach another pod";
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("removedEndpoint", c.backend());
        facts.put("endpoints", svc == null ? "(Service deleted)" : endpoints(svc));
        if (v.getState() != null) {
            facts.put("state", v.getState());
        }
        if (key.zone() != 0) {
            facts.put("zone", Integer.toString(key.zone()));
        }
        return NatAnomaly.newBuilder()
                .setType(AnomalyType.STALE_ENDPOINT)
                .setStatus(AnomalyStatus.OPEN)
                .setNode(v.getNode())
                .setProtocol(Protocols.of(proto))
                .setClient(client)
                .setService(svc != null ? svc.getId() : st.getService())
                .setServiceAddress(serviceAddress)
                .setBackend(c.backend())
                .setHint("clear it on " + v.getNode() + ": " + clear + " (" + why + "); kube-proxy clears UDP entries itself when it removes an endpoint, so check its conntrack cleanup (logs, conntrack binary)")
                .setFirstSeen(AnomalyBuilder.instant(v.getFirstSeen()))
                .setDetectedAt(AnomalyBuilder.instant(c.dueAt()))
                .setFlowKey(key.text())
                .setDetail(protoName + " " + client + " -> " + serviceAddress + " still NATed to " + c.backend() + " on " + v.getNode()
                        + (key.zone() == 0 ? "" : " in conntrack zone " + key.zone()) + " after the Service removed that endpoint")
                .setFacts(facts)
                .setZone(key.zone() == 0 ? null : key.zone())
                .build();
    }

    private static String endpoints(ServiceEntry svc) {
        StringBuilder sb = new StringBuilder();
        svc.getEndpoints().forEach(e -> sb.append(sb.length() == 0 ? "" : ",").append(Addresses.withPort(Addresses.bytes(e.getAddress()), e.getPort())));
        return sb.length() == 0 ? "(none)" : sb.toString();
    }

    /** The DNAT view that counts the connection, while the connection is not over. */
    private static NodeView primary(FlowState st) {
        if (st.getPrimary() == null || st.getCountedEnd()) {
            return null;
        }
        NodeView v = FlowViews.find(st, st.getPrimary());
        return v == null || v.getDestroyed() ? null : v;
    }

    private static boolean open(FlowKey key, FlowState st, NodeView v) {
        return !(key.protocolNumber() == 6 && v.getState() != null && TCP_CLOSING.contains(v.getState()));
    }

    private static String backend(FlowKey key) {
        return Addresses.withPort(key.replySrc(), key.replySrcPort());
    }

    void clear() {
        waiting.clear();
    }
}
