package io.ctflow.streams.flow;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;

/**
 * The heap a flow takes in the flow join's decoded set ({@link FlowCache}), estimated from its shape:
 * what {@code flow.decoded-memory} counts. The figures come from {@code ctflow bench --only state}
 * (a one-view flow, key and state: 286 B with its strings, addresses and empty evidence list shared)
 * and object layout for the rest (the set's map entry and slot; an evidence event, decoded with its
 * own tuples). A flow's timers are not in it: they are kept for every flow in flight, decoded or not
 * ({@link FlowTimers}).
 */
final class DecodedFlowSize {
    /** A slot with no state (a flow read but not stored): key, map entry, slot. */
    static final int ABSENT = 150;
    /** A flow without views: that, plus the state object and its views list. */
    static final int FLOW = 250;
    /** Each node's view: the view object and its boxed id (its evidence list, while empty, is shared: {@link FlowViews#NO_EVIDENCE}). */
    static final int VIEW = 120;
    /** Each evidence event an unreplied view keeps (at most {@link FlowViews#MAX_EVIDENCE}). */
    static final int EVIDENCE_EVENT = 1_000;

    private DecodedFlowSize() {}

    static int of(FlowState st) {
        if (st == null) {
            return ABSENT;
        }
        int bytes = FLOW;
        for (NodeView v : st.getViews()) {
            bytes += VIEW + EVIDENCE_EVENT * v.getEvidence().size();
        }
        return bytes;
    }
}
