package io.ctflow.streams.flow;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.flow.FlowKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The flows store with the decoded states of the flows touched last in front of it: a connection's
 * events come close together, and decoding its state on each of them cost more than the join. The
 * store stays the truth: every change is written to it at once (changelog, exactly-once unaffected),
 * and {@link #clear()} drops the decoded copies when the task is (re)initialised, so an aborted
 * transaction's state cannot survive in memory.
 */
final class FlowCache {
    private static final int RECENT_FLOWS = 4096;
    private final KeyValueStore<FlowKey, FlowState> store;
    private final Map<FlowKey, FlowState> recent = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<FlowKey, FlowState> eldest) {
            return size() > RECENT_FLOWS;
        }
    };

    FlowCache(KeyValueStore<FlowKey, FlowState> store) {
        this.store = store;
    }

    FlowState load(FlowKey key) {
        FlowState st = recent.get(key);
        if (st == null) {
            st = store.get(key);
            if (st != null) {
                recent.put(key, st);
            }
        }
        return st;
    }

    void save(FlowKey key, FlowState st) {
        store.put(key, st);
        recent.put(key, st);
    }

    void forget(FlowKey key) {
        store.delete(key);
        recent.remove(key);
    }

    /** Every flow in the store (the task's restored state), for rebuilding what is derived from it. */
    void forEachStored(java.util.function.BiConsumer<FlowKey, FlowState> action) {
        try (org.apache.kafka.streams.state.KeyValueIterator<FlowKey, FlowState> it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                action.accept(kv.key, kv.value);
            }
        }
    }

    void clear() {
        recent.clear();
    }
}
