package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.Judgement;
import io.ctflow.avro.internal.NatType;
import io.ctflow.avro.internal.NodeView;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NoOpEventsTest {
    static ConntrackEvent event(EventType type, String state, Long timeout, boolean unreplied) {
        ConntrackEvent e = new ConntrackEvent();
        e.setType(type);
        e.setNode("node1");
        e.setState(state);
        e.setTimeout(timeout);
        e.setFlags(unreplied ? new ArrayList<>(List.of(StatusFlag.UNREPLIED)) : new ArrayList<>(List.of(StatusFlag.ASSURED)));
        return e;
    }

    /** A replied DNAT view in ESTABLISHED, timeout 300, last seen at 10. */
    static NodeView replied() {
        NodeView v = AdmissionTest.view("node1", 1, 10, false);
        v.setState("ESTABLISHED");
        v.setTimeout(300);
        v.setReplied(5);
        v.setJudgement(Judgement.NONE);
        return v;
    }

    @Test
    void aCopyOfWhatTheViewSaysAtTheSameTimeChangesNothing() {
        NodeView v = replied();
        FlowState st = AdmissionTest.flow(v);
        assertTrue(NoOpEvents.changesNothing(st, v, event(EventType.UPDATE, "ESTABLISHED", 300L, false), 10));
        assertTrue(NoOpEvents.changesNothing(st, v, event(EventType.SNAPSHOT, "ESTABLISHED", 300L, false), 10));
        assertTrue(NoOpEvents.changesNothing(st, v, event(EventType.UPDATE, null, null, false), 10));
    }

    @Test
    void anythingTheAppKeepsIsAChange() {
        NodeView v = replied();
        FlowState st = AdmissionTest.flow(v);
        assertFalse(NoOpEvents.changesNothing(st, v, event(EventType.UPDATE, "ESTABLISHED", 300L, false), 11), "lastSeen moves (expiry, loss rule)");
        assertFalse(NoOpEvents.changesNothing(st, v, event(EventType.UPDATE, "FIN_WAIT", 300L, false), 10), "state");
        assertFalse(NoOpEvents.changesNothing(st, v, event(EventType.UPDATE, "ESTABLISHED", 299L, false), 10), "timeout");
        assertFalse(NoOpEvents.changesNothing(st, v, event(EventType.DESTROY, null, null, false), 10), "the end");

        NodeView unreplied = AdmissionTest.view("node1", 1, 10, false);
        unreplied.setState("SYN_SENT");
        unreplied.setTimeout(120);
        FlowState st2 = AdmissionTest.flow(unreplied);
        assertFalse(NoOpEvents.changesNothing(st2, unreplied, event(EventType.UPDATE, "SYN_SENT", 120L, true), 10), "evidence of a NATed entry");
        assertFalse(NoOpEvents.changesNothing(st2, unreplied, event(EventType.UPDATE, "SYN_SENT", 120L, false), 10), "the first reply");
        unreplied.setNat(NatType.NONE);
        assertTrue(NoOpEvents.changesNothing(st2, unreplied, event(EventType.UPDATE, "SYN_SENT", 120L, true), 10), "un-NATed: nothing kept");

        NodeView deferred = AdmissionTest.view("node2", 2, 3, false);
        deferred.setJudgement(Judgement.DEFERRED);
        FlowState st3 = AdmissionTest.flow(v, deferred);
        assertFalse(NoOpEvents.changesNothing(st3, v, event(EventType.UPDATE, "ESTABLISHED", 300L, false), 10), "a deferred judgement may be decided now");
    }
}
