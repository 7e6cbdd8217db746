package io.ctflow.streams.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.Judgement;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.FlowKeySerde;
import io.ctflow.json.AvroJson;
import io.ctflow.net.Addresses;
import io.ctflow.streams.StoreNames;
import java.io.IOException;
import java.time.Instant;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /flows/{key}}: every node's view of a connection while the app keeps it. Once the flow
 * is forgotten, the anomalies that named it (same task: they are keyed {@code flowkey@node}) say
 * when it was last seen and where to look, in a 404.
 */
final class FlowsRoute implements Route {
    private static final String ONE = "/flows/";
    private final Cluster cluster;

    FlowsRoute(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public boolean matches(String rawPath) {
        return rawPath.startsWith(ONE);
    }

    @Override
    public void handle(Request r) throws IOException {
        FlowKey key;
        try {
            key = FlowKey.parse(r.tail(ONE));
        } catch (IllegalArgumentException e) {
            throw new Replies.BadRequest(e.getMessage());
        }
        HostInfo owner = r.local() ? null : cluster.remoteOwner(StoreNames.FLOWS, key, new FlowKeySerde().serializer());
        if (owner != null) {
            cluster.forward(r, owner);
            return;
        }
        FlowState st = cluster.<FlowKey, FlowState>store(StoreNames.FLOWS).get(key);
        if (st != null) {
            Replies.send(r.exchange(), 200, flowJson(key, st));
            return;
        }
        ObjectNode finished = finished(key, cluster.store(StoreNames.ANOMALIES));
        Replies.send(r.exchange(), 404, finished != null ? finished : Replies.error("no flow " + key.text()));
    }

    /** The 404 body for a forgotten flow some anomaly named, else null. */
    static ObjectNode finished(FlowKey key, ReadOnlyKeyValueStore<String, NatAnomaly> anomalies) {
        ArrayNode ids = AvroJson.MAPPER.createArrayNode();
        String latest = null;
        Instant latestAt = null;
        Instant lastSeen = null;
        try (KeyValueIterator<String, NatAnomaly> it = anomalies.prefixScan(key.text() + "@", new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, NatAnomaly> kv = it.next();
                NatAnomaly a = kv.value;
                ids.add(kv.key);
                if (latestAt == null || a.getDetectedAt().isAfter(latestAt)) {
                    latestAt = a.getDetectedAt();
                    latest = kv.key;
                }
                lastSeen = later(lastSeen, a.getDetectedAt());
                for (ConntrackEvent e : a.getEvidence()) {
                    lastSeen = later(lastSeen, e.getTimestamp());
                }
            }
        }
        if (latest == null) {
            return null;
        }
        ObjectNode o = Replies.error("flow " + key.text() + " finished (last seen " + lastSeen + "); see anomaly " + latest);
        o.put("key", key.text());
        o.put("lastSeen", lastSeen.toString());
        o.put("anomaly", latest);
        o.set("anomalies", ids);
        return o;
    }

    private static Instant later(Instant a, Instant b) {
        return a == null || b.isAfter(a) ? b : a;
    }

    static ObjectNode flowJson(FlowKey key, FlowState st) {
        ObjectNode o = AvroJson.MAPPER.createObjectNode();
        o.put("key", key.text());
        o.put("service", st.getService());
        o.put("serviceAddress", st.getServiceAddress());
        o.put("primary", st.getPrimary());
        ArrayNode views = o.putArray("views");
        for (NodeView v : st.getViews()) {
            ObjectNode n = AvroJson.toJson(v);
            n.put("firstSeen", TimeParam.instant(v.getFirstSeen()).toString());
            n.put("lastSeen", TimeParam.instant(v.getLastSeen()).toString());
            if (v.getReplied() >= 0) {
                n.put("replied", TimeParam.instant(v.getReplied()).toString());
            } else {
                n.putNull("replied");
            }
            // The API speaks of the anomaly's status: a raised judgement is an OPEN anomaly.
            n.put("anomaly", v.getJudgement() == Judgement.RAISED ? "OPEN" : v.getJudgement().name());
            n.put("origSrc", Addresses.format(v.getOrigSrc()));
            n.put("origDst", Addresses.format(v.getOrigDst()));
            views.add(n);
        }
        return o;
    }
}
