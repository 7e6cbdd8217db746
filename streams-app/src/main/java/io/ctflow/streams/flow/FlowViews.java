package io.ctflow.streams.flow;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.Tuple;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.Judgement;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.avro.internal.ViewOrigin;
import io.ctflow.flow.Protocols;
import io.ctflow.net.Addresses;
import java.util.ArrayList;
import java.util.List;

/** One node's view of a connection: how it is made from an event, found in a flow, and named. */
final class FlowViews {
    static final int MAX_EVIDENCE = 6;

    private FlowViews() {}

    static FlowState newFlow(long expireAt) {
        return FlowState.newBuilder().setViews(new ArrayList<>()).setExpireAt(expireAt).build();
    }

    static NodeView newView(ConntrackEvent e, long ts, ViewOrigin origin) {
        Tuple o = e.getOriginal();
        boolean icmp = o.getIcmpId() != null;
        return NodeView.newBuilder()
                .setNode(e.getNode())
                .setConntrackId(e.getConntrackId())
                .setOrigin(origin)
                .setFirstSeen(ts)
                .setLastSeen(ts)
                .setNat(NatKind.of(o, e.getReply()).stored())
                .setOrigSrc(o.getSrc())
                .setOrigDst(o.getDst())
                .setOrigSport(icmp ? o.getIcmpId() : o.getSrcPort() == null ? 0 : o.getSrcPort())
                .setOrigDport(icmp ? 0 : o.getDstPort() == null ? 0 : o.getDstPort())
                .setReplied(-1)
                .setState(e.getState())
                .setTimeout(e.getTimeout() == null ? 0 : e.getTimeout())
                .setDestroyed(false)
                .setJudgement(Judgement.PENDING)
                .setCause(null)
                .setEvidence(new ArrayList<>())
                .build();
    }

    static NodeView find(FlowState st, String node) {
        for (NodeView v : st.getViews()) {
            if (v.getNode().equals(node)) {
                return v;
            }
        }
        return null;
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
        if (ev.size() >= MAX_EVIDENCE) {
            ev.remove(ev.size() - 1); // keep the first ones and the latest
        }
        ev.add(e);
    }

    /** Key of ctflow.services: proto/vip:port. */
    static String serviceKey(int proto, NodeView v) {
        return Protocols.name(proto) + "/" + Addresses.withPort(Addresses.bytes(v.getOrigDst()), v.getOrigDport());
    }

    /** Default Service id when ctflow.services does not know the address: vip:port/proto. */
    static String serviceAddress(int proto, NodeView v) {
        return Addresses.withPort(Addresses.bytes(v.getOrigDst()), v.getOrigDport()) + "/" + Protocols.name(proto);
    }

    static String stateName(String s) {
        return s == null ? "NONE" : s;
    }
}
