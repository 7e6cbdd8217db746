package io.ctflow.streams.flow;

import io.ctflow.avro.ServiceEntry;
import io.ctflow.streams.service.ServicesVersion;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The Services table as the flow join reads it for each new connection: the global store holds
 * serialized entries, and decoding one per connection was a visible share of the stream thread.
 * Entries are decoded once and kept until the table changes ({@link ServicesVersion}, bumped by the
 * global thread after each put or delete, so a lookup that sees the new version sees the change).
 */
final class ServiceLookup {
    /** Bounds memory if the table is huge: the decoded entries are dropped and read again. */
    static final int MAX_ENTRIES = 65_536;
    private static final ServiceEntry NONE = new ServiceEntry();

    private final ServicesVersion version;
    private final Map<String, ServiceEntry> decoded = new HashMap<>();
    private KeyValueStore<String, ServiceEntry> services;
    private long seen;

    ServiceLookup(ServicesVersion version) {
        this.version = version;
    }

    void init(KeyValueStore<String, ServiceEntry> store) {
        this.services = store;
        decoded.clear();
        seen = version.get();
    }

    /** The Service at {@code key} (proto/vip:port), null when the table has none; callers must not change it. */
    ServiceEntry get(String key) {
        long v = version.get();
        if (v != seen) {
            decoded.clear();
            seen = v;
        }
        ServiceEntry e = decoded.get(key);
        if (e == null) {
            e = services.get(key);
            if (decoded.size() >= MAX_ENTRIES) {
                decoded.clear();
            }
            decoded.put(key, e == null ? NONE : e);
            return e;
        }
        return e == NONE ? null : e;
    }
}
