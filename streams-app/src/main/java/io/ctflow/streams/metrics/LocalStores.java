package io.ctflow.streams.metrics;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Key-value stores of this instance's active tasks, by name (the app: interactive queries; tests: the test driver). */
@FunctionalInterface
public interface LocalStores {
    /** The store; throws (InvalidStateStoreException) while it is not queryable, e.g. during a rebalance. */
    <K, V> ReadOnlyKeyValueStore<K, V> store(String name);

    /** The running app's stores: only its own active tasks (no stale replicas), so instances never count a key twice. */
    static LocalStores of(java.util.function.Supplier<KafkaStreams> streams) {
        return new LocalStores() {
            @Override
            public <K, V> ReadOnlyKeyValueStore<K, V> store(String name) {
                return streams.get().store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<K, V>keyValueStore()));
            }
        };
    }
}
