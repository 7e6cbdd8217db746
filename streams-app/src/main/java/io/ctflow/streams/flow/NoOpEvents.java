package io.ctflow.streams.flow;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.Judgement;
import io.ctflow.avro.internal.NodeView;

/**
 * Events of a tracked view that change nothing the app uses later, so the flow join neither writes
 * the flow nor touches a timer for them: a copy of what the view already says at the same time (a
 * collector's re-send, a snapshot line right after the event). Everything the join keeps counts
 * here: lastSeen feeds the expiry (FlowRetention), the loss-deferral rule, Admission and the API,
 * so a later time is a change; so are a new state or timeout, a first reply, a DESTROY, evidence
 * of an unreplied NATed entry, and any view whose judgement was deferred (the event may decide it).
 */
final class NoOpEvents {
    private NoOpEvents() {}

    static boolean changesNothing(FlowState st, NodeView v, ConntrackEvent e, long tsMicros) {
        if (e.getType() == EventType.DESTROY || tsMicros != v.getLastSeen() || v.getDestroyed()) {
            return false;
        }
        if (e.getTimeout() != null && e.getTimeout() != v.getTimeout()) {
            return false;
        }
        if (e.getState() != null && !e.getState().equals(v.getState())) {
            return false;
        }
        boolean unreplied = e.getFlags().contains(StatusFlag.UNREPLIED);
        if (v.getReplied() < 0 && (!unreplied || FlowViews.nat(v).natted())) {
            return false; // a first reply, or evidence for the judgement
        }
        for (NodeView w : st.getViews()) {
            if (w.getJudgement() == Judgement.DEFERRED) {
                return false;
            }
        }
        return true;
    }
}
