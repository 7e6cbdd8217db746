package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.avro.internal.ViewOrigin;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FlowViewsTest {
    static ConntrackEvent event(int i) {
        return FlowStateSerdeTest.event(new SplittableRandom(i));
    }

    @Test
    void aNewViewSharesTheEmptyEvidenceUntilItsFirstEvent() {
        NodeView a = FlowViews.newView(event(1), 1L, ViewOrigin.EVENT);
        NodeView b = FlowViews.newView(event(2), 2L, ViewOrigin.EVENT);
        assertSame(FlowViews.NO_EVIDENCE, a.getEvidence());
        assertSame(FlowViews.NO_EVIDENCE, b.getEvidence());
        FlowViews.addEvidence(a, event(3));
        assertEquals(List.of(event(3)), a.getEvidence());
        assertTrue(b.getEvidence().isEmpty(), "another view's evidence is its own");
        assertSame(FlowViews.NO_EVIDENCE, b.getEvidence());
    }

    @Test
    void evidenceKeepsTheFirstEventsAndTheLatest() {
        NodeView v = FlowViews.newView(event(0), 0L, ViewOrigin.EVENT);
        List<ConntrackEvent> expected = new ArrayList<>();
        for (int i = 0; i < FlowViews.MAX_EVIDENCE + 3; i++) {
            FlowViews.addEvidence(v, event(i));
        }
        for (int i = 0; i < FlowViews.MAX_EVIDENCE - 1; i++) {
            expected.add(event(i));
        }
        expected.add(event(FlowViews.MAX_EVIDENCE + 2));
        assertEquals(expected, v.getEvidence());
    }

    @Test
    void droppedEvidenceIsTheSharedEmptyListAndCanGrowAgain() {
        NodeView v = FlowViews.newView(event(0), 0L, ViewOrigin.EVENT);
        FlowViews.addEvidence(v, event(1));
        List<ConntrackEvent> own = v.getEvidence();
        FlowViews.dropEvidence(v);
        assertSame(FlowViews.NO_EVIDENCE, v.getEvidence());
        assertEquals(1, own.size(), "a list handed out before is left as it was");
        FlowViews.addEvidence(v, event(2));
        assertEquals(List.of(event(2)), v.getEvidence());
        assertNotSame(own, v.getEvidence());
    }

    @Test
    void anImmutableEmptyEvidenceListFromElsewhereIsReplacedNotWrittenTo() {
        NodeView v = FlowViews.newView(event(0), 0L, ViewOrigin.EVENT);
        v.setEvidence(java.util.Collections.emptyList());
        FlowViews.addEvidence(v, event(1));
        assertEquals(List.of(event(1)), v.getEvidence());
    }
}
