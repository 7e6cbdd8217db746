package io.ctflow.streams.flow;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.state.CommitHook;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The flows store with the decoded states of the flows touched last in front of it, written back at
 * the commit. A connection's first events come together (NEW, SYN_RECV, ESTABLISHED within a
 * millisecond), and decoding, encoding and logging its state on each of them cost more than the
 * join: a flow changed several times between two commits is now written once, just before the
 * commit ({@link CommitHook}), so the changelog still holds every committed change. A changed flow
 * pushed out of the recent set is written at once; a scan of the store writes the changed ones
 * first. {@link #clear()} and {@link #discard()} drop everything decoded, so an aborted
 * transaction's changes cannot survive in memory.
 */
final class FlowCache implements CommitHook.Listener {
    /** More than the flows a commit interval touches at 100 k events/s, so a burst is written once. */
    static final int RECENT_FLOWS = 16_384;

    /** A flow as last seen: its state (null: none, or forgotten) and whether the store lacks that yet. */
    private static final class Slot {
        final FlowKey key;
        FlowState state;
        boolean dirty;

        Slot(FlowKey key, FlowState state) {
            this.key = key;
            this.state = state;
        }

        static Slot empty(FlowKey key) {
            return new Slot(key, null);
        }
    }

    private final KeyValueStore<FlowKey, FlowState> store;
    private final List<Slot> changed = new ArrayList<>();
    private final Map<FlowKey, Slot> recent = new LinkedHashMap<>(RECENT_FLOWS * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<FlowKey, Slot> eldest) {
            if (size() <= RECENT_FLOWS) {
                return false;
            }
            write(eldest.getValue());
            return true;
        }
    };

    private final Function<FlowKey, Slot> fromStore;

    FlowCache(KeyValueStore<FlowKey, FlowState> store) {
        this.store = store;
        this.fromStore = k -> new Slot(k, store.get(k));
    }

    FlowState load(FlowKey key) {
        return recent.computeIfAbsent(key, fromStore).state; // one lookup for a miss, not get then put
    }

    void save(FlowKey key, FlowState st) {
        change(key, st);
    }

    void forget(FlowKey key) {
        change(key, null);
    }

    private void change(FlowKey key, FlowState st) {
        Slot s = recent.computeIfAbsent(key, Slot::empty);
        s.state = st;
        if (!s.dirty) {
            s.dirty = true;
            changed.add(s);
        }
    }

    // A forgotten flow is written as put(key, null), the store's delete without its read: delete(key)
    // returns the old value, so Streams' RocksDB store and its metered layer read and decode it first.
    private void write(Slot s) {
        if (s.dirty) {
            store.put(s.key, s.state);
            s.dirty = false;
        }
    }

    /** Writes every flow changed since the last commit to the store, in the order they first changed. */
    @Override
    public void beforeCommit() {
        for (Slot s : changed) {
            write(s);
        }
        changed.clear();
    }

    @Override
    public void discard() {
        clear();
    }

    /** Every flow in the store (the changed ones written first), e.g. for rebuilding what is derived from it. */
    void forEachStored(BiConsumer<FlowKey, FlowState> action) {
        beforeCommit();
        try (KeyValueIterator<FlowKey, FlowState> it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                action.accept(kv.key, kv.value);
            }
        }
    }

    /** Changed flows not yet written (tests). */
    int unwritten() {
        int n = 0;
        for (Slot s : changed) {
            n += s.dirty ? 1 : 0;
        }
        return n;
    }

    void clear() {
        recent.clear();
        changed.clear();
    }
}
