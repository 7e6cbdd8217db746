package io.ctflow.streams.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** The hook is called by Kafka Streams' own commit path, before the changelog is flushed and the commit made. */
class CommitHookTest {

    /** Counts records per key in memory and writes the counts only from the hook. */
    static final class CountingProcessor implements Processor<String, String, Void, Void>, CommitHook.Listener {
        private final Map<String, Long> counts = new HashMap<>();
        private KeyValueStore<String, Long> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore("counts");
            counts.clear();
            CommitHook hook = context.getStateStore("hook");
            hook.listen("counts", this);
        }

        @Override
        public void process(Record<String, String> record) {
            counts.merge(record.key(), 1L, Long::sum);
        }

        @Override
        public void beforeCommit() {
            counts.forEach((k, n) -> store.put(k, n + (store.get(k) == null ? 0 : store.get(k))));
            counts.clear();
        }

        @Override
        public void discard() {
            counts.clear();
        }
    }

    @Test
    void theListenerWritesBeforeEveryCommitAndItsWritesReachTheChangelog() {
        StreamsBuilder b = new StreamsBuilder();
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counts"), Serdes.String(), Serdes.Long()));
        b.addStateStore(new CommitHookBuilder("hook"));
        b.stream("in", Consumed.with(Serdes.String(), Serdes.String())).process(CountingProcessor::new, Named.as("count"), "counts", "hook");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "hook-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(b.build(), p)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
            TestOutputTopic<String, Long> changelog = driver.createOutputTopic("hook-test-counts-changelog",
                    Serdes.String().deserializer(), Serdes.Long().deserializer());
            KeyValueStore<String, Long> counts = driver.getKeyValueStore("counts");

            in.pipeInput("a", "x");
            assertEquals(1L, counts.get("a"), "written by the commit after the record");
            in.pipeInput("a", "y");
            in.pipeInput("b", "z");
            assertEquals(2L, counts.get("a"));
            assertEquals(1L, counts.get("b"));
            assertEquals(List.of(KeyValue.pair("a", 1L), KeyValue.pair("a", 2L), KeyValue.pair("b", 1L)), changelog.readKeyValuesToList());
            assertEquals(List.of("hook-test-counts-changelog"), driver.producedTopicNames().stream().sorted().toList(),
                    "the hook itself has no changelog");
        }
    }

    @Test
    void aHookHasNeitherCacheNorChangelog() {
        CommitHookBuilder builder = new CommitHookBuilder("hook");
        assertEquals(false, builder.loggingEnabled());
        assertThrows(UnsupportedOperationException.class, () -> builder.withLoggingEnabled(Map.of()));
        assertThrows(UnsupportedOperationException.class, builder::withCachingEnabled);
        assertEquals(false, builder.build().persistent());
    }
}
