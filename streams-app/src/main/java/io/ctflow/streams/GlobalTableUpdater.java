package io.ctflow.streams;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps a global store equal to its compacted topic: put on a value, delete on a tombstone; tells
 * {@code onChange} after each (global processors cannot forward, so the stream tasks poll for it).
 */
final class GlobalTableUpdater<K, V> implements Processor<K, V, Void, Void> {
    private final String storeName;
    private final Runnable onChange;
    private KeyValueStore<K, V> store;

    GlobalTableUpdater(String storeName) {
        this(storeName, () -> { });
    }

    GlobalTableUpdater(String storeName, Runnable onChange) {
        this.storeName = storeName;
        this.onChange = onChange;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<K, V> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
        } else {
            store.put(record.key(), record.value());
        }
        onChange.run();
    }
}
