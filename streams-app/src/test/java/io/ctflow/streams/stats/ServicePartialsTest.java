package io.ctflow.streams.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ctflow.avro.internal.WindowAcc;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServicePartialsTest {
    static final long S = 1_000_000;
    private KeyValueStore<String, ServicePartial> store;

    @BeforeEach
    void store() {
        MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>();
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("service-partials"), Serdes.String(), new ServicePartialSerde())
                .withLoggingDisabled().build();
        store.init(ctx.getStateStoreContext(), store);
    }

    static ConnectionChange opened(long t) {
        return new ConnectionChange(ConnectionChange.Kind.NEW, t, "10.96.0.10:80/tcp").toState("SYN_SENT");
    }

    @Test
    void oneStoredPartialPerServiceAndWindowWrittenAtTheCommitUntilTheWindowCloses() {
        ServicePartials partials = new ServicePartials(Duration.ofSeconds(10));
        partials.init(store);
        for (int i = 0; i < 1000; i++) {
            partials.add("web", opened(i * 19_000L)); // 0 .. 19 s: two windows
            partials.add("db", opened(3 * S));
        }
        partials.add(null, opened(0)); // no Service: not counted (as before)
        assertEquals(0, store.approximateNumEntries(), "nothing written before the commit");
        partials.beforeCommit();
        assertEquals(3, store.approximateNumEntries());
        assertEquals(1000, newFlows(store.get("db\u0000" + 0)), "the partial as it is at the commit");

        assertEquals(List.of(), partials.closeUpTo(9 * S + 999_999), "nothing ends before 10 s");
        List<ServicePartial> closed = partials.closeUpTo(12 * S);
        assertEquals(List.of("db", "web"), closed.stream().map(ServicePartial::service).toList(), "by window, then Service");
        assertEquals(1000, newFlows(closed.get(0)));
        assertEquals(527, newFlows(closed.get(1)), "the web connections before 10 s");
        assertEquals(1, store.approximateNumEntries(), "the closed windows' partials are deleted");
        assertNull(store.get("db\u00000"));

        partials.add("db", opened(1 * S)); // later than the watermark: a partial of a closed window, sent with the next close
        List<ServicePartial> late = partials.closeUpTo(12 * S);
        assertEquals(1, late.size());
        assertEquals(0, late.get(0).start());
        partials.beforeCommit();
        assertNull(store.get("db\u00000"), "sent before the commit: never written");
        assertEquals(1, store.approximateNumEntries());
    }

    @Test
    void discardDropsWhatTheCommitDidNotWrite() {
        ServicePartials partials = new ServicePartials(Duration.ofSeconds(10));
        partials.init(store);
        partials.add("web", opened(S));
        partials.beforeCommit();
        partials.add("web", opened(2 * S)); // the aborted transaction's change
        partials.discard();
        partials.init(store); // the revived task
        partials.beforeCommit();
        List<ServicePartial> closed = partials.closeUpTo(20 * S);
        assertEquals(1, newFlows(closed.get(0)), "only the committed connection");
    }

    @Test
    void aRevivedTaskReadsItsPartialsBackFromTheStore() {
        ServicePartials before = new ServicePartials(Duration.ofSeconds(10));
        before.init(store);
        before.add("web", opened(S));
        before.beforeCommit();
        ServicePartials after = new ServicePartials(Duration.ofSeconds(10));
        after.init(store);
        after.add("web", opened(2 * S));
        before.clear();
        List<ServicePartial> closed = after.closeUpTo(20 * S);
        assertEquals(1, closed.size());
        assertEquals(2, newFlows(closed.get(0)));
    }

    static long newFlows(ServicePartial p) {
        WindowAcc w = ServicePartialTest.emptyWindow();
        p.mergeInto(w);
        return w.getNewFlows();
    }
}
