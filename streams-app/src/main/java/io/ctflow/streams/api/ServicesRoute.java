package io.ctflow.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.ServiceStats;
import io.ctflow.json.AvroJson;
import io.ctflow.streams.StoreNames;
import io.ctflow.streams.stats.ServiceHistory;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /services} (latest window of each, or every kept window in [from, to)),
 * {@code /services/{id}} (latest), {@code /services/{id}/history} and {@code /services/{id}/backends}.
 * A Service's windows live in the stats task that owns its id; its dataplane entries in the global
 * services store every instance holds.
 */
final class ServicesRoute implements Route {
    private static final String ONE = "/services/";
    private static final String HISTORY = "/history";
    private static final String BACKENDS = "/backends";
    private final Cluster cluster;

    ServicesRoute(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public boolean matches(String rawPath) {
        return rawPath.equals("/services") || rawPath.startsWith(ONE);
    }

    @Override
    public void handle(Request r) throws IOException {
        String p = r.rawPath();
        if (p.equals("/services")) {
            if (r.param("from") != null || r.param("to") != null) {
                range(r);
            } else {
                latest(r);
            }
        } else if (p.endsWith(HISTORY) && p.length() > ONE.length() + HISTORY.length()) {
            history(r, Request.decode(p.substring(ONE.length(), p.length() - HISTORY.length())));
        } else if (p.endsWith(BACKENDS) && p.length() > ONE.length() + BACKENDS.length()) {
            backends(r, Request.decode(p.substring(ONE.length(), p.length() - BACKENDS.length())));
        } else {
            one(r, r.tail(ONE));
        }
    }

    private void latest(Request r) throws IOException {
        List<JsonNode> items = new ArrayList<>();
        ReadOnlyKeyValueStore<String, ServiceStats> s = cluster.storeIfAny(StoreNames.SERVICE_LATEST);
        if (s != null) {
            try (KeyValueIterator<String, ServiceStats> it = s.all()) {
                it.forEachRemaining(kv -> items.add(AvroJson.toJson(kv.value)));
            }
        }
        items.addAll(cluster.others(r).items());
        items.sort(Comparator.comparing(n -> n.path("service").asText()));
        Replies.send(r.exchange(), 200, AvroJson.MAPPER.createArrayNode().addAll(items));
    }

    /** Every kept window of every Service starting in [from, to), by start then Service, paged. */
    private void range(Request r) throws IOException {
        long from = TimeParam.micros(TimeParam.parse(r, "from", Instant.EPOCH));
        long to = TimeParam.micros(TimeParam.parse(r, "to", Instant.MAX));
        int limit = Paging.limit(r);
        Paging.Position after = Paging.after(r);
        List<Window> mine = new ArrayList<>();
        ReadOnlyKeyValueStore<String, ServiceStats> s = cluster.storeIfAny(StoreNames.SERVICE_HISTORY);
        if (s != null) {
            try (KeyValueIterator<String, ServiceStats> it = s.all()) {
                while (it.hasNext()) {
                    KeyValue<String, ServiceStats> kv = it.next();
                    long start = TimeParam.micros(kv.value.getWindowStart());
                    Paging.Position p = new Paging.Position(start, kv.value.getService(), "");
                    if (start >= from && start < to && (after == null || p.compareTo(after) > 0)) {
                        mine.add(new Window(p, kv.value));
                    }
                }
            }
        }
        Cluster.Gathered others = cluster.others(r);
        sendPage(r, mine, others, after, limit);
    }

    /** One Service's kept windows starting in [from, to), ascending: a range scan of its keys, on its owner. */
    private void history(Request r, String id) throws IOException {
        HostInfo owner = r.local() ? null : cluster.remoteOwner(StoreNames.SERVICE_HISTORY, id, new StringSerializer());
        if (owner != null) {
            cluster.forward(r, owner);
            return;
        }
        long from = TimeParam.micros(TimeParam.parse(r, "from", Instant.EPOCH));
        long to = TimeParam.micros(TimeParam.parse(r, "to", Instant.MAX));
        int limit = Paging.limit(r);
        Paging.Position after = Paging.after(r);
        if (after != null) {
            from = Math.max(from, after.time() + 1); // one window per start in one Service's history
        }
        List<Window> mine = new ArrayList<>();
        ReadOnlyKeyValueStore<String, ServiceStats> s = cluster.storeIfAny(StoreNames.SERVICE_HISTORY);
        if (s != null && from < to) {
            try (KeyValueIterator<String, ServiceStats> it = s.range(ServiceHistory.from(id, from), ServiceHistory.before(id, to))) {
                while (it.hasNext() && mine.size() <= limit) {
                    ServiceStats w = it.next().value;
                    mine.add(new Window(new Paging.Position(TimeParam.micros(w.getWindowStart()), w.getService(), ""), w));
                }
            }
        }
        sendPage(r, mine, new Cluster.Gathered(List.of(), false, List.of()), null, limit);
    }

    private static void sendPage(Request r, List<Window> mine, Cluster.Gathered others, Paging.Position after, int limit) throws IOException {
        mine.sort(Comparator.comparing(Window::position));
        List<JsonNode> items = new ArrayList<>();
        for (int i = 0; i < mine.size() && i <= limit; i++) { // one past the limit: tells that more remain
            items.add(AvroJson.toJson(mine.get(i).stats()));
        }
        items.addAll(others.items());
        Paging.Page page = Paging.page(items, ServicesRoute::position, after, limit, others.more());
        Paging.link(r, page);
        Replies.send(r.exchange(), 200, AvroJson.MAPPER.createArrayNode().addAll(page.items()));
    }

    private void one(Request r, String id) throws IOException {
        HostInfo owner = r.local() ? null : cluster.remoteOwner(StoreNames.SERVICE_LATEST, id, new StringSerializer());
        if (owner != null) {
            cluster.forward(r, owner);
            return;
        }
        ServiceStats s = cluster.<String, ServiceStats>store(StoreNames.SERVICE_LATEST).get(id);
        if (s == null) {
            Replies.send(r.exchange(), 404, Replies.error("no stats for Service '" + id + "' yet"));
        } else {
            Replies.send(r.exchange(), 200, AvroJson.toJson(s));
        }
    }

    /** The dataplane entries (VIP:port) that carry this Service id, from the global store: no forwarding. */
    private void backends(Request r, String id) throws IOException {
        ArrayNode entries = AvroJson.MAPPER.createArrayNode();
        ReadOnlyKeyValueStore<String, ServiceEntry> s = cluster.store(StoreNames.SERVICES_GLOBAL);
        try (KeyValueIterator<String, ServiceEntry> it = s.all()) {
            while (it.hasNext()) {
                KeyValue<String, ServiceEntry> kv = it.next();
                if (kv.value != null && id.equals(kv.value.getId())) {
                    ObjectNode e = AvroJson.MAPPER.createObjectNode().put("key", kv.key);
                    e.setAll(AvroJson.toJson(kv.value));
                    entries.add(e);
                }
            }
        }
        if (entries.isEmpty()) {
            Replies.send(r.exchange(), 404, Replies.error("the dataplane has no entry for Service '" + id + "'"));
            return;
        }
        ObjectNode o = AvroJson.MAPPER.createObjectNode().put("service", id);
        o.set("entries", entries);
        Replies.send(r.exchange(), 200, o);
    }

    static Paging.Position position(JsonNode n) {
        return new Paging.Position(TimeParam.micros(n.path("windowStart").asText()), n.path("service").asText(), "");
    }

    private record Window(Paging.Position position, ServiceStats stats) {}
}
