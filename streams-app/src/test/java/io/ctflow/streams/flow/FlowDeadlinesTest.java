package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class FlowDeadlinesTest {
    static final long S = 1_000_000;
    static final FlowKey KEY = FlowKey.parse("tcp,10.244.2.9:8080,10.244.1.2:40000");
    final FlowRetention retention = FlowRetention.of(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofHours(1));

    static FlowCache flows() {
        return new FlowCache(store());
    }

    static KeyValueStore<FlowKey, FlowState> store() {
        MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>();
        KeyValueStore<FlowKey, FlowState> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("flows"),
                new io.ctflow.flow.FlowKeySerde(), new FlowStateSerde()).withLoggingDisabled().build();
        store.init(ctx.getStateStoreContext(), store);
        return store;
    }

    /** The store, counting its point reads. */
    @SuppressWarnings("unchecked")
    static KeyValueStore<FlowKey, FlowState> counting(KeyValueStore<FlowKey, FlowState> store, AtomicInteger gets) {
        return (KeyValueStore<FlowKey, FlowState>) Proxy.newProxyInstance(FlowDeadlinesTest.class.getClassLoader(),
                new Class<?>[] {KeyValueStore.class}, (proxy, m, args) -> {
                    if (m.getName().equals("get")) {
                        gets.incrementAndGet();
                    }
                    try {
                        return m.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    static FlowState flow(NodeView v) {
        FlowState st = AdmissionTest.flow(v);
        return st;
    }

    /** A view seen at 10 s with a 120 s timeout. */
    static NodeView view() {
        NodeView v = AdmissionTest.view("node1", 1, 10 * S, false);
        v.setFirstSeen(10 * S);
        v.setTimeout(120);
        return v;
    }

    @Test
    void oneExpiryPerFlowMovedOnlyToForgetAFinishedFlowSooner() {
        FlowDeadlines d = new FlowDeadlines(retention, 10_000);
        NodeView v = view();
        FlowState st = flow(v);
        assertFalse(d.scheduleExpiry(KEY, st), "open: not settled");
        assertEquals(10 * S + 180 * S, st.getExpireAt(), "last seen + timeout + reap slack");
        v.setLastSeen(20 * S);
        assertFalse(d.scheduleExpiry(KEY, st));
        assertEquals(190 * S, st.getExpireAt(), "a later expiry waits for the re-check when the timer fires");
        assertEquals(1, d.pending());
        v.setDestroyed(true);
        assertFalse(d.scheduleExpiry(KEY, st), "finished, but its unreplied DNAT view awaits judgement: not settled");
        assertEquals(30 * S, st.getExpireAt(), "destroyed everywhere: forgotten after the linger");
        assertEquals(1, d.pending(), "the open flow's expiry timer is cancelled");
    }

    @Test
    void aFinishedFlowWithNothingLeftToJudgeIsSettled() {
        FlowDeadlines d = new FlowDeadlines(retention, 10_000);
        NodeView v = view();
        v.setReplied(11 * S);
        FlowState st = flow(v);
        assertFalse(d.scheduleExpiry(KEY, st), "replied but open");
        v.setDestroyed(true);
        assertTrue(d.scheduleExpiry(KEY, st), "finished, replied, not the counted primary: its expiry only deletes it");
    }

    @Test
    void firesOnlyTheDeadlinesTheFlowStillNames() {
        FlowDeadlines d = new FlowDeadlines(retention, 10_000);
        FlowCache flows = flows();
        NodeView v = view();
        FlowState st = flow(v);
        d.judgeAt(KEY, v, 13 * S);
        d.judgeAt(KEY, v, 15 * S); // moved: the 13 s timer is cancelled
        d.scheduleExpiry(KEY, st);
        flows.save(KEY, st);
        List<String> fired = new ArrayList<>();
        FlowDeadlines.Due due = recorder(fired);
        d.fireDue(14 * S, flows, due);
        assertEquals(List.of(), fired);
        d.fireDue(1000 * S, flows, due);
        assertEquals(List.of("reply@15", "expiry@190"), fired);
        assertEquals(0, d.pending());

        FlowDeadlines restored = new FlowDeadlines(retention, 10_000);
        restored.rebuild(flows);
        assertEquals(2, restored.pending(), "rebuilt from the stored flow: its reply timer and its expiry");
    }

    @Test
    void aRepliedViewsTimerFiresNothingAndReadsNothing() {
        FlowDeadlines d = new FlowDeadlines(retention, 10_000);
        KeyValueStore<FlowKey, FlowState> store = store();
        NodeView v = view();
        FlowState st = flow(v);
        d.judgeAt(KEY, v, 13 * S);
        store.put(KEY, st);
        v.setReplied(11 * S);
        d.replied(KEY, v);
        AtomicInteger gets = new AtomicInteger();
        List<String> fired = new ArrayList<>();
        d.fireDue(14 * S, new FlowCache(counting(store, gets)), recorder(fired));
        assertEquals(List.of(), fired);
        assertEquals(0, gets.get(), "the flow is not read back for a timer its reply cancelled");
        assertEquals(0, d.pending());
    }

    /** Records what fired. */
    static FlowDeadlines.Due recorder(List<String> fired) {
        return new FlowDeadlines.Due() {
            @Override
            public void replyTimeout(FlowKey key, FlowState s, NodeView w, long at) {
                fired.add("reply@" + at / S);
            }

            @Override
            public void expiryCheck(FlowKey key, FlowState s) {
                fired.add("expiry@" + s.getExpireAt() / S);
            }
        };
    }

    /** A replied view destroyed at 10 s: finished, nothing left to judge. */
    static FlowState finished() {
        NodeView v = view();
        v.setReplied(10 * S);
        v.setDestroyed(true);
        return flow(v);
    }

    /** What firing the timers due at 20 s did to a flow stored as {@code st}: the calls, the store's reads, the store after the commit. */
    record Fired(List<String> calls, int gets, KeyValueStore<FlowKey, FlowState> store) {}

    static Fired fireAt20(FlowDeadlines d, FlowState st) {
        KeyValueStore<FlowKey, FlowState> store = store();
        store.put(KEY, st);
        AtomicInteger gets = new AtomicInteger();
        FlowCache flows = new FlowCache(counting(store, gets));
        List<String> fired = new ArrayList<>();
        d.fireDue(20 * S, flows, recorder(fired));
        flows.beforeCommit();
        return new Fired(fired, gets.get(), store);
    }

    @Test
    void aFinishedSettledFlowIsDeletedAtItsExpiryWithoutBeingRead() {
        FlowDeadlines d = new FlowDeadlines(retention, 10_000);
        FlowState st = finished();
        d.scheduleExpiry(KEY, st);
        assertEquals(20 * S, st.getExpireAt(), "destroyed at 10 s, 10 s linger");
        Fired f = fireAt20(d, st);
        assertEquals(List.of(), f.calls(), "nothing to check: deleted outright");
        assertEquals(0, f.gets());
        assertEquals(null, f.store().get(KEY));
        assertEquals(0, d.pending());
    }

    @Test
    void aFinishedFlowThatChangedSinceIsReadAndCheckedAtItsExpiry() {
        FlowDeadlines d = new FlowDeadlines(retention, 10_000);
        FlowState st = finished();
        d.scheduleExpiry(KEY, st);
        d.changing(KEY, st); // a straggler 5 s later
        st.getViews().get(0).setLastSeen(15 * S);
        d.scheduleExpiry(KEY, st);
        assertEquals(20 * S, st.getExpireAt(), "a later expiry is left to the re-check");
        Fired f = fireAt20(d, st);
        assertEquals(List.of("expiry@20"), f.calls());
        assertEquals(1, f.gets());
    }

    @Test
    void aFinishedFlowWithSomethingLeftToCountOrJudgeIsReadAtItsExpiry() {
        FlowState uncounted = finished();
        uncounted.setPrimary("node1"); // its end not counted yet
        NodeView unjudged = view();
        unjudged.setDestroyed(true); // NATed, never replied, judgement pending
        for (FlowState st : List.of(uncounted, flow(unjudged))) {
            FlowDeadlines d = new FlowDeadlines(retention, 10_000);
            d.scheduleExpiry(KEY, st);
            Fired f = fireAt20(d, st);
            assertEquals(List.of("expiry@20"), f.calls());
            assertEquals(1, f.gets());
        }
    }

    @Test
    void aJumpFiresAtMostTheBudgetPerCallAndAFlowsOwnDueTimersBeforeItsNextEvent() {
        FlowDeadlines d = new FlowDeadlines(retention, 2);
        FlowCache flows = flows();
        List<FlowKey> keys = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            FlowKey key = FlowKey.parse("tcp,10.244.2.9:8080,10.244.1.2:" + (40000 + i));
            NodeView v = view();
            FlowState st = flow(v);
            d.judgeAt(key, v, (13 + i) * S);
            d.scheduleExpiry(key, st); // at 190 s
            flows.save(key, st);
            keys.add(key);
        }
        List<String> fired = new ArrayList<>();
        FlowDeadlines.Due due = recorder(fired);

        d.fireDue(100 * S, flows, due); // event time jumped past five reply timers
        assertEquals(List.of("reply@13", "reply@14"), fired, "two per call, in firing order");
        assertTrue(d.behind());
        assertEquals(15 * S - 1, d.firedThrough(100 * S), "windows wait for the reply timer due at 15 s");

        d.fireDueOf(keys.get(4), 100 * S, flows, due);
        assertEquals(List.of("reply@13", "reply@14", "reply@17"), fired, "the flow about to get an event: its own due timer first, not its expiry");
        d.fireDueOf(keys.get(4), 100 * S, flows, due);
        assertEquals(3, fired.size(), "fired once");

        d.fireDue(100 * S, flows, due);
        assertEquals(List.of("reply@13", "reply@14", "reply@17", "reply@15", "reply@16"), fired);
        d.fireDue(100 * S, flows, due);
        assertEquals(5, fired.size());
        assertFalse(d.behind(), "a call that found fewer than its budget: none left");
        assertEquals(100 * S, d.firedThrough(100 * S));
        d.fireDueOf(keys.get(0), 100 * S, flows, due);
        assertEquals(5, fired.size(), "nothing is looked up for a flow's event once no timer is left behind");
        assertEquals(5, d.pending(), "the five expiries, not due yet");

        d.fireAllDue(1000 * S, flows, due);
        assertEquals(10, fired.size(), "all of them, whatever the budget");
        assertEquals(List.of("expiry@190", "expiry@190", "expiry@190", "expiry@190", "expiry@190"), fired.subList(5, 10));
        assertFalse(d.behind());
        assertEquals(0, d.pending());
    }
}
