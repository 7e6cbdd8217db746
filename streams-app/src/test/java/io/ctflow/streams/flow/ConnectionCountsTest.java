package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.UpdateKind;
import io.ctflow.avro.internal.WindowAcc;
import io.ctflow.streams.stats.ServicePartial;
import io.ctflow.streams.stats.ServicePartialSerde;
import io.ctflow.streams.stats.ServicePartials;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConnectionCountsTest {
    static final long S = 1_000_000;
    private ConnectionCounts counts;

    @BeforeEach
    void counts() {
        MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>();
        KeyValueStore<String, ServicePartial> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("service-partials"),
                Serdes.String(), new ServicePartialSerde()).withLoggingDisabled().build();
        store.init(ctx.getStateStoreContext(), store);
        ServicePartials partials = new ServicePartials(Duration.ofSeconds(10));
        partials.init(store);
        counts = new ConnectionCounts(partials);
        counts.init();
    }

    static FlowState flow(String service) {
        FlowState st = FlowViews.newFlow(0);
        st.setService(service);
        st.setServiceAddress("10.96.0.10:80/tcp");
        st.setPrimary("node-a");
        return st;
    }

    @Test
    void aReplyAndAStateChangeOfOneEventAreOneCountedChange() {
        FlowState st = flow("web");
        counts.beginEvent();
        counts.replied(st, S, 250);
        counts.stateChanged(st, S, "SYN_SENT", "ESTABLISHED");
        counts.endEvent(st);
        counts.endEvent(st); // nothing pending any more: not counted twice
        counts.beginEvent();
        counts.endEvent(st); // an event that changed nothing the stats use

        WindowAcc w = window(counts.onWatermark(10 * S, 0)).get("web");
        assertEquals(1, w.getReplied());
        assertEquals(Map.of("SYN_SENT", -1L, "ESTABLISHED", 1L), w.getStateDelta());
        assertEquals(1, w.getLatencyBuckets().values().stream().mapToLong(Long::longValue).sum(), "one timed reply");
    }

    @Test
    void aConnectionEndsOnceWhateverEndsItAgain() {
        FlowState st = flow("web");
        counts.ended(st, 2 * S);
        counts.ended(st, 3 * S); // its tuple reused, then expired: already counted
        assertTrue(st.getCountedEnd());
        FlowState noService = flow("db");
        noService.setPrimary(null); // never had a DNAT view: not a Service connection
        counts.ended(noService, 2 * S);

        Map<String, WindowAcc> sent = window(counts.onWatermark(10 * S, 0));
        assertEquals(List.of("web"), List.copyOf(sent.keySet()));
        assertEquals(Map.of("NONE", -1L), withoutZero(sent.get("web").getStateDelta()), "one END (state unknown: no primary view)");
    }

    @Test
    void closedWindowsGoFirstThenTheTickAndNothingWhileTheWatermarkStands() {
        counts.add("web", ServiceUpdates.of(io.ctflow.streams.stats.ConnectionChange.Kind.UNREPLIED, S, flow("web")));
        counts.add("db", ServiceUpdates.of(io.ctflow.streams.stats.ConnectionChange.Kind.UNREPLIED, 12 * S, flow("db")));
        List<ConnectionCounts.Sent> first = counts.onWatermark(10 * S, 3);
        assertEquals(List.of("web", ""), first.stream().map(ConnectionCounts.Sent::key).toList(), "db's window is still open");
        assertEquals(UpdateKind.PARTIAL, first.get(0).update().getKind());
        assertEquals(UpdateKind.TICK, first.get(1).update().getKind());
        assertEquals(10 * S, first.get(1).update().getTime());
        assertEquals(3, first.get(1).update().getSource());
        assertEquals(List.of(), counts.onWatermark(10 * S, 3), "the watermark did not move");
        assertEquals(List.of(), counts.onWatermark(9 * S, 3));
        assertEquals(List.of("db", ""), counts.onWatermark(20 * S, 3).stream().map(ConnectionCounts.Sent::key).toList());
        counts.init(); // a revived task: it sends its watermark's TICK again
        assertEquals(List.of(""), counts.onWatermark(20 * S, 3).stream().map(ConnectionCounts.Sent::key).toList());
    }

    /** The partials sent, merged per Service; fails unless the last message is the TICK. */
    private static Map<String, WindowAcc> window(List<ConnectionCounts.Sent> sent) {
        assertEquals(UpdateKind.TICK, sent.get(sent.size() - 1).update().getKind(), "the TICK comes last");
        Map<String, WindowAcc> out = new HashMap<>();
        for (ConnectionCounts.Sent m : sent.subList(0, sent.size() - 1)) {
            ByteBuffer b = m.update().getPartial();
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            new ServicePartialSerde().decode(bytes).mergeInto(out.computeIfAbsent(m.key(), k -> emptyWindow()));
        }
        return out;
    }

    private static Map<String, Long> withoutZero(Map<String, Long> m) {
        Map<String, Long> out = new HashMap<>(m);
        out.values().removeIf(v -> v == 0);
        return out;
    }

    private static WindowAcc emptyWindow() {
        return new WindowAcc(0L, 0L, 0L, 0L, new HashMap<>(), new HashMap<>(), new HashMap<>(), new HashMap<>(),
                new ArrayList<>(), ByteBuffer.allocate(0));
    }
}
