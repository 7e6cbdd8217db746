package io.ctflow.streams.flow;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.Tuple;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.Judgement;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.avro.internal.ViewOrigin;
import java.util.ArrayList;
import java.util.List;

/** One node's view of a connection: how it is made from an event, found in a flow, and named. */
final class FlowViews {
    static final int MAX_EVIDENCE = 6;
    /**
     * The evidence of a view that keeps none: nearly every view (a replied one drops its evidence).
     * One shared immutable list, not an empty list per view: that was ~50 B of every open flow's heap
     * (BENCHMARKS.md, seventeenth round). {@link #addEvidence} gives a view its own list on its first event.
     */
    static final List<ConntrackEvent> NO_EVIDENCE = List.of();

    private FlowViews() {}

    // Plain constructors and setters, not Avro's builders: a builder validates every field and deep-copies
    // the schema default of each field left unset, on every new connection.
    static FlowState newFlow(long expireAt) {
        FlowState st = new FlowState(); // primary, service, serviceAddress null; counted* false: the schema's defaults
        st.setViews(new ArrayList<>(2));
        st.setExpireAt(expireAt);
        return st;
    }

    static NodeView newView(ConntrackEvent e, long ts, ViewOrigin origin) {
        Tuple o = e.getOriginal();
        boolean icmp = o.getIcmpId() != null;
        NodeView v = new NodeView();
        v.setNode(e.getNode());
        v.setConntrackId(e.getConntrackId());
        v.setOrigin(origin);
        v.setFirstSeen(ts);
        v.setLastSeen(ts);
        v.setNat(NatKind.of(o, e.getReply()).stored());
        v.setOrigSrc(o.getSrc());
        v.setOrigDst(o.getDst());
        v.setOrigSport(icmp ? o.getIcmpId() : o.getSrcPort() == null ? 0 : o.getSrcPort());
        v.setOrigDport(icmp ? 0 : o.getDstPort() == null ? 0 : o.getDstPort());
        v.setReplied(-1);
        v.setState(e.getState());
        v.setTimeout(e.getTimeout() == null ? 0 : e.getTimeout());
        v.setDestroyed(false);
        v.setJudgement(Judgement.PENDING);
        v.setCause(null);
        v.setEvidence(NO_EVIDENCE);
        v.setJudgeAt(0);
        return v;
    }

    static NodeView find(FlowState st, String node) {
        for (NodeView v : st.getViews()) {
            if (v.getNode().equals(node)) {
                return v;
            }
        }
        return null;
    }

    /** A replied view needs no evidence: keeps healthy flows small. */
    static void dropEvidence(NodeView v) {
        v.setEvidence(NO_EVIDENCE);
    }

    static NatKind nat(NodeView v) {
        return NatKind.of(v.getNat());
    }

    /** Whether the view still waits for its unreplied-entry judgement. ADOPTED views are never judged. */
    static boolean awaitsJudgement(NodeView v) {
        return v.getOrigin() != ViewOrigin.ADOPTED && v.getReplied() < 0 && nat(v).natted()
                && (v.getJudgement() == Judgement.PENDING || v.getJudgement() == Judgement.DEFERRED);
    }

    static void addEvidence(NodeView v, ConntrackEvent e) {
        List<ConntrackEvent> ev = v.getEvidence();
        if (ev.isEmpty()) { // the shared empty list (or another that may be immutable): its own from now on
            ev = new ArrayList<>(2);
            v.setEvidence(ev);
        } else if (ev.size() >= MAX_EVIDENCE) {
            ev.remove(ev.size() - 1); // keep the first ones and the latest
        }
        ev.add(e);
    }

    /** Key of ctflow.services: proto/vip:port. */
    static String serviceKey(int proto, NodeView v) {
        return ServiceNames.tableKey(proto, v.getOrigDst(), v.getOrigDport());
    }

    /** Default Service id when ctflow.services does not know the address: vip:port/proto. */
    static String serviceAddress(int proto, NodeView v) {
        return ServiceNames.address(proto, v.getOrigDst(), v.getOrigDport());
    }

    static String stateName(String s) {
        return s == null ? "NONE" : s;
    }
}
