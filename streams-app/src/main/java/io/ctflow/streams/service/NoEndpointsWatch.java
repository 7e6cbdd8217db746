package io.ctflow.streams.service;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.flow.Protocols;
import io.ctflow.net.Addresses;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * NO_ENDPOINTS: a Service whose rules have no endpoint. kube-proxy rejects its traffic before
 * conntrack confirms an entry, so no event ever shows it; the rules do (the collector lists such a
 * Service with zero endpoints). Raised once, OPEN while it lasts, RESOLVED when endpoints return or
 * the Service goes; keyed {@code NO_ENDPOINTS|proto/vip:port}. Exactly one task (the flow join of
 * partition 0) runs it, so the cluster raises it once; what is open lives in that task's anomalies
 * store, so a restart neither repeats nor forgets it.
 */
public final class NoEndpointsWatch {
    static final String PREFIX = AnomalyType.NO_ENDPOINTS + "|";

    /** The records to forward for one change of the Services table. */
    public List<NatAnomaly> changed(EndpointTable.Change change, KeyValueStore<String, NatAnomaly> anomalies,
                                    KeyValueStore<String, ServiceEntry> services) {
        Map<String, NatAnomaly> open = new HashMap<>();
        try (KeyValueIterator<String, NatAnomaly> it = anomalies.prefixScan(PREFIX, new org.apache.kafka.common.serialization.StringSerializer())) {
            while (it.hasNext()) {
                var kv = it.next();
                if (kv.value != null && kv.value.getStatus() == AnomalyStatus.OPEN) {
                    open.put(kv.key.substring(PREFIX.length()), kv.value);
                }
            }
        }
        List<NatAnomaly> out = new ArrayList<>();
        for (Map.Entry<String, ServiceEntry> e : change.withoutEndpoints().entrySet()) {
            if (open.remove(e.getKey()) == null) {
                NatAnomaly a = raised(e.getKey(), e.getValue());
                anomalies.put(PREFIX + e.getKey(), a);
                out.add(a);
            }
        }
        for (Map.Entry<String, NatAnomaly> gone : open.entrySet()) {
            ServiceEntry now = services.get(gone.getKey());
            NatAnomaly a = NatAnomaly.newBuilder(gone.getValue()).setStatus(AnomalyStatus.RESOLVED)
                    .setDetectedAt(now != null ? now.getTimestamp() : gone.getValue().getDetectedAt())
                    .setDetail(gone.getValue().getDetail() + (now == null ? "; the Service is gone" : "; endpoints back: " + now.getEndpoints().size()))
                    .build();
            anomalies.put(PREFIX + gone.getKey(), a);
            out.add(a);
        }
        return out;
    }

    /** The anomaly's key in ctflow.anomalies. */
    public static String key(NatAnomaly a) {
        return PREFIX + a.getFacts().get("serviceKey");
    }

    private static NatAnomaly raised(String key, ServiceEntry s) {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("serviceKey", key);
        facts.put("source", s.getSource());
        return NatAnomaly.newBuilder()
                .setType(AnomalyType.NO_ENDPOINTS)
                .setStatus(AnomalyStatus.OPEN)
                .setNode(s.getNode())
                .setProtocol(s.getProtocol())
                .setService(s.getId())
                .setServiceAddress(address(s))
                .setHint("no ready endpoint: connections to " + s.getId() + " are rejected (kube-proxy) before conntrack sees them; "
                        + "check the Service's selector and its pods' readiness (kubectl get endpointslices -l kubernetes.io/service-name="
                        + (s.getName() != null ? s.getName() : "NAME") + (s.getNamespace() != null ? " -n " + s.getNamespace() : "") + ")")
                .setFirstSeen(s.getTimestamp())
                .setDetectedAt(s.getTimestamp())
                .setDetail(s.getId() + " (" + address(s) + ") has no endpoints in the " + s.getSource() + " rules of " + s.getNode())
                .setFacts(facts)
                .build();
    }

    private static String address(ServiceEntry s) {
        return Addresses.withPort(Addresses.bytes(s.getVip()), s.getPort()) + "/" + Protocols.name(s.getProtocol());
    }
}
