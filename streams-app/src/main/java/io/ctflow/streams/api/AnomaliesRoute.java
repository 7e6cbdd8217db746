package io.ctflow.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.FlowKeySerde;
import io.ctflow.json.AvroJson;
import io.ctflow.streams.StoreNames;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /anomalies} (filtered, oldest first, paged) and {@code GET /anomalies/{id}}. An
 * anomaly's id is its key on ctflow.anomalies: flow anomalies ({@code flowkey@node}) live in the
 * flow task that owns the flow key, node anomalies ({@code node|TYPE...}) in the node-stats task
 * that owns the node.
 */
final class AnomaliesRoute implements Route {
    private static final String ONE = "/anomalies/";
    private final Cluster cluster;

    AnomaliesRoute(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public boolean matches(String rawPath) {
        return rawPath.equals("/anomalies") || rawPath.startsWith(ONE);
    }

    @Override
    public void handle(Request r) throws IOException {
        if (r.rawPath().equals("/anomalies")) {
            list(r);
        } else {
            one(r, r.tail(ONE));
        }
    }

    /** Which anomalies a list request wants. */
    record Filter(String status, String service, String node, String cause, Instant since) {
        static Filter of(Request r) {
            String status = r.param("status") == null ? "all" : r.param("status").toLowerCase(Locale.ROOT);
            if (!List.of("open", "resolved", "all").contains(status)) {
                throw new Replies.BadRequest("status must be open, resolved or all, got '" + r.param("status") + "'");
            }
            return new Filter(status, r.param("service"), r.param("node"), r.param("cause"), TimeParam.parse(r, "since", Instant.EPOCH));
        }

        boolean test(NatAnomaly a) {
            if (status.equals("open") && a.getStatus() != AnomalyStatus.OPEN
                    || status.equals("resolved") && a.getStatus() != AnomalyStatus.RESOLVED) {
                return false;
            }
            if (service != null && !service.equals(a.getService()) || node != null && !node.equals(a.getNode())) {
                return false;
            }
            if (cause != null && !(a.getCause() != null && cause.equalsIgnoreCase(a.getCause().name())
                    || cause.equalsIgnoreCase(a.getType().name()))) {
                return false;
            }
            return !a.getDetectedAt().isBefore(since);
        }
    }

    private void list(Request r) throws IOException {
        Filter filter = Filter.of(r);
        int limit = Paging.limit(r);
        Paging.Position after = Paging.after(r);
        List<JsonNode> items = new ArrayList<>();
        // this instance's flow anomalies and node anomalies, each store cut at the limit after the cursor
        for (String store : List.of(StoreNames.ANOMALIES, StoreNames.NODE_ANOMALIES)) {
            items.addAll(local(store, filter, after, limit));
        }
        Cluster.Gathered others = cluster.others(r);
        items.addAll(others.items());
        // a local part cut at the limit shows in the merged count (> limit); the others' by their Link
        Paging.Page page = Paging.page(items, AnomaliesRoute::position, after, limit, others.more());
        Paging.link(r, page);
        Replies.send(r.exchange(), 200, AvroJson.MAPPER.createArrayNode().addAll(page.items()));
    }

    /** The first {@code limit} + 1 matching anomalies of this instance's part of the store after the cursor, rendered. */
    private List<JsonNode> local(String store, Filter filter, Paging.Position after, int limit) {
        List<JsonNode> out = new ArrayList<>();
        ReadOnlyKeyValueStore<String, NatAnomaly> s = cluster.storeIfAny(store);
        if (s == null) {
            return out;
        }
        List<Match> matches = new ArrayList<>();
        try (KeyValueIterator<String, NatAnomaly> it = s.all()) {
            while (it.hasNext()) {
                KeyValue<String, NatAnomaly> kv = it.next();
                if (kv.value != null && filter.test(kv.value)) {
                    Paging.Position p = new Paging.Position(TimeParam.micros(kv.value.getDetectedAt()), kv.value.getNode(), kv.key);
                    if (after == null || p.compareTo(after) > 0) {
                        matches.add(new Match(p, kv.key, kv.value));
                    }
                }
            }
        }
        matches.sort(java.util.Comparator.comparing(Match::position));
        for (int i = 0; i < matches.size() && i <= limit; i++) { // one past the limit: tells that more remain
            out.add(json(matches.get(i).id(), matches.get(i).anomaly()));
        }
        return out;
    }

    private record Match(Paging.Position position, String id, NatAnomaly anomaly) {}

    private void one(Request r, String id) throws IOException {
        int at = id.indexOf('@');
        int bar = id.indexOf('|');
        String store;
        HostInfo owner;
        if (at > 0 && (bar < 0 || at < bar)) {
            FlowKey key;
            try {
                key = FlowKey.parse(id.substring(0, at));
            } catch (IllegalArgumentException e) {
                throw new Replies.BadRequest("anomaly id '" + id + "': " + e.getMessage());
            }
            store = StoreNames.ANOMALIES;
            owner = r.local() ? null : cluster.remoteOwner(StoreNames.FLOWS, key, new FlowKeySerde().serializer());
        } else if (bar > 0) {
            store = StoreNames.NODE_ANOMALIES;
            owner = r.local() ? null : cluster.remoteOwner(StoreNames.NODE_ANOMALIES, id.substring(0, bar), new StringSerializer());
        } else {
            throw new Replies.BadRequest("'" + id + "' is not an anomaly id (flowkey@node or node|TYPE|time)");
        }
        if (owner != null) {
            cluster.forward(r, owner);
            return;
        }
        ReadOnlyKeyValueStore<String, NatAnomaly> s = cluster.store(store);
        NatAnomaly a = s.get(id);
        if (a == null) {
            Replies.send(r.exchange(), 404, Replies.error("no anomaly '" + id + "'"));
        } else {
            Replies.send(r.exchange(), 200, json(id, a));
        }
    }

    /** The anomaly as JSON with its id first. */
    static ObjectNode json(String id, NatAnomaly a) {
        ObjectNode o = AvroJson.MAPPER.createObjectNode().put("id", id);
        o.setAll(AvroJson.toJson(a));
        return o;
    }

    /** Oldest first, then by node, then id: the order of today's answers, made unique. */
    static Paging.Position position(JsonNode n) {
        return new Paging.Position(TimeParam.micros(n.path("detectedAt").asText()), n.path("node").asText(), n.path("id").asText());
    }
}
