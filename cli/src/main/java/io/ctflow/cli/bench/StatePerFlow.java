package io.ctflow.cli.bench;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.cli.EmbeddedStack;
import io.ctflow.collector.parse.ServiceKeys;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.FlowKeySerde;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.AppSerdes;
import io.ctflow.streams.CtflowTopology;
import io.ctflow.streams.InternalAvroSerde;
import io.ctflow.streams.StoreNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Bytes of state per open flow at the peak of a production-shaped workload: the app's own topology
 * in a TopologyTestDriver (one thread, no broker: the sizes do not depend on either), fed until the
 * first connection ends, then the flows store is iterated and every entry serialized as the store
 * writes it. The flow join's timers have no store: they live in memory, rebuilt from the flows'
 * deadlines on restore, so they add no stored bytes.
 */
final class StatePerFlow {
    /** Entries and serialized bytes of the flows store. */
    record Result(long flows, long flowBytes) {
        double bytesPerFlow() {
            return flows == 0 ? 0 : (double) flowBytes / flows;
        }
    }

    private StatePerFlow() {}

    static Result measure(AppConfig config, AppSerdes serdes, Workload w) throws Exception {
        Path dir = Files.createTempDirectory("ctflow-bench-ttd");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "ctflow-bench-state");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        try (TopologyTestDriver d = new TopologyTestDriver(CtflowTopology.build(config.withEventsPartitions(1), serdes), p)) {
            var t = config.topics();
            TestInputTopic<String, ServiceEntry> services = d.createInputTopic(t.services(), Serdes.String().serializer(), serdes.services().serializer());
            TestInputTopic<String, NodeFacts> facts = d.createInputTopic(t.nodeFacts(), Serdes.String().serializer(), serdes.nodeFacts().serializer());
            TestInputTopic<FlowKey, ConntrackEvent> events = d.createInputTopic(t.events(), new FlowKeySerde().serializer(), serdes.events().serializer());
            w.serviceEntries().forEach(s -> services.pipeInput(ServiceKeys.key(s), s, s.getTimestamp()));
            w.nodeFacts().forEach(f -> facts.pipeInput(f.getNode(), f, f.getTimestamp()));
            long peak = w.startMicros() + w.lifetimeMicros(); // the first DESTROY: every flow since is still open
            WorkloadEvents it = new WorkloadEvents(w);
            while (it.hasNext()) {
                ConntrackEvent e = it.next();
                if (it.step().micros >= peak) {
                    break;
                }
                events.pipeInput(FlowKey.of(e), e, e.getTimestamp());
            }
            long[] flows = sizes(d.getKeyValueStore(StoreNames.FLOWS), serdes);
            return new Result(flows[0], flows[1]);
        } finally {
            EmbeddedStack.deleteTree(dir);
        }
    }

    /** Entries and their serialized key + value bytes, whatever the store's types. */
    private static long[] sizes(KeyValueStore<Object, Object> store, AppSerdes serdes) {
        long n = 0;
        long bytes = 0;
        try (KeyValueIterator<Object, Object> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Object, Object> kv = it.next();
                bytes += size(kv.key, serdes) + size(kv.value, serdes);
                n++;
            }
        }
        return new long[] {n, bytes};
    }

    private static final java.util.Map<Class<?>, org.apache.kafka.common.serialization.Serializer<Object>> WRITERS =
            new java.util.concurrent.ConcurrentHashMap<>();

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int size(Object o, AppSerdes serdes) {
        if (o == null) {
            return 0;
        } else if (o instanceof io.ctflow.avro.internal.FlowState st) {
            return serdes.flowState().serializer().serialize("x", st).length; // the store's own codec
        } else if (o instanceof FlowKey k) {
            return k.rawBytes().length;
        } else if (o instanceof Bytes b) {
            return b.get().length;
        } else if (o instanceof byte[] b) {
            return b.length;
        } else if (o instanceof Long) {
            return Long.BYTES;
        } else if (o instanceof SpecificRecord r) {
            return WRITERS.computeIfAbsent(r.getClass(), c -> new InternalAvroSerde(c).serializer()).serialize("x", r).length;
        }
        throw new IllegalStateException("the bench cannot size a store entry of " + o.getClass().getName());
    }
}
