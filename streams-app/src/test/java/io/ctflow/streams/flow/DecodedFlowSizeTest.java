package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.internal.FlowState;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DecodedFlowSizeTest {
    @Test
    void aFlowCountsItsViewsAndEachEvidenceEvent() {
        assertEquals(DecodedFlowSize.ABSENT, DecodedFlowSize.of(null));
        FlowState healthy = FlowCacheTest.flow(1);
        assertEquals(DecodedFlowSize.FLOW + DecodedFlowSize.VIEW, DecodedFlowSize.of(healthy));

        FlowState twoNodes = AdmissionTest.flow(AdmissionTest.view("node1", 1, 5, false), AdmissionTest.view("node2", 2, 5, false));
        assertEquals(DecodedFlowSize.FLOW + 2 * DecodedFlowSize.VIEW, DecodedFlowSize.of(twoNodes));

        FlowState unreplied = FlowCacheTest.flow(1);
        for (int i = 0; i < FlowViews.MAX_EVIDENCE; i++) {
            FlowViews.addEvidence(unreplied.getViews().get(0), FlowStateSerdeTest.event(new SplittableRandom(i)));
        }
        assertEquals(DecodedFlowSize.of(healthy) + FlowViews.MAX_EVIDENCE * DecodedFlowSize.EVIDENCE_EVENT, DecodedFlowSize.of(unreplied));
    }
}
