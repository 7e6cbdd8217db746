package io.ctflow.streams;

import static io.ctflow.streams.FlowRulesTest.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/** The node-heartbeats store keeps each node's newest heartbeat (event time, micros); other events do not touch it. */
class NodeHeartbeatsTest {
    @Test
    void keepsTheNewestHeartbeatOfEachNode() throws Exception {
        try (TopologyFixture f = new TopologyFixture(Map.of())) {
            f.heartbeat("node1", at(5_000_000));
            f.heartbeat("node1", at(3_000_000)); // a late one from another partition's view: not newer
            f.heartbeat("node2", at(1_000_000));
            f.line("node3", FlowLifecycleTest.A_WEB.line(9_000_000, "NEW", "SYN_SENT", 120, true, 1));
            KeyValueStore<String, Long> s = f.driver.getKeyValueStore(StoreNames.NODE_HEARTBEATS);
            assertEquals(FlowRulesTest.T0 * 1_000_000 + 5_000_000, s.get("node1"));
            assertEquals(FlowRulesTest.T0 * 1_000_000 + 1_000_000, s.get("node2"));
            assertNull(s.get("node3"));
        }
    }
}
