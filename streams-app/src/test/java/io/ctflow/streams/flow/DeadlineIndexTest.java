package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.flow.FlowKey;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class DeadlineIndexTest {
    final FlowKey a = FlowKey.parse("tcp,10.244.1.3:8080,10.244.1.2:1");
    final FlowKey b = FlowKey.parse("udp,[fd00::1]:53,[fd00::2]:5353");

    static KeyValueStore<Bytes, byte[]> store() {
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("d"), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        store.init(new org.apache.kafka.streams.processor.api.MockProcessorContext<>().getStateStoreContext(), store);
        return store;
    }

    @Test
    void pollsOnlyDueTimersInTimeOrderAndRemovesThem() {
        DeadlineIndex idx = new DeadlineIndex(store());
        idx.add(3_000, DeadlineIndex.Kind.REPLY, a, "node1");
        idx.add(1_000, DeadlineIndex.Kind.EXPIRE, b, null);
        idx.add(2_000, DeadlineIndex.Kind.REPLY, b, "node-ü");
        assertEquals(List.of(new DeadlineIndex.Due(1_000, DeadlineIndex.Kind.EXPIRE, b, null),
                new DeadlineIndex.Due(2_000, DeadlineIndex.Kind.REPLY, b, "node-ü")), idx.pollDue(2_000, 10));
        assertEquals(List.of(), idx.pollDue(2_500, 10));
        idx.add(2_600, DeadlineIndex.Kind.REPLY, a, "node2");
        idx.remove(3_000, DeadlineIndex.Kind.REPLY, a, "node1");
        assertEquals(List.of(new DeadlineIndex.Due(2_600, DeadlineIndex.Kind.REPLY, a, "node2")), idx.pollDue(10_000, 10));
    }

    @Test
    void aFullBatchLeavesTheRestForTheNextPoll() {
        DeadlineIndex idx = new DeadlineIndex(store());
        for (int i = 0; i < 5; i++) {
            idx.add(1_000, DeadlineIndex.Kind.REPLY, a, "node" + i);
        }
        assertEquals(3, idx.pollDue(2_000, 3).size());
        assertEquals(List.of("node3", "node4"), idx.pollDue(2_000, 3).stream().map(DeadlineIndex.Due::node).toList());
    }

    @Test
    void aTimerBelowTheFloorIsFiledAtItAndFiresOnTheNextPoll() {
        DeadlineIndex idx = new DeadlineIndex(store());
        idx.pollDue(5_000, 10);
        long filed = idx.add(1_000, DeadlineIndex.Kind.EXPIRE, a, null);
        assertEquals(5_001, filed, "every timer below the floor has fired: file it at the floor");
        assertEquals(List.of(new DeadlineIndex.Due(5_001, DeadlineIndex.Kind.EXPIRE, a, null)), idx.pollDue(6_000, 10));
    }

    @Test
    void theFloorSurvivesARestartSoScansSkipFiredTimers() {
        KeyValueStore<Bytes, byte[]> s = store();
        DeadlineIndex idx = new DeadlineIndex(s);
        idx.add(1_000, DeadlineIndex.Kind.REPLY, a, "node1");
        idx.add(9_000_000, DeadlineIndex.Kind.REPLY, a, "node2");
        assertEquals(1, idx.pollDue(5_000_000, 10).size());
        DeadlineIndex restarted = new DeadlineIndex(s);
        assertEquals(5_000_001, restarted.add(2_000, DeadlineIndex.Kind.EXPIRE, b, null), "floor read back from the store");
        assertEquals(2, restarted.pollDue(9_000_000, 10).size());
    }
}
