package io.ctflow.streams.flow;

import com.carrotsearch.hppc.IntIntHashMap;
import io.ctflow.flow.FlowKey;

/**
 * Which flow keys the flows store holds, counted by hash: a key whose hash it does not count is
 * certainly not stored. Every connection's first event (its NEW) is for a key the store lacks, and
 * the store could only say so with a read that probes the memtable and a filter per SST file (8 % of
 * the stream thread at 1 M open flows, BENCHMARKS.md eleventh round); this answers from memory.
 *
 * <p>It knows nothing until it has {@link #learn learned} the store from a full scan (the one
 * {@link FlowJoinProcessor#init} does to rebuild the timers); until then, and after it outgrew its
 * share of memory, {@link #mayHold} says yes to every key and the store is read as before. It is
 * kept exact by {@link FlowCache}, which writes every flow and knows, for each one it writes,
 * whether the store held it before ({@link #added}, {@link #removed}). Hashes that collide only
 * cost a read: a count is never taken below what the store holds.
 */
final class StoredKeys {
    /** About what a counted key costs in the map (an int key and an int count, at most ~0.75 full, doubling). */
    static final int BYTES_PER_KEY = 16;

    private final long maxKeys;
    private IntIntHashMap counts = new IntIntHashMap();
    private boolean known;
    private boolean learning;

    /** At most {@code maxBytes} of counts; beyond that it forgets and every key may be stored. */
    StoredKeys(long maxBytes) {
        this.maxKeys = Math.max(1, maxBytes / BYTES_PER_KEY);
    }

    /** False only when the store certainly lacks {@code key}. */
    boolean mayHold(FlowKey key) {
        return !known || counts.containsKey(key.hashCode());
    }

    /** Whether it answers from what it learned (tests, metrics). */
    boolean known() {
        return known;
    }

    /** Starts learning from a full scan of the store: {@link #scanned} for each key, then {@link #learned}. */
    void learn() {
        counts.clear();
        known = false;
        learning = true;
    }

    void scanned(FlowKey key) {
        if (learning) {
            count(key);
        }
    }

    /** The scan saw every stored key: from now on it answers. */
    void learned() {
        if (learning) {
            learning = false;
            known = true;
        }
    }

    /** The store now holds {@code key}, which it did not. */
    void added(FlowKey key) {
        if (known || learning) {
            count(key);
        }
    }

    /** The store no longer holds {@code key}, which it did. */
    void removed(FlowKey key) {
        if (!known && !learning) {
            return;
        }
        int i = counts.indexOf(key.hashCode());
        if (i < 0) {
            return; // learning, and the scan has not reached it: it will not either (it is gone)
        }
        int n = counts.indexGet(i);
        if (n <= 1) {
            counts.indexRemove(i);
        } else {
            counts.indexReplace(i, n - 1);
        }
    }

    /** Forgets everything: every key may be stored until it learns again. */
    void forget() {
        counts = new IntIntHashMap();
        known = false;
        learning = false;
    }

    /** Distinct hashes counted (tests). */
    int size() {
        return counts.size();
    }

    private void count(FlowKey key) {
        counts.addTo(key.hashCode(), 1);
        if (counts.size() > maxKeys) {
            forget(); // more flows stored than its share of memory counts: reads answer instead
        }
    }
}
