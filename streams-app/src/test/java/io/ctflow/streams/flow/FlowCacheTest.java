package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.flow.FlowKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FlowCacheTest {
    static final FlowKey KEY = FlowKey.parse("tcp,10.244.2.9:8080,10.244.1.2:40000");
    private KeyValueStore<FlowKey, FlowState> store;
    private FlowCache flows;

    @BeforeEach
    void store() {
        MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>();
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("flows"), new io.ctflow.flow.FlowKeySerde(), new FlowStateSerde())
                .withLoggingDisabled().build();
        store.init(ctx.getStateStoreContext(), store);
        flows = new FlowCache(store, SMALL);
    }

    /** The smallest budget: a few thousand flows, so a test can push one out quickly. */
    static final long SMALL = DecodedFlowsBudget.MIN_PER_TASK;
    /** Reads of flows the store lacks that fill both generations of a set of {@code bytes}. */
    static int absentFilling(long bytes) {
        return (int) (bytes / DecodedFlowSize.ABSENT) + 1;
    }

    static FlowState flow(long lastSeen) {
        return AdmissionTest.flow(AdmissionTest.view("node1", 1, lastSeen, false));
    }

    static FlowKey key(int i) {
        return FlowKey.parse("tcp,10.244." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + ":" + (1024 + (i & 0xff)) + ",10.244.1.2:40000");
    }

    @Test
    void aFlowChangedThreeTimesIsWrittenOnceAtTheCommitAsItIsThen() {
        FlowState st = flow(1);
        flows.save(KEY, st);
        st.getViews().get(0).setLastSeen(2);
        flows.save(KEY, st);
        st.getViews().get(0).setLastSeen(3);
        flows.save(KEY, st);
        assertNull(store.get(KEY), "nothing written before the commit");
        assertSame(st, flows.load(KEY), "the change is seen at once");
        assertEquals(1, flows.unwritten());

        flows.beforeCommit();
        assertEquals(3, store.get(KEY).getViews().get(0).getLastSeen());
        assertEquals(0, flows.unwritten());
    }

    @Test
    void aForgottenFlowIsDeletedAtTheCommit() {
        flows.save(KEY, flow(1));
        flows.beforeCommit();
        flows.forget(KEY);
        assertNull(flows.load(KEY));
        assertEquals(1, store.get(KEY).getViews().get(0).getLastSeen(), "still stored until the commit");
        flows.beforeCommit();
        assertNull(store.get(KEY));
    }

    @Test
    void aSettledFlowLeavesTheSetOnceWrittenUnlessItChangesFirst() {
        FlowKey other = key(1);
        flows.save(KEY, flow(1), true);
        flows.save(other, flow(1), true);
        flows.save(other, flow(2)); // a straggler changed it before the commit: no longer settled
        flows.beforeCommit();
        assertEquals(1, flows.decoded(), "the settled one left, the changed one stays");
        assertEquals(1, store.get(KEY).getViews().get(0).getLastSeen(), "written before it left");
        FlowState back = flows.load(KEY);
        assertEquals(1, back.getViews().get(0).getLastSeen(), "a straggler reads it from the store");
        assertEquals(2, flows.load(other).getViews().get(0).getLastSeen());
    }

    @Test
    void aForgottenFlowLeavesTheSetOnceWrittenAndTheOthersStay() {
        FlowKey other = key(1);
        flows.save(KEY, flow(1));
        flows.save(other, flow(1));
        flows.forget(KEY);
        assertEquals(2, flows.decoded(), "held until written: the store still has nothing, the set says it is gone");
        flows.beforeCommit();
        assertEquals(1, flows.decoded(), "only the open flow stays decoded");
        assertNull(flows.load(KEY), "its key is the store's again, which has it deleted");
        assertEquals(1, flows.load(other).getViews().get(0).getLastSeen());
    }

    @Test
    void theCommitWritesTheChangedFlowsAndDeletesWithoutReading() {
        flows.save(KEY, flow(1));
        flows.beforeCommit();
        List<String> calls = new ArrayList<>();
        FlowCache cache = new FlowCache(recording(store, calls));
        cache.forget(KEY); // known to be finished: no need to read it
        cache.save(key(1), flow(2));
        cache.save(key(2), flow(3));
        cache.beforeCommit();
        assertEquals(List.of("putAll[" + key(1) + ", " + key(2) + ", KEY=null]"), calls,
                "one batch in the store's key order (bytewise); no get, and no delete (which reads the old value first)");
        assertNull(store.get(KEY));
        assertEquals(3, store.get(key(2)).getViews().get(0).getLastSeen());
        calls.clear();
        cache.beforeCommit();
        assertEquals(List.of(), calls, "nothing changed: nothing written");
    }

    /** The store, with every call on it noted in {@code calls} (a batch as its keys, {@code KEY} for {@link #KEY}, {@code =null} for a delete). */
    @SuppressWarnings("unchecked")
    static KeyValueStore<FlowKey, FlowState> recording(KeyValueStore<FlowKey, FlowState> store, List<String> calls) {
        return (KeyValueStore<FlowKey, FlowState>) java.lang.reflect.Proxy.newProxyInstance(
                FlowCacheTest.class.getClassLoader(), new Class<?>[] {KeyValueStore.class}, (proxy, m, args) -> {
                    if (m.getName().equals("putAll")) {
                        List<String> entries = new ArrayList<>();
                        for (Object o : (List<?>) args[0]) {
                            var kv = (org.apache.kafka.streams.KeyValue<?, ?>) o;
                            entries.add((kv.key == KEY ? "KEY" : kv.key) + (kv.value == null ? "=null" : ""));
                        }
                        calls.add("putAll" + entries);
                    } else {
                        calls.add(m.getName() + (args != null && args.length == 2 && args[1] == null ? "(null)" : ""));
                    }
                    try {
                        return m.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void quietDeletesOfFlowsTheSetLetGoAreHeldApartUntilTheCommitOrUntilTheyAreMany() {
        int n = FlowCache.WRITE_BEHIND + 11;
        for (int i = 0; i < n; i++) {
            store.put(key(i), flow(i));
        }
        FlowCache cache = new FlowCache(store, SMALL);
        for (int i = 0; i < 10; i++) {
            cache.forget(key(i)); // quiet expiries: deleted without a read
        }
        assertEquals(10, cache.decoded());
        assertEquals(0, store.get(key(0)).getViews().get(0).getLastSeen(), "not written before the commit");
        assertNull(cache.load(key(0)), "but deleted for the flow join at once");
        cache.save(key(1), flow(77)); // the tuple reused by a new connection before the commit
        cache.beforeCommit();
        assertNull(store.get(key(0)));
        assertEquals(77, store.get(key(1)).getViews().get(0).getLastSeen());
        assertNull(store.get(key(2)));
        assertEquals(1, cache.decoded(), "the deletes left once written; the new flow stays");

        for (int i = 10; i < n; i++) { // one more than WRITE_BEHIND
            cache.forget(key(i));
        }
        assertNull(store.get(key(10)), "WRITE_BEHIND deletes are written at once, before the commit");
        assertNull(store.get(key(n - 2)));
        assertEquals(n - 1, store.get(key(n - 1)).getViews().get(0).getLastSeen(), "the one past them waits for the commit");
        assertNull(cache.load(key(n - 1)));
        assertEquals(2, cache.decoded());
        cache.beforeCommit();
        assertNull(store.get(key(n - 1)));
    }

    @Test
    void everyWriteBehindChangedFlowsAreWrittenInOneBatchWithoutWaitingForTheCommit() {
        List<String> calls = new ArrayList<>();
        FlowCache cache = new FlowCache(recording(store, calls));
        int n = 2 * FlowCache.WRITE_BEHIND + 5;
        for (int i = 0; i < n; i++) {
            cache.save(key(i), flow(i));
            if (i == 0) {
                cache.save(key(i), flow(-1)); // changed again: still one changed flow
            }
        }
        assertEquals(List.of(FlowCache.WRITE_BEHIND, FlowCache.WRITE_BEHIND), batchSizes(calls), "two full batches, nothing else");
        assertEquals(-1, store.get(key(0)).getViews().get(0).getLastSeen(), "written as it was last");
        assertEquals(2 * FlowCache.WRITE_BEHIND - 1, store.get(key(2 * FlowCache.WRITE_BEHIND - 1)).getViews().get(0).getLastSeen());
        assertNull(store.get(key(2 * FlowCache.WRITE_BEHIND)), "the rest wait for the commit");
        assertEquals(5, cache.unwritten());
        cache.beforeCommit();
        assertEquals(List.of(FlowCache.WRITE_BEHIND, FlowCache.WRITE_BEHIND, 5), batchSizes(calls));
        assertEquals(n - 1, store.get(key(n - 1)).getViews().get(0).getLastSeen());
        assertEquals(0, cache.unwritten());
    }

    /** The size of each {@code putAll} among {@code calls}; an empty list if any other call was made. */
    private static List<Integer> batchSizes(List<String> calls) {
        List<Integer> sizes = new ArrayList<>();
        for (String c : calls) {
            if (!c.startsWith("putAll[")) {
                return List.of();
            }
            sizes.add(c.split(", ").length);
        }
        return sizes;
    }

    @Test
    void aFlowThatCameAndWentBetweenTwoWritesIsNeverWritten() {
        store.put(KEY, flow(1));
        List<String> calls = new ArrayList<>();
        FlowCache cache = new FlowCache(recording(store, calls), SMALL);
        cache.forEachStored((k, st) -> { }); // now it knows what the store holds
        calls.clear();
        assertNull(cache.load(key(1)));
        cache.save(key(1), flow(2));
        cache.forget(key(1));
        cache.forget(KEY);
        cache.beforeCommit();
        assertEquals(List.of("putAll[KEY=null]"), calls, "no read of the new flow, no delete of what the store never held");
    }

    @Test
    void aChangedFlowPushedOutOfTheRecentSetIsWrittenAtOnce() {
        flows.save(KEY, flow(7));
        for (int i = 0; i < absentFilling(SMALL); i++) {
            flows.load(key(i)); // other flows, read: the first one becomes the eldest
        }
        assertEquals(7, store.get(KEY).getViews().get(0).getLastSeen(), "written when it left the recent set");
        assertEquals(7, flows.load(KEY).getViews().get(0).getLastSeen(), "and read back from the store");
        assertEquals(0, flows.unwritten());
    }

    @Test
    void aLargerSetKeepsEveryFlowItHoldsDecodedAndReadsEachFromTheStoreOnce() {
        int open = 49_152;
        for (int i = 0; i < open; i++) {
            store.put(key(i), flow(i));
        }
        AtomicInteger gets = new AtomicInteger();
        long oneFlow = DecodedFlowSize.of(flow(0));
        FlowCache all = new FlowCache(FlowDeadlinesTest.counting(store, gets), 2 * (open + 1) * oneFlow); // a generation holds every open flow
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < open; i++) {
                assertEquals(i, all.load(key(i)).getViews().get(0).getLastSeen());
            }
        }
        assertEquals(open, gets.get(), "each flow read once, then kept decoded through three passes over all of them");

        gets.set(0);
        FlowCache small = new FlowCache(FlowDeadlinesTest.counting(store, gets), SMALL); // ~2,700 of them
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < open; i++) {
                small.load(key(i));
            }
        }
        assertEquals(2 * open, gets.get(), "a set smaller than the open flows reads every flow again on each pass");
    }

    @Test
    void aFlowSeenAgainStaysDecodedHoweverManyOthersPass() {
        flows.save(KEY, flow(7));
        flows.beforeCommit();
        store.put(KEY, flow(99)); // behind the cache's back: a load that reads the store would see it
        for (int i = 0; i < 4 * absentFilling(SMALL); i++) {
            flows.load(key(i));
            if (i % 1000 == 0) {
                assertEquals(7, flows.load(KEY).getViews().get(0).getLastSeen(), "still the decoded one after " + i);
            }
        }
    }

    @Test
    void aChangedFlowSeenAgainIsWrittenOnlyAtTheCommit() {
        flows.save(KEY, flow(7));
        for (int i = 0; i < absentFilling(SMALL); i++) {
            flows.load(key(i));
            if (i % 1000 == 0) {
                flows.load(KEY);
            }
        }
        assertNull(store.get(KEY), "kept in memory while it is being used");
        assertEquals(1, flows.unwritten());
        flows.beforeCommit();
        assertEquals(7, store.get(KEY).getViews().get(0).getLastSeen());
        assertEquals(0, flows.unwritten());
    }

    @Test
    void aScanSeesTheChangesNotYetCommitted() {
        flows.save(KEY, flow(5));
        List<Long> seen = new ArrayList<>();
        flows.forEachStored((k, st) -> seen.add(st.getViews().get(0).getLastSeen()));
        assertEquals(List.of(5L), seen);
    }

    @Test
    void onceAScanTaughtItTheStoredKeysANewFlowsLoadReadsNothing() {
        for (int i = 0; i < 10; i++) {
            store.put(key(i), flow(i));
        }
        AtomicInteger gets = new AtomicInteger();
        FlowCache cache = new FlowCache(FlowDeadlinesTest.counting(store, gets), SMALL);
        assertNull(cache.load(key(100)));
        assertEquals(1, gets.get(), "before any scan a flow the set lacks is read");
        cache.forEachStored((k, st) -> { });
        assertTrue(cache.knowsStoredKeys());

        gets.set(0);
        assertNull(cache.load(key(101)));
        assertEquals(0, gets.get(), "the store certainly lacks it: no read");
        assertEquals(5, cache.load(key(5)).getViews().get(0).getLastSeen());
        assertEquals(1, gets.get(), "a stored flow is still read");

        cache.save(key(101), flow(42), true);
        cache.beforeCommit(); // written, and settled: it leaves the set
        assertEquals(42, cache.load(key(101)).getViews().get(0).getLastSeen());
        assertEquals(2, gets.get(), "a new flow once written is read back from the store");
        cache.forget(key(101));
        cache.beforeCommit();
        assertNull(cache.load(key(101)));
        assertEquals(2, gets.get(), "deleted: certainly absent again");

        cache.save(key(102), flow(43), true);
        cache.beforeCommit();
        cache.forget(key(102)); // its quiet expiry: deleted without a read, from outside the set
        cache.beforeCommit();
        assertNull(store.get(key(102)));
        assertNull(cache.load(key(102)));
        assertEquals(2, gets.get(), "the quiet delete counted too");

        cache.clear(); // an aborted transaction: it knows nothing any more
        assertNull(cache.load(key(103)));
        assertEquals(3, gets.get());
        assertFalse(cache.knowsStoredKeys());
    }

    @Test
    void withTheStoredKeysKnownEveryLoadStillSeesWhatTheStoreHolds() {
        FlowKey[] same = StoredKeysTest.colliding();
        List<FlowKey> keys = new ArrayList<>();
        for (int i = 0; i < 4_000; i++) {
            keys.add(key(i));
        }
        keys.add(same[0]);
        keys.add(same[1]);
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        java.util.Map<FlowKey, Long> model = new java.util.HashMap<>();
        for (FlowKey k : keys) {
            if (r.nextBoolean()) {
                store.put(k, flow(1));
                model.put(k, 1L);
            }
        }
        AtomicInteger gets = new AtomicInteger();
        FlowCache cache = new FlowCache(FlowDeadlinesTest.counting(store, gets), SMALL); // ~2,700 flows: generations drop
        cache.forEachStored((k, st) -> { });
        java.util.Set<FlowKey> settled = new java.util.HashSet<>();
        int absentLoads = 0;
        int needlessReads = 0;
        for (int n = 0; n < 300_000; n++) {
            FlowKey k = keys.get(r.nextInt(keys.size()));
            int op = r.nextInt(10);
            if (op < 6) { // an event: read, then changed, forgotten or left as it was
                boolean storeLacks = store.get(k) == null;
                int before = gets.get();
                FlowState st = cache.load(k);
                if (storeLacks) {
                    absentLoads++;
                    if (gets.get() > before && k != same[0] && k != same[1]) {
                        needlessReads++;
                    }
                }
                assertEquals(model.get(k), st == null ? null : st.getViews().get(0).getLastSeen(), "load " + n + " of " + k);
                int change = r.nextInt(4);
                if (change == 0) {
                    cache.forget(k);
                    model.remove(k);
                    settled.remove(k);
                } else if (change == 1) {
                    boolean done = r.nextBoolean();
                    cache.save(k, flow(n), done);
                    model.put(k, (long) n);
                    if (done) {
                        settled.add(k);
                    } else {
                        settled.remove(k);
                    }
                }
            } else if (op == 6 && settled.remove(k)) { // its quiet expiry: deleted without a read
                cache.forget(k);
                model.remove(k);
            } else if (op == 7) {
                cache.beforeCommit();
            }
        }
        cache.beforeCommit();
        for (FlowKey k : keys) {
            FlowState st = store.get(k);
            assertEquals(model.get(k), st == null ? null : st.getViews().get(0).getLastSeen(), "stored " + k);
        }
        assertTrue(absentLoads > 10_000, absentLoads + " loads of flows the store lacked");
        assertEquals(0, needlessReads, "no read of a flow the store lacked, but for keys sharing a hash");
    }

    @Test
    void anUnrepliedFlowsEvidenceCountsAgainstTheBudget() {
        FlowState healthy = flow(1);
        FlowState unreplied = flow(1);
        for (int i = 0; i < FlowViews.MAX_EVIDENCE; i++) {
            FlowViews.addEvidence(unreplied.getViews().get(0), FlowStateSerdeTest.event(new java.util.SplittableRandom(i)));
        }
        FlowCache a = new FlowCache(store, SMALL);
        FlowCache b = new FlowCache(store, SMALL);
        for (int i = 0; i < 4 * absentFilling(SMALL); i++) {
            a.save(key(i), healthy);
            b.save(key(i), unreplied);
            a.beforeCommit();
            b.beforeCommit();
        }
        long heldHealthy = (long) a.decoded() * DecodedFlowSize.of(healthy);
        long heldUnreplied = (long) b.decoded() * DecodedFlowSize.of(unreplied);
        assertTrue(heldHealthy <= SMALL + DecodedFlowSize.of(healthy) && heldHealthy >= SMALL / 2, "healthy: " + a.decoded());
        assertTrue(heldUnreplied <= SMALL + DecodedFlowSize.of(unreplied) && heldUnreplied >= SMALL / 2, "unreplied: " + b.decoded());
        assertTrue(b.decoded() * 4 < a.decoded(), "fewer flows held when each holds evidence");
    }

    @Test
    void aTasksShareShrinksWhenTheInstanceRunsMoreTasks() {
        DecodedFlowsBudget budget = new DecodedFlowsBudget(8 * SMALL);
        budget.join();
        FlowCache cache = new FlowCache(store, budget);
        FlowState st = flow(1);
        int alone = fill(cache, st);
        for (int i = 0; i < 3; i++) {
            budget.join(); // a rebalance gave the instance three more flow-join tasks
        }
        fill(cache, st); // the next generations are sized by the new share
        int shared = fill(cache, st);
        long one = DecodedFlowSize.of(st);
        assertTrue(alone * one >= 4 * SMALL, alone + " flows held alone: at least half of its 8 MiB share");
        assertTrue(shared * one <= 2 * SMALL + 2 * one, shared + " flows held with four tasks: at most its 2 MiB share");
    }

    /** Saves many flows through the cache; the flows it holds decoded after. */
    private static int fill(FlowCache cache, FlowState st) {
        for (int i = 0; i < 2 * absentFilling(8 * SMALL); i++) {
            cache.save(key(i), st);
            if (i % 1_000 == 0) {
                cache.beforeCommit();
            }
        }
        cache.beforeCommit();
        return cache.decoded();
    }

    @Test
    void discardDropsTheChangesTheCommitDidNotWrite() {
        flows.save(KEY, flow(1));
        flows.beforeCommit();
        FlowState st = flows.load(KEY);
        st.getViews().get(0).setLastSeen(9); // the aborted transaction's change
        flows.save(KEY, st);
        flows.discard();
        flows.beforeCommit();
        assertEquals(1, flows.load(KEY).getViews().get(0).getLastSeen(), "read back as committed");
    }
}
