package io.ctflow.streams.flow;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.state.CommitHook;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The flows store with the decoded states of the flows touched last in front of it, written back in
 * batches. A connection's first events come together (NEW, SYN_RECV, ESTABLISHED within a
 * millisecond), and decoding, encoding and logging its state on each of them cost more than the
 * join: a flow changed several times in a burst is now written once, in a batch with the flows
 * changed around it: every {@link #WRITE_BEHIND} changed flows, and the rest just before the commit
 * ({@link CommitHook}), so the changelog still holds every committed change. Changed flows pushed
 * out of the recent set (a generation dropped) are written at once, in one batch too; a scan of
 * the store writes the changed ones first. {@link #clear()} and {@link #discard()} drop everything decoded, so an aborted
 * transaction's changes cannot survive in memory.
 *
 * <p>The recent set is two generations of plain hash maps, not an access-ordered map: a flow seen
 * again moves to the young one, and when the young one is full the old one is dropped whole. With
 * more flows open than the set holds (production), nearly every flow leaves it, and an LRU map paid
 * a cold unlink and bucket walk for each (map work was 8.6 % of the stream thread, now 3.5 %); a
 * dropped generation costs one pass over the changes not yet written.
 *
 * <p>Its size is the task's share of {@code flow.decoded-memory} ({@link DecodedFlowsBudget}), in
 * bytes as {@link DecodedFlowSize} estimates them, so an unreplied flow holding evidence counts for
 * more than a healthy one. A connection's later events (TIME_WAIT, the DESTROY) come a connection
 * lifetime after its first ones, so a set smaller than the task's open flows saves the reads of a
 * burst only; one larger than them reads each flow from the store once (BENCHMARKS.md, seventh and
 * eighth rounds).
 *
 * <p>A flow the set lacks is read from the store unless {@link StoredKeys} knows the store lacks it
 * too, which is every connection's first event: it learns the stored keys from the first full scan
 * ({@link #forEachStored}, at init) and follows every write from then on.
 */
final class FlowCache implements CommitHook.Listener {
    /** A flow as last seen: its state (null: none, or forgotten), whether the store lacks that yet, and its generation. */
    private static final class Slot {
        final FlowKey key;
        FlowState state;
        boolean dirty;
        /** Finished with nothing left to judge: nothing reads it again but a straggler, so it leaves the set once written. */
        boolean settled;
        long generation;
        /** Its heap as last estimated ({@link DecodedFlowSize}). */
        int bytes;
        /** Whether the store holds the key now (kept exact, so {@link StoredKeys} stays exact). */
        boolean stored;

        Slot(FlowKey key, FlowState state) {
            this.key = key;
            this.state = state;
        }
    }

    /** The store's order: RocksDB compares keys bytewise, unsigned. */
    private static final Comparator<KeyValue<FlowKey, FlowState>> BY_STORED_KEY =
            (a, b) -> Arrays.compareUnsigned(a.key.rawBytes(), b.key.rawBytes());

    private final KeyValueStore<FlowKey, FlowState> store;
    private final DecodedFlowsBudget budget;
    private final StoredKeys storedKeys;
    /** Bytes per generation: half of the task's share, read again at each new generation (the tasks may have changed). */
    private long generationBytes;
    private long youngBytes;
    /** The dirty slots, each once: a slot is added as it becomes dirty and dropped as it is written. */
    private final List<Slot> changed = new ArrayList<>();
    /** Changes on their way to the store, written in one {@code putAll} (reused: it only grows to a commit's changes). */
    private final List<KeyValue<FlowKey, FlowState>> batch = new ArrayList<>();
    private HashMap<FlowKey, Slot> young = new HashMap<>();
    private HashMap<FlowKey, Slot> old = new HashMap<>();
    /**
     * Deletes of flows neither generation holds, until written: a quiet expiry's (a settled flow left
     * the set once written). Apart from the generations because it stays small (fewer than {@link #WRITE_BEHIND}):
     * such a slot used to be inserted into the young generation only to leave it at the commit, two
     * cold inserts and removes in a map of hundreds of thousands of flows per connection.
     */
    private final HashMap<FlowKey, Slot> leaving = new HashMap<>();
    /** Changed flows (slots made dirty) after which the changes are written without waiting for the commit. */
    static final int WRITE_BEHIND = 4_096;
    /** The generation of a leaving slot: none, older than any (a dropped generation writes them too). */
    private static final long LEAVING = Long.MIN_VALUE;
    private long generation;

    /** With 64 MiB, far more than any test's flows, whatever the heap (tests). */
    FlowCache(KeyValueStore<FlowKey, FlowState> store) {
        this(store, 64L << 20);
    }

    /** At most about {@code bytes} of flows decoded (at least half of that of the latest seen). */
    FlowCache(KeyValueStore<FlowKey, FlowState> store, long bytes) {
        this(store, new DecodedFlowsBudget(bytes));
    }

    /** The task's share of {@code budget} decoded. */
    FlowCache(KeyValueStore<FlowKey, FlowState> store, DecodedFlowsBudget budget) {
        this.store = store;
        this.budget = budget;
        this.generationBytes = budget.perTask() / 2;
        this.storedKeys = new StoredKeys(budget.perTask() / 8);
    }

    FlowState load(FlowKey key) {
        return slot(key, true).state;
    }

    void save(FlowKey key, FlowState st) {
        change(key, st, false);
    }

    /**
     * Saves a flow; a {@code settled} one (finished, nothing left to judge or count: its expiry only
     * deletes it, without a read) leaves the set once written, unless it changes again before.
     */
    void save(FlowKey key, FlowState st, boolean settled) {
        change(key, st, settled);
    }

    void forget(FlowKey key) {
        change(key, null, false);
    }

    private void change(FlowKey key, FlowState st, boolean settled) {
        Slot s = st == null ? leaving(key) : slot(key, false);
        s.state = st;
        s.settled = settled;
        int bytes = DecodedFlowSize.of(st); // views and evidence come and go between a load and its save
        if (s.generation == generation) { // not if slot() just made its generation the old one
            youngBytes += bytes - s.bytes;
        }
        s.bytes = bytes;
        if (!s.dirty) {
            s.dirty = true;
            changed.add(s);
            if (changed.size() >= WRITE_BEHIND) {
                writeChanged();
            }
        }
    }

    /** The flow's slot in the young generation: found there, moved up from the old one or from the leaving ones, or new (read from the store if {@code read}). */
    private Slot slot(FlowKey key, boolean read) {
        Slot s = young.get(key);
        if (s != null) {
            return s;
        }
        s = old.remove(key);
        if (s == null && !leaving.isEmpty()) {
            s = leaving.remove(key); // deleted, not yet written: back in the set, deleted still
        }
        if (s == null) {
            s = absent(key, read);
        }
        s.generation = generation;
        young.put(key, s);
        s.bytes = DecodedFlowSize.of(s.state);
        youngBytes += s.bytes;
        if (youngBytes >= generationBytes) {
            nextGeneration();
        }
        return s;
    }

    /** The slot of a flow to delete: the one the set holds, else a new one among the leaving ones (a changed one: written with the next batch). */
    private Slot leaving(FlowKey key) {
        Slot s = young.get(key);
        if (s == null) {
            s = old.get(key);
        }
        if (s == null) {
            s = leaving.get(key);
        }
        if (s == null) {
            s = absent(key, false);
            s.generation = LEAVING;
            leaving.put(key, s);
        }
        return s;
    }

    /**
     * A slot for a flow the set lacks. A read is skipped when the store certainly lacks it too (a
     * connection's NEW). Without a read, the flow is one that left the set once written, whose quiet
     * expiry now deletes it ({@link FlowDeadlines#fireDue}): the store holds it.
     */
    private Slot absent(FlowKey key, boolean read) {
        if (!storedKeys.mayHold(key)) {
            return new Slot(key, null);
        }
        Slot s = new Slot(key, read ? store.get(key) : null);
        s.stored = !read || s.state != null;
        return s;
    }

    /** The young generation becomes the old one; the old one is dropped, its changes written first. */
    private void nextGeneration() {
        long dropped = generation - 1;
        changed.removeIf(s -> {
            if (s.generation <= dropped) {
                stage(s);
                return true;
            }
            return false;
        });
        writeStaged();
        generation++;
        old = young;
        young = new HashMap<>(old.size() * 2);
        youngBytes = 0;
        generationBytes = budget.perTask() / 2;
    }

    // A forgotten flow is written as put(key, null), the store's delete without its read: delete(key)
    // returns the old value, so Streams' RocksDB store and its metered layer read and decode it first.
    // A forgotten or settled flow leaves the set once written: the store answers its key as well, and
    // nothing but a straggler reads it again (a settled flow's expiry deletes it without a read). Kept,
    // they outnumbered the open flows (20 k connections/s lingering 30 s each) in a map that misses
    // the caches and a live heap that G1 copies (BENCHMARKS.md, ninth round).
    private void stage(Slot s) {
        if (s.state != null || s.stored) { // a flow that came and went between two writes needs no delete
            batch.add(KeyValue.pair(s.key, s.state));
        }
        s.dirty = false;
        boolean stored = s.state != null;
        if (stored != s.stored) {
            if (stored) {
                storedKeys.added(s.key);
            } else {
                storedKeys.removed(s.key);
            }
            s.stored = stored;
        }
        if (s.state == null || s.settled) {
            leave(s);
        }
    }

    // One putAll, not a put per flow: Streams' RocksDB store writes the list as one WriteBatch (one
    // native write instead of thousands, each with its JNI crossing and write-group handshake), and
    // the changelog still gets every change. The commit's write-back was 38 % of the stream thread at
    // 1 M open flows (BENCHMARKS.md, tenth round). In key order: the memtable is a skip list whose
    // single writer starts each insert from where the last one went in, so sorted keys descend a few
    // levels instead of all of them from the top through nodes beyond the caches (the inserts were
    // 10 % of the stream thread, BENCHMARKS.md eleventh round). A batch holds a key once, and the
    // order of different keys means nothing to a restore.
    private void writeStaged() {
        if (batch.isEmpty()) {
            return;
        }
        try {
            batch.sort(BY_STORED_KEY);
            store.putAll(batch);
        } finally {
            batch.clear();
        }
    }

    private void leave(Slot s) {
        if (s.generation == LEAVING) {
            leaving.remove(s.key, s);
        } else if (young.remove(s.key, s)) { // Slot has identity equality: only this very slot leaves
            youngBytes -= s.bytes;
        } else {
            old.remove(s.key, s);
        }
    }

    /** Writes the changed flows not written yet (those of the last, partial batch) to the store, in one batch. */
    @Override
    public void beforeCommit() {
        writeChanged();
    }

    // Write-behind: a commit's changes used to be sent to the changelog all at once just before the
    // commit's producer flush, which then waited for all of them to reach the broker (11 % of the
    // stream thread's wall time at 1 M open flows, against 1 % for a pass-through; BENCHMARKS.md,
    // fourteenth round). Written every WRITE_BEHIND changes, they travel while the thread works on.
    // A connection's burst of events is over long before 4,096 other flows changed, so a flow is
    // still written about once per burst.
    private void writeChanged() {
        for (Slot s : changed) {
            stage(s);
        }
        changed.clear();
        writeStaged();
    }

    @Override
    public void discard() {
        clear();
    }

    /**
     * Every flow in the store (the changed ones written first), e.g. for rebuilding what is derived
     * from it. The first such scan also teaches {@link StoredKeys} which keys the store holds.
     */
    void forEachStored(BiConsumer<FlowKey, FlowState> action) {
        beforeCommit();
        boolean learn = !storedKeys.known();
        if (learn) {
            storedKeys.learn();
        }
        try (KeyValueIterator<FlowKey, FlowState> it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                if (learn) {
                    storedKeys.scanned(kv.key);
                }
                action.accept(kv.key, kv.value);
            }
        }
        if (learn) {
            storedKeys.learned();
        }
    }

    /** Whether reads of flows the store lacks are skipped (tests). */
    boolean knowsStoredKeys() {
        return storedKeys.known();
    }

    /** Changed flows not yet written (tests). */
    int unwritten() {
        return changed.size();
    }

    /** Decoded flows held now (tests). */
    int decoded() {
        return young.size() + old.size() + leaving.size();
    }

    void clear() {
        storedKeys.forget();
        batch.clear();
        young.clear();
        old.clear();
        leaving.clear();
        changed.clear();
        youngBytes = 0;
    }
}
