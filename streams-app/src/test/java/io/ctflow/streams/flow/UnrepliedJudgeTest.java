package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.Judgement;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.stats.ConnectionChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UnrepliedJudgeTest {
    static final long S = 1_000_000;
    static final FlowKey KEY = FlowDeadlinesTest.KEY;
    final List<String> out = new ArrayList<>();
    KeyValueStore<String, Long> gaps;
    UnrepliedJudge judge;

    @BeforeEach
    void judge() {
        MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>();
        gaps = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("node-gaps"), Serdes.String(), Serdes.Long())
                .withLoggingDisabled().build();
        gaps.init(ctx.getStateStoreContext(), gaps);
        ReplyTimeout timeout = new ReplyTimeout(Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(5));
        judge = new UnrepliedJudge(timeout, new CauseClassifier(Set.of()), null, null, null, gaps, new FlowOutput() {
            @Override
            public void anomaly(String key, NatAnomaly a, long timestampMs) {
                out.add("anomaly " + key);
            }

            @Override
            public void count(String service, ConnectionChange change) {
                out.add("count " + change.kind());
            }
        });
    }

    /** node1's unreplied DNAT view from 10 s, last seen at 11 s; node2's view of it last seen at 12 s. */
    static FlowState flow() {
        NodeView v1 = AdmissionTest.view("node1", 1, 11 * S, false);
        v1.setFirstSeen(10 * S);
        v1.setJudgeAt(13 * S);
        NodeView v2 = AdmissionTest.view("node2", 2, 12 * S, false);
        v2.setFirstSeen(10 * S);
        return AdmissionTest.flow(v1, v2);
    }

    @Test
    void aLossOnANodeOfTheFlowDefersTheJudgementUntilItsViewsAreWholeAgain() {
        FlowState st = flow();
        NodeView v1 = st.getViews().get(0);
        gaps.put("node2", 12 * S + 500_000); // node2 lost events after its last sight of the flow
        assertTrue(judge.lostEventsSince(st, 10 * S, 13 * S));
        judge.judge(KEY, st, v1, 13 * S, AnomalyBuilder.Trigger.REPLY_TIMEOUT);
        assertEquals(Judgement.DEFERRED, v1.getJudgement());
        assertEquals(0, v1.getJudgeAt(), "no reply timer any more: the flow's next event decides");
        assertEquals(List.of(), out, "nothing raised, nothing counted");

        judge.judgeDeferred(KEY, st, 14 * S);
        assertEquals(Judgement.DEFERRED, v1.getJudgement(), "node2 not seen since the loss: still deferred");
        st.getViews().get(1).setLastSeen(13 * S); // node2's resync snapshot shows the entry again
        assertFalse(judge.lostEventsSince(st, 10 * S, 14 * S));
    }

    @Test
    void aLossBeforeTheFlowOrAfterTheDeadlineDoesNotDefer() {
        FlowState st = flow();
        gaps.put("node2", 9 * S);
        assertFalse(judge.lostEventsSince(st, 10 * S, 13 * S));
        gaps.put("node2", 14 * S);
        assertFalse(judge.lostEventsSince(st, 10 * S, 13 * S));
    }

    @Test
    void aReplyResolvesOnlyARaisedAnomaly() {
        FlowState st = flow();
        NodeView v1 = st.getViews().get(0);
        judge.replied(KEY, v1, 12 * S);
        assertEquals(Judgement.PENDING, v1.getJudgement());
        assertEquals(List.of(), out);
    }
}
