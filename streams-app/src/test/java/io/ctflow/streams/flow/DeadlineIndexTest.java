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
    @Test
    void pollsOnlyDueTimersInTimeOrderAndRemovesThem() {
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("d"), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        store.init(new org.apache.kafka.streams.processor.api.MockProcessorContext<>().getStateStoreContext(), store);
        DeadlineIndex idx = new DeadlineIndex(store);
        FlowKey a = FlowKey.parse("tcp,10.244.1.3:8080,10.244.1.2:1");
        FlowKey b = FlowKey.parse("udp,[fd00::3]:53,[fd00::2]:2");
        idx.add(3_000, DeadlineIndex.Kind.REPLY, a, "node1");
        idx.add(1_000, DeadlineIndex.Kind.EXPIRE, b, null);
        idx.add(2_000, DeadlineIndex.Kind.REPLY, b, "node-ü");
        assertEquals(List.of(), idx.pollDue(999, 10));
        assertEquals(List.of(new DeadlineIndex.Due(1_000, DeadlineIndex.Kind.EXPIRE, b, null),
                new DeadlineIndex.Due(2_000, DeadlineIndex.Kind.REPLY, b, "node-ü")), idx.pollDue(2_000, 10));
        assertEquals(List.of(), idx.pollDue(2_999, 10), "polled timers are gone");
        idx.add(2_500, DeadlineIndex.Kind.REPLY, a, "node2");
        idx.remove(3_000, DeadlineIndex.Kind.REPLY, a, "node1");
        assertEquals(List.of(new DeadlineIndex.Due(2_500, DeadlineIndex.Kind.REPLY, a, "node2")), idx.pollDue(10_000, 10));
        assertEquals(0, store.approximateNumEntries());
    }
}
