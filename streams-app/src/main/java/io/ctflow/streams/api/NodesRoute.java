package io.ctflow.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.Bridge;
import io.ctflow.avro.BridgePort;
import io.ctflow.avro.CpuStats;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.json.AvroJson;
import io.ctflow.streams.StoreNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /nodes} and {@code /nodes/{node}}: facts (global store), the last counter sample and
 * node anomalies (the node-stats task that owns the node), the latest heartbeat and lost-events
 * marker (every flow task sees every node's; this instance's newest). A node is answered by the
 * instance that owns its node-stats key, so a gathered list names each node once.
 */
final class NodesRoute implements Route {
    private static final String ONE = "/nodes/";
    private final Cluster cluster;

    NodesRoute(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public boolean matches(String rawPath) {
        return rawPath.equals("/nodes") || rawPath.startsWith(ONE);
    }

    @Override
    public void handle(Request r) throws IOException {
        if (r.rawPath().equals("/nodes")) {
            list(r);
        } else {
            one(r, r.tail(ONE));
        }
    }

    private void list(Request r) throws IOException {
        Local local = local();
        TreeSet<String> names = new TreeSet<>(local.facts().keySet());
        names.addAll(local.stats().keySet());
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        for (String node : names) {
            // the owner of the node's stats answers for it; a node another instance owns is theirs
            if (local.stats().containsKey(node) || cluster.remoteOwner(StoreNames.NODE_STATS_LAST, node, new StringSerializer()) == null) {
                byName.put(node, json(node, local));
            }
        }
        for (JsonNode n : cluster.others(r).items()) {
            String node = n.path("node").asText();
            JsonNode have = byName.get(node);
            if (have == null || have.path("stats").isNull() && !n.path("stats").isNull()) { // during a rebalance both may answer
                byName.put(node, n);
            }
        }
        ArrayNode out = AvroJson.MAPPER.createArrayNode();
        new TreeSet<>(byName.keySet()).forEach(n -> out.add(byName.get(n)));
        Replies.send(r.exchange(), 200, out);
    }

    private void one(Request r, String node) throws IOException {
        HostInfo owner = r.local() ? null : cluster.remoteOwner(StoreNames.NODE_STATS_LAST, node, new StringSerializer());
        if (owner != null) {
            cluster.forward(r, owner);
            return;
        }
        Local local = local();
        if (!local.facts().containsKey(node) && !local.stats().containsKey(node)) {
            Replies.send(r.exchange(), 404, Replies.error("no facts or stats from node '" + node + "'"));
            return;
        }
        Replies.send(r.exchange(), 200, json(node, local));
    }

    /** What this instance knows about nodes, read once per request. */
    private record Local(Map<String, NodeFacts> facts, Map<String, NodeStats> stats, Map<String, List<NatAnomaly>> open,
                         Map<String, List<String>> openIds, Map<String, Long> heartbeats, Map<String, Long> gaps) {}

    private Local local() {
        Map<String, NodeFacts> facts = all(cluster.store(StoreNames.NODE_FACTS_GLOBAL));
        Map<String, NodeStats> stats = all(cluster.storeIfAny(StoreNames.NODE_STATS_LAST));
        Map<String, List<NatAnomaly>> open = new LinkedHashMap<>();
        Map<String, List<String>> openIds = new LinkedHashMap<>();
        ReadOnlyKeyValueStore<String, NatAnomaly> anomalies = cluster.storeIfAny(StoreNames.NODE_ANOMALIES);
        if (anomalies != null) {
            try (KeyValueIterator<String, NatAnomaly> it = anomalies.all()) {
                while (it.hasNext()) {
                    KeyValue<String, NatAnomaly> kv = it.next();
                    if (kv.value != null && kv.value.getStatus() == AnomalyStatus.OPEN) {
                        open.computeIfAbsent(kv.value.getNode(), n -> new ArrayList<>()).add(kv.value);
                        openIds.computeIfAbsent(kv.value.getNode(), n -> new ArrayList<>()).add(kv.key);
                    }
                }
            }
        }
        return new Local(facts, stats, open, openIds, newest(StoreNames.NODE_HEARTBEATS), newest(StoreNames.NODE_GAPS));
    }

    private static <V> Map<String, V> all(ReadOnlyKeyValueStore<String, V> s) {
        Map<String, V> m = new LinkedHashMap<>();
        if (s != null) {
            try (KeyValueIterator<String, V> it = s.all()) {
                it.forEachRemaining(kv -> m.put(kv.key, kv.value));
            }
        }
        return m;
    }

    /** The newest time per node over every local task's part of a per-partition store (each task keeps its own). */
    private Map<String, Long> newest(String store) {
        Map<String, Long> m = new LinkedHashMap<>();
        ReadOnlyKeyValueStore<String, Long> s = cluster.storeIfAny(store);
        if (s != null) {
            try (KeyValueIterator<String, Long> it = s.all()) {
                it.forEachRemaining(kv -> m.merge(kv.key, kv.value, Math::max));
            }
        }
        return m;
    }

    private static ObjectNode json(String node, Local l) {
        NodeFacts f = l.facts().get(node);
        NodeStats s = l.stats().get(node);
        ObjectNode o = AvroJson.MAPPER.createObjectNode().put("node", node);
        o.put("bridgeNfCallIptables", f == null ? null : f.getSysctls().get("net.bridge.bridge-nf-call-iptables"));
        o.put("proxyMode", f == null ? null : f.getProxyMode());
        int ports = 0;
        int hairpin = 0;
        if (f != null) {
            for (Bridge b : f.getBridges()) {
                for (BridgePort p : b.getPorts()) {
                    ports++;
                    hairpin += p.getHairpinMode() ? 1 : 0;
                }
            }
        }
        o.put("bridgePorts", ports);
        o.put("hairpinPorts", hairpin);
        o.set("table", table(f, s));
        if (s == null) {
            o.putNull("stats");
        } else {
            o.putObject("stats").put("at", s.getTimestamp().toString()).put("lostEvents", s.getLostEvents()).put("gaps", s.getGaps())
                    .put("insertFailed", sum(s, CpuStats::getInsertFailed)).put("drop", sum(s, CpuStats::getDrop))
                    .put("earlyDrop", sum(s, CpuStats::getEarlyDrop));
        }
        time(o, "lastHeartbeat", l.heartbeats().get(node));
        time(o, "lastGap", l.gaps().get(node));
        ArrayNode open = o.putArray("openAnomalies");
        List<NatAnomaly> as = l.open().getOrDefault(node, List.of());
        List<String> ids = l.openIds().getOrDefault(node, List.of());
        for (int i = 0; i < as.size(); i++) {
            open.add(AnomaliesRoute.json(ids.get(i), as.get(i)));
        }
        o.set("facts", f == null ? AvroJson.MAPPER.nullNode() : AvroJson.toJson(f));
        return o;
    }

    /** count/max from the last sample; max from the facts' nf_conntrack_max when the sample lacks it. */
    private static ObjectNode table(NodeFacts f, NodeStats s) {
        Long count = s == null ? null : s.getCount();
        Long max = s == null ? null : s.getMax();
        if (max == null && f != null) {
            String m = f.getSysctls().get("net.netfilter.nf_conntrack_max");
            try {
                max = m == null ? null : Long.parseLong(m.trim());
            } catch (NumberFormatException e) {
                max = null;
            }
        }
        ObjectNode t = AvroJson.MAPPER.createObjectNode();
        t.put("count", count);
        t.put("max", max);
        if (count != null && max != null && max > 0) {
            t.put("use", (double) count / max);
        } else {
            t.putNull("use");
        }
        return t;
    }

    private static long sum(NodeStats s, ToLongFunction<CpuStats> f) {
        return s.getCpus().stream().mapToLong(f).sum();
    }

    private static void time(ObjectNode o, String field, Long micros) {
        if (micros == null) {
            o.putNull(field);
        } else {
            o.put(field, TimeParam.instant(micros).toString());
        }
    }
}
