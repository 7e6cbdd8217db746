package io.ctflow.streams.flow;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.FlowUpdate;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.stats.ConnectionChange;
import io.ctflow.streams.stats.ServicePartial;
import io.ctflow.streams.stats.ServicePartials;
import java.util.ArrayList;
import java.util.List;

/**
 * What the flow join tells the per-Service stats: each connection's changes, counted once however
 * many nodes saw it, in its Service window's partial ({@link ServicePartials}), and the messages
 * that carry them once a window closes on this partition's watermark. An event makes at most one
 * connection update (NEW, STATE or REPLIED, the first reply folded in) plus an END: one count per
 * change, not one per field.
 */
final class ConnectionCounts {
    private final ServicePartials partials;
    // The one connection update the current event makes; reset per event and in init().
    private ConnectionChange pending;
    private long lastTick;

    ConnectionCounts(ServicePartials partials) {
        this.partials = partials;
    }

    /** After a (re)start: nothing pending, no TICK sent yet. */
    void init() {
        pending = null;
        lastTick = Long.MIN_VALUE;
    }

    /** A new event: nothing pending from the last one. */
    void beginEvent() {
        pending = null;
    }

    /** The DNAT view of a connection was seen first: the stats start to follow it. */
    void opened(FlowKey key, FlowState st, NodeView v, boolean fresh) {
        pending = ServiceUpdates.opened(key, st, v, v.getFirstSeen(), fresh);
    }

    /** The connection's first reply, {@code replyMicros} after its NEW (-1: not timed, e.g. adopted from a snapshot). */
    void replied(FlowState st, long ts, long replyMicros) {
        if (pending == null) {
            pending = ServiceUpdates.of(ConnectionChange.Kind.REPLIED, ts, st);
        }
        pending.replied(replyMicros);
    }

    /** The primary view's protocol state moved. */
    void stateChanged(FlowState st, long ts, String from, String to) {
        if (pending == null) {
            pending = ServiceUpdates.of(ConnectionChange.Kind.STATE, ts, st);
        }
        pending.kind(ConnectionChange.Kind.STATE).fromState(FlowViews.stateName(from)).toState(FlowViews.stateName(to));
    }

    /** Counts what the current event changed, if anything. */
    void endEvent(FlowState st) {
        if (pending != null) {
            add(st.getService(), pending);
            pending = null;
        }
    }

    /** The connection is over (destroyed, expired or its tuple reused): counted once. */
    void ended(FlowState st, long ts) {
        if (st.getPrimary() != null && !st.getCountedEnd()) {
            st.setCountedEnd(true);
            add(st.getService(), ServiceUpdates.ended(st, ts));
        }
    }

    void add(String service, ConnectionChange c) {
        partials.add(service, c);
    }

    /**
     * What to send on a watermark: the partials of the windows it closed, then the TICK that carries
     * it (the stats task closes a window only after the TICK of every partition past it). Empty when
     * the watermark did not move.
     */
    List<Sent> onWatermark(long wm, int partition) {
        if (wm <= lastTick) {
            return List.of();
        }
        lastTick = wm;
        List<Sent> out = new ArrayList<>();
        for (ServicePartial p : partials.closeUpTo(wm)) {
            out.add(new Sent(p.service(), ServiceUpdates.partial(p, partition)));
        }
        out.add(new Sent("", ServiceUpdates.tick(wm, partition)));
        return out;
    }

    /** A stats message and its key (a Service id, or "" for a TICK, which goes to every stats partition). */
    record Sent(String key, FlowUpdate update) {}
}
