package io.ctflow.streams.flow;

import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.Judgement;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.stats.ConnectionChange;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Judges NATed entries that stay unreplied: classifies the cause ({@link CauseClassifier}), raises
 * the anomaly (store {@code anomalies}, once per view) and resolves it when a late reply comes; defers
 * the judgement while a node of the flow has lost events that may hold the reply.
 */
final class UnrepliedJudge {
    private final ReplyTimeout timeout;
    private final CauseClassifier classifier;
    private final AnomalyBuilder anomalyBuilder;
    private final KeyValueStore<String, NatAnomaly> anomalies;
    private final KeyValueStore<String, ServiceEntry> services;
    private final KeyValueStore<String, NodeFacts> facts;
    private final KeyValueStore<String, Long> gaps;
    private final FlowOutput out;

    UnrepliedJudge(ReplyTimeout timeout, CauseClassifier classifier, KeyValueStore<String, NatAnomaly> anomalies,
                   KeyValueStore<String, ServiceEntry> services, KeyValueStore<String, NodeFacts> facts,
                   KeyValueStore<String, Long> gaps, FlowOutput out) {
        this.timeout = timeout;
        this.classifier = classifier;
        this.anomalyBuilder = new AnomalyBuilder(timeout);
        this.anomalies = anomalies;
        this.services = services;
        this.facts = facts;
        this.gaps = gaps;
        this.out = out;
    }

    /** Judges one node's unreplied NATed entry at event time {@code at}. */
    void judge(FlowKey key, FlowState st, NodeView v, long at, AnomalyBuilder.Trigger trigger) {
        if (trigger == AnomalyBuilder.Trigger.REPLY_TIMEOUT && lostEventsSince(st, v.getFirstSeen(), at)) {
            // A node of this flow lost events meanwhile: the reply (or the other node's view of it) may be
            // in the hole. The entry's own next event, its DESTROY or its expiry decides instead.
            v.setJudgement(Judgement.DEFERRED);
            v.setJudgeAt(0);
            return;
        }
        boolean primary = v.getNode().equals(st.getPrimary());
        if (primary && !st.getCountedUnreplied()) {
            st.setCountedUnreplied(true);
            out.count(st.getService(), ServiceUpdates.of(ConnectionChange.Kind.UNREPLIED, at, st));
        }
        ServiceEntry svc = FlowViews.nat(v).dnat() ? services.get(FlowViews.serviceKey(key.protocolNumber(), v)) : null;
        CauseClassifier.Verdict verdict = classifier.classify(key, v, st.getViews(), facts.get(v.getNode()), svc);
        if (!verdict.raise()) {
            v.setJudgement(Judgement.NONE);
            return;
        }
        v.setJudgement(Judgement.RAISED);
        v.setCause(verdict.cause().name());
        String akey = AnomalyBuilder.key(key, v.getNode());
        NatAnomaly a = anomalyBuilder.raised(key, st, v, svc, verdict, at, trigger);
        anomalies.put(akey, a);
        out.anomaly(akey, a, at / 1000);
        if (st.getService() != null) {
            out.count(st.getService(), ServiceUpdates.of(ConnectionChange.Kind.INCOMPLETE, at, st).cause(verdict.cause().name()));
        }
    }

    /** Deferred views past their reply timeout are judged as soon as the flow's views are whole again. */
    void judgeDeferred(FlowKey key, FlowState st, long ts) {
        for (NodeView w : st.getViews()) {
            if (w.getJudgement() == Judgement.DEFERRED && FlowViews.awaitsJudgement(w)
                    && ts >= w.getFirstSeen() + timeout.micros(key.protocolNumber())) {
                judge(key, st, w, ts, AnomalyBuilder.Trigger.REPLY_TIMEOUT);
            }
        }
    }

    /** The view's first reply came at {@code ts}: an anomaly raised for it is resolved. */
    void replied(FlowKey key, NodeView v, long ts) {
        if (v.getJudgement() != Judgement.RAISED) {
            return;
        }
        v.setJudgement(Judgement.RESOLVED);
        String akey = AnomalyBuilder.key(key, v.getNode());
        NatAnomaly open = anomalies.get(akey);
        if (open != null) {
            NatAnomaly resolved = AnomalyBuilder.resolved(open, ts);
            anomalies.put(akey, resolved);
            out.anomaly(akey, resolved, ts / 1000);
        }
    }

    /**
     * Whether a node's view of this flow may miss events: its node reported lost events (a GAP)
     * between {@code from} and {@code to}, and the view was not seen again since (the collector's
     * resync snapshot after a loss, or any later event, shows the entry as it is after the hole).
     */
    boolean lostEventsSince(FlowState st, long from, long to) {
        for (NodeView x : st.getViews()) {
            Long gap = gaps.get(x.getNode());
            if (gap != null && gap >= from && gap <= to && x.getLastSeen() < gap) {
                return true;
            }
        }
        return false;
    }
}
