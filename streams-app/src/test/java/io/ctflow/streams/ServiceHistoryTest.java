package io.ctflow.streams;

import static io.ctflow.streams.FlowLifecycleTest.S;
import static io.ctflow.streams.FlowRulesTest.T0;
import static io.ctflow.streams.FlowRulesTest.at;
import static io.ctflow.streams.FlowRulesTest.facts;
import static io.ctflow.streams.FlowRulesTest.service;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceStats;
import io.ctflow.streams.stats.ServiceHistory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/** Closed Service windows go to the service-history store and leave it once older than api.history-retention (event time). */
class ServiceHistoryTest {
    static final FlowLifecycleTest.Conn FIRST = new FlowLifecycleTest.Conn("10.244.1.2", 40000, "10.96.0.10", 80, "10.244.2.9", 8080);
    static final FlowLifecycleTest.Conn LATER = new FlowLifecycleTest.Conn("10.244.1.2", 40001, "10.96.0.10", 80, "10.244.2.9", 8080);
    static final FlowLifecycleTest.Conn LAST = new FlowLifecycleTest.Conn("10.244.1.2", 40002, "10.96.0.10", 80, "10.244.2.9", 8080);

    @Test
    void windowsAreKeptInOrderAndPrunedPastTheRetention() throws Exception {
        try (TopologyFixture f = new TopologyFixture(Map.of("window", "10s", "api.history-retention", "60s"))) {
            f.facts(facts("node1", "1", "10.244.1.1/24"));
            f.service(service("default/web:http", "10.96.0.10", 80, Protocol.TCP, "10.244.2.9", 8080));
            f.line("node1", FIRST.line(0, "NEW", "SYN_SENT", 120, true, 1));
            f.line("node1", FIRST.line(S / 100, "UPDATE", "SYN_RECV", 60, false, 1));
            f.line("node1", LATER.line(25 * S, "NEW", "SYN_SENT", 120, true, 2));
            f.line("node1", LATER.line(25 * S + S / 100, "UPDATE", "SYN_RECV", 60, false, 2));
            f.heartbeat("node1", at(50 * S));
            assertEquals(List.of(T0, T0 + 20), starts(f), "both windows kept, ascending");

            // closed up to T0+80 (watermark 84 s): the window starting at T0 began more than 60 s before, pruned;
            // the one at T0+20 began exactly 60 s before, kept
            f.line("node1", LAST.line(70 * S, "NEW", "SYN_SENT", 120, true, 3));
            f.heartbeat("node1", at(85 * S));
            assertEquals(List.of(T0 + 20, T0 + 70), starts(f));

            f.heartbeat("node1", at(400 * S));
            assertEquals(List.of(), starts(f), "everything past the retention is gone");
        }
    }

    @Test
    void keysOrderAServicesWindowsByStart() {
        assertEquals(-1, Integer.signum(ServiceHistory.key("a/b:c", 9_000_000L).compareTo(ServiceHistory.key("a/b:c", 10_000_000L))));
        assertEquals(-1, Integer.signum(ServiceHistory.key("a/b:c", Long.MAX_VALUE - 1).compareTo(ServiceHistory.key("a/b:cd", 0))),
                "one Service's range ends before the next id's begins");
        assertEquals(ServiceHistory.key("s", 99), ServiceHistory.before("s", 100));
    }

    private static List<Long> starts(TopologyFixture f) {
        KeyValueStore<String, ServiceStats> s = f.driver.getKeyValueStore(StoreNames.SERVICE_HISTORY);
        List<Long> out = new ArrayList<>();
        try (KeyValueIterator<String, ServiceStats> it = s.all()) {
            it.forEachRemaining(kv -> {
                assertEquals("default/web:http", kv.value.getService());
                Instant start = kv.value.getWindowStart();
                assertEquals(ServiceHistory.key("default/web:http", start.getEpochSecond() * 1_000_000L), kv.key);
                out.add(start.getEpochSecond());
            });
        }
        return out;
    }
}
