package io.ctflow.streams.flow;

import io.ctflow.avro.EventType;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.avro.internal.ViewOrigin;

/**
 * What one kernel event means for the connection the app knows under its flow key, decided before
 * anything changes. The kernel's timing makes this necessary: a DESTROY can come minutes after the
 * last event (lazy reaping after TIME_WAIT's 120 s), collectors restart and re-send, and a tuple is
 * reused by a new connection once the old entry is gone. Only a NEW (or a snapshot line) starts a
 * connection; anything else for a connection the app does not know is dropped, so a late event can
 * never count or alert a second time.
 */
public enum Admission {
    /** A NEW or snapshot line of a flow the app does not know: a connection starts. */
    NEW_FLOW,
    /** A NEW or snapshot line of a tuple whose known connection is over: a new connection reusing the tuple. */
    REUSED_TUPLE,
    /** First sight of the connection on another node, from its NEW or a snapshot line. */
    NEW_VIEW,
    /** First sight on another node from an UPDATE or DESTROY (its NEW was lost or came before we ran): evidence only. */
    ADOPTED_VIEW,
    /** A later event of a view the app tracks. */
    UPDATE_VIEW,
    /** Nothing to do: an event of a connection the app does not (or no longer) know, or one it already had. */
    IGNORE;

    public static Admission of(FlowState st, NodeView view, EventType type, Long conntrackId, long tsMicros) {
        boolean starts = type == EventType.NEW || type == EventType.SNAPSHOT;
        if (st == null || st.getViews().isEmpty()) {
            return starts ? NEW_FLOW : IGNORE;
        }
        if (view == null) {
            if (FlowRetention.allDestroyed(st)) {
                // Every entry we knew is gone: only a new connection can show this tuple now.
                return starts ? REUSED_TUPLE : IGNORE;
            }
            return starts ? NEW_VIEW : ADOPTED_VIEW;
        }
        if (view.getDestroyed()) {
            // A re-sent copy of something before the DESTROY is old news; a NEW after it is a new connection.
            return starts && tsMicros > view.getLastSeen() ? REUSED_TUPLE : IGNORE;
        }
        boolean otherEntry = conntrackId != null && view.getConntrackId() != null && !conntrackId.equals(view.getConntrackId());
        if (starts && otherEntry && tsMicros > view.getLastSeen()) {
            return REUSED_TUPLE; // another kernel id on a live view: the old entry's DESTROY was lost
        }
        if (type == EventType.NEW) {
            return IGNORE; // the same entry's NEW again: a re-send
        }
        // A re-sent older event must not move the view's state back.
        return tsMicros < view.getLastSeen() ? IGNORE : UPDATE_VIEW;
    }

    /** How a view created by this admission began. */
    public ViewOrigin origin(EventType type) {
        if (this == ADOPTED_VIEW) {
            return ViewOrigin.ADOPTED;
        }
        return type == EventType.SNAPSHOT ? ViewOrigin.SNAPSHOT : ViewOrigin.EVENT;
    }
}
