package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.ctflow.avro.ServiceEntry;
import io.ctflow.streams.service.ServicesVersion;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class ServiceLookupTest {
    /** Entries stored as text: every get from the store decodes a new object, as the registry serde does. */
    static final Serde<ServiceEntry> ENTRIES = Serdes.serdeFrom(
            (topic, e) -> e == null ? null : e.getId().getBytes(java.nio.charset.StandardCharsets.UTF_8),
            (topic, b) -> b == null ? null : entry(new String(b, java.nio.charset.StandardCharsets.UTF_8)));

    static ServiceEntry entry(String id) {
        ServiceEntry e = new ServiceEntry();
        e.setId(id);
        e.setEndpoints(List.of());
        return e;
    }

    @Test
    void decodesEachServiceOnceUntilTheTableChanges() {
        KeyValueStore<String, ServiceEntry> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("services"), Serdes.String(), ENTRIES)
                .withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        ServicesVersion version = new ServicesVersion();
        ServiceLookup lookup = new ServiceLookup(version);
        lookup.init(store);
        store.put("tcp/10.96.0.10:80", entry("default/web"));

        ServiceEntry first = lookup.get("tcp/10.96.0.10:80");
        assertEquals("default/web", first.getId());
        assertSame(first, lookup.get("tcp/10.96.0.10:80"), "decoded once");
        assertNull(lookup.get("tcp/10.96.0.11:80"));

        store.put("tcp/10.96.0.10:80", entry("default/web2"));
        store.put("tcp/10.96.0.11:80", entry("default/db"));
        version.bump(); // the global thread, after its put
        ServiceEntry changed = lookup.get("tcp/10.96.0.10:80");
        assertNotSame(first, changed);
        assertEquals("default/web2", changed.getId());
        assertEquals("default/db", lookup.get("tcp/10.96.0.11:80").getId(), "a Service that was missing is seen once added");
    }
}
