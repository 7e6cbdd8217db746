package io.ctflow.streams.flow;

import static io.ctflow.avro.EventType.DESTROY;
import static io.ctflow.avro.EventType.NEW;
import static io.ctflow.avro.EventType.SNAPSHOT;
import static io.ctflow.avro.EventType.UPDATE;
import static io.ctflow.streams.flow.Admission.ADOPTED_VIEW;
import static io.ctflow.streams.flow.Admission.IGNORE;
import static io.ctflow.streams.flow.Admission.NEW_FLOW;
import static io.ctflow.streams.flow.Admission.NEW_VIEW;
import static io.ctflow.streams.flow.Admission.REUSED_TUPLE;
import static io.ctflow.streams.flow.Admission.UPDATE_VIEW;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NatType;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.avro.internal.ViewOrigin;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    static NodeView view(String node, long id, long lastSeen, boolean destroyed) {
        return NodeView.newBuilder().setNode(node).setConntrackId(id).setFirstSeen(0).setLastSeen(lastSeen).setNat(NatType.DNAT)
                .setOrigSrc(ByteBuffer.wrap(new byte[4])).setOrigDst(ByteBuffer.wrap(new byte[4])).setOrigSport(1).setOrigDport(2)
                .setDestroyed(destroyed).build();
    }

    static FlowState flow(NodeView... views) {
        return FlowState.newBuilder().setViews(new ArrayList<>(List.of(views))).build();
    }

    @Test
    void onlyANewOrASnapshotStartsAFlowTheAppDoesNotKnow() {
        assertEquals(NEW_FLOW, Admission.of(null, null, NEW, 1L, 10));
        assertEquals(NEW_FLOW, Admission.of(null, null, SNAPSHOT, 1L, 10));
        assertEquals(IGNORE, Admission.of(null, null, UPDATE, 1L, 10));
        assertEquals(IGNORE, Admission.of(null, null, DESTROY, 1L, 10));
    }

    @Test
    void anotherNodesFirstEventJoinsTheKnownFlow() {
        FlowState st = flow(view("node1", 1, 10, false));
        assertEquals(NEW_VIEW, Admission.of(st, null, NEW, 2L, 11));
        assertEquals(NEW_VIEW, Admission.of(st, null, SNAPSHOT, 2L, 11));
        assertEquals(ADOPTED_VIEW, Admission.of(st, null, UPDATE, 2L, 11));
        assertEquals(ADOPTED_VIEW, Admission.of(st, null, DESTROY, 2L, 11));
        assertEquals(ViewOrigin.ADOPTED, ADOPTED_VIEW.origin(UPDATE));
        assertEquals(ViewOrigin.SNAPSHOT, NEW_VIEW.origin(SNAPSHOT));
        assertEquals(ViewOrigin.EVENT, NEW_FLOW.origin(NEW));
    }

    @Test
    void laterEventsUpdateAndReSentOnesAreIgnored() {
        NodeView v = view("node1", 1, 10, false);
        FlowState st = flow(v);
        assertEquals(UPDATE_VIEW, Admission.of(st, v, UPDATE, 1L, 10));
        assertEquals(UPDATE_VIEW, Admission.of(st, v, SNAPSHOT, 1L, 12));
        assertEquals(UPDATE_VIEW, Admission.of(st, v, DESTROY, 1L, 12));
        assertEquals(IGNORE, Admission.of(st, v, UPDATE, 1L, 9), "an older copy must not move the state back");
        assertEquals(IGNORE, Admission.of(st, v, NEW, 1L, 12), "the same entry's NEW again");
    }

    @Test
    void aNewAfterTheEndIsANewConnectionOnTheSameTuple() {
        NodeView gone = view("node1", 1, 10, true);
        FlowState st = flow(gone);
        assertEquals(REUSED_TUPLE, Admission.of(st, gone, NEW, 1L, 11));
        assertEquals(IGNORE, Admission.of(st, gone, NEW, 1L, 10), "a re-sent NEW from before the DESTROY");
        assertEquals(IGNORE, Admission.of(st, gone, DESTROY, 1L, 11));
        assertEquals(IGNORE, Admission.of(st, gone, UPDATE, 1L, 11));
        assertEquals(REUSED_TUPLE, Admission.of(st, null, NEW, 5L, 11), "another node, every entry gone");
        assertEquals(IGNORE, Admission.of(st, null, UPDATE, 5L, 11));
        NodeView live = view("node1", 1, 10, false);
        assertEquals(REUSED_TUPLE, Admission.of(flow(live), live, NEW, 2L, 11), "another kernel id: the DESTROY was lost");
        assertEquals(REUSED_TUPLE, Admission.of(flow(live), live, SNAPSHOT, 2L, 11));
    }
}
