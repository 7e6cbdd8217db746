package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FlowRetentionTest {
    static final long S = 1_000_000;
    final FlowRetention r = FlowRetention.of(Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofHours(1));

    static NodeView v(String node, long lastSeen, long timeout, boolean destroyed) {
        NodeView v = AdmissionTest.view(node, 1, lastSeen, destroyed);
        v.setTimeout(timeout);
        return v;
    }

    @Test
    void aLiveEntryIsKeptForItsTimeoutPlusTheReapSlack() {
        assertEquals(100 * S + 120 * S + 120 * S, r.expiry(AdmissionTest.flow(v("n1", 100 * S, 120, false))));
    }

    @Test
    void longTimeoutsAreBoundedByTheMaxAge() {
        assertEquals(100 * S + 3600 * S, r.expiry(AdmissionTest.flow(v("n1", 100 * S, 432000, false))));
    }

    @Test
    void aFinishedFlowLingers() {
        FlowState st = AdmissionTest.flow(v("n1", 100 * S, 0, true), v("n2", 101 * S, 0, true));
        assertEquals(101 * S + 30 * S, r.expiry(st));
        assertEquals(true, FlowRetention.allDestroyed(st));
    }

    @Test
    void theLiveNodesEntryDecidesWhileAnotherIsGone() {
        FlowState st = AdmissionTest.flow(v("n1", 200 * S, 0, true), v("n2", 100 * S, 120, false));
        assertEquals(100 * S + 240 * S, r.expiry(st));
        assertEquals(false, FlowRetention.allDestroyed(st));
    }
}
