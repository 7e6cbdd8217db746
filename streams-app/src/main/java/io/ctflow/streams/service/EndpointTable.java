package io.ctflow.streams.service;

import io.ctflow.avro.Endpoint;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.net.Addresses;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One task's copy of every Service's endpoints (by topic key {@code proto/vip:port}, endpoints as
 * {@code addr:port}), to tell what a change of the Services table removed. The table is read again
 * only when {@link ServicesVersion} moved: endpoint changes are rare, and the table is small next to
 * the flows.
 */
public final class EndpointTable {
    /** What one look at a changed table found. */
    public record Change(Map<String, Set<String>> removed, Map<String, ServiceEntry> withoutEndpoints, boolean first) {}

    private final ServicesVersion version;
    private Map<String, Set<String>> endpoints = new HashMap<>();
    private long seen = -1;

    public EndpointTable(ServicesVersion version) {
        this.version = version;
    }

    /**
     * Null when the table did not change since the last call. The first call only learns the table
     * (nothing was removed that this task saw): {@code first} says so.
     */
    public Change changes(KeyValueStore<String, ServiceEntry> services) {
        long now = version.get();
        if (now == seen) {
            return null;
        }
        boolean first = seen < 0;
        seen = now;
        Map<String, Set<String>> current = new HashMap<>(Math.max(16, endpoints.size() * 2));
        Map<String, ServiceEntry> empty = new HashMap<>();
        try (KeyValueIterator<String, ServiceEntry> it = services.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                Set<String> eps = new HashSet<>();
                for (Endpoint e : kv.value.getEndpoints()) {
                    eps.add(Addresses.withPort(Addresses.bytes(e.getAddress()), e.getPort()));
                }
                current.put(kv.key, eps);
                if (eps.isEmpty()) {
                    empty.put(kv.key, kv.value);
                }
            }
        }
        Map<String, Set<String>> removed = new HashMap<>();
        if (!first) {
            for (Map.Entry<String, Set<String>> before : endpoints.entrySet()) {
                Set<String> after = current.getOrDefault(before.getKey(), Set.of()); // a deleted Service removed them all
                Set<String> gone = new HashSet<>(before.getValue());
                gone.removeAll(after);
                if (!gone.isEmpty()) {
                    removed.put(before.getKey(), gone);
                }
            }
        }
        endpoints = current;
        return new Change(removed, empty, first);
    }

    /** Whether the Service (topic key) currently lists the endpoint {@code addr:port}. */
    public boolean lists(String serviceKey, String endpoint) {
        Set<String> eps = endpoints.get(serviceKey);
        return eps != null && eps.contains(endpoint);
    }
}
