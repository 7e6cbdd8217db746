package io.ctflow.cli.bench;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.AppSerdes;
import io.ctflow.streams.CtflowTopology;
import io.ctflow.streams.StoreNames;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Bytes of state per open flow at the peak of a production-shaped workload, measured on the real
 * app: the workload's events up to its first DESTROY (so every connection begun is still open) are
 * loaded, a {@link KafkaStreams} instance of the app's topology processes them all, and then the
 * flows store is read through interactive queries and each entry serialized with the app's own
 * serdes, as the store and its changelog hold it. The flow join's timers have no store: they live
 * in memory, rebuilt from the flows' deadlines on restore, so they add no stored bytes.
 */
final class StatePerFlow {
    /**
     * Entries and serialized bytes of the flows store, and the heap one flow takes decoded (its key
     * and state objects, as {@code flow.decoded-memory} keeps them) over {@code decodedCopies} copies.
     */
    record Result(long flows, long flowBytes, double decodedBytesPerFlow, int decodedCopies) {
        double bytesPerFlow() {
            return flows == 0 ? 0 : (double) flowBytes / flows;
        }
    }

    /** Enough decoded copies that a few MB allocated by the broker and the app meanwhile do not matter. */
    static final int DECODED_COPIES = 200_000;

    private static final long STORE_WAIT_NANOS = 60_000_000_000L;

    private StatePerFlow() {}

    static Result measure(BenchCluster cluster, AppConfig config, AppSerdes serdes, Workload w, Progress progress) throws Exception {
        cluster.createTopics(config, 1);
        long peak = w.startMicros() + w.lifetimeMicros(); // the first DESTROY: every flow since is still open
        cluster.load(config, w, progress, peak);
        Result[] out = new Result[1];
        StreamsRound.run(cluster, config, CtflowTopology.build(config, serdes), "ctflow-bench-state", 1, progress,
                streams -> out[0] = sizes(flows(streams), serdes, config.topics().prefix() + "flows"));
        return out[0];
    }

    /** The flows store once the instance serves queries (it may still be settling right after the run). */
    private static ReadOnlyKeyValueStore<FlowKey, FlowState> flows(KafkaStreams streams) throws InterruptedException {
        long deadline = System.nanoTime() + STORE_WAIT_NANOS;
        while (true) {
            try {
                return streams.store(StoreQueryParameters.fromNameAndType(StoreNames.FLOWS, QueryableStoreTypes.<FlowKey, FlowState>keyValueStore()));
            } catch (InvalidStateStoreException e) {
                if (System.nanoTime() > deadline) {
                    throw new io.ctflow.config.RuntimeFailure("state: the flows store did not become queryable: " + e.getMessage(), e);
                }
                Thread.sleep(100); // polls the instance's state, bounded by the deadline above
            }
        }
    }

    /** Entries and their key + value bytes as the app's serdes write them; the heap of a decoded flow. */
    static Result sizes(ReadOnlyKeyValueStore<FlowKey, FlowState> store, AppSerdes serdes, String topic) {
        Serializer<FlowKey> keys = serdes.flowKey().serializer();
        Serializer<FlowState> values = serdes.flowState().serializer();
        List<byte[]> keyBytes = new ArrayList<>();
        List<byte[]> valueBytes = new ArrayList<>();
        long bytes = 0;
        try (KeyValueIterator<FlowKey, FlowState> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<FlowKey, FlowState> kv = it.next();
                keyBytes.add(keys.serialize(topic, kv.key));
                valueBytes.add(values.serialize(topic, kv.value));
                bytes += keyBytes.get(keyBytes.size() - 1).length + valueBytes.get(valueBytes.size() - 1).length;
            }
        }
        int n = keyBytes.size();
        if (n == 0) {
            return new Result(0, 0, 0, 0);
        }
        return new Result(n, bytes, decodedBytes(keyBytes, valueBytes, serdes, topic), DECODED_COPIES);
    }

    /**
     * Heap held by {@link #DECODED_COPIES} flows decoded with the app's serdes from the store's own
     * entries (cycled through), measured as live heap after a full collection with and without them.
     */
    private static double decodedBytes(List<byte[]> keyBytes, List<byte[]> valueBytes, AppSerdes serdes, String topic) {
        Deserializer<FlowKey> keys = serdes.flowKey().deserializer();
        Deserializer<FlowState> values = serdes.flowState().deserializer();
        Object[] held = new Object[2 * DECODED_COPIES];
        long before = liveHeap();
        for (int i = 0; i < DECODED_COPIES; i++) {
            int e = i % keyBytes.size();
            held[2 * i] = keys.deserialize(topic, keyBytes.get(e));
            held[2 * i + 1] = values.deserialize(topic, valueBytes.get(e));
        }
        long after = liveHeap();
        double perFlow = (double) (after - before) / DECODED_COPIES;
        java.lang.ref.Reference.reachabilityFence(held);
        return perFlow;
    }

    private static long liveHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc(); // a full collection: what remains is live
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
