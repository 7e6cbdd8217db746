package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.flow.FlowKey;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowTimersTest {
    final FlowKey a = FlowKey.parse("tcp,10.244.1.3:8080,10.244.1.2:1");
    final FlowKey b = FlowKey.parse("udp,[fd00::1]:53,[fd00::2]:5353");

    @Test
    void pollsOnlyDueTimersInTimeOrderAndRemovesThem() {
        FlowTimers t = new FlowTimers();
        t.add(3_000, FlowTimers.Kind.REPLY, a, "node1");
        t.add(1_000, FlowTimers.Kind.EXPIRE, b, null);
        t.add(2_000, FlowTimers.Kind.REPLY, b, "node-ü");
        assertEquals(List.of(new FlowTimers.Timer(1_000, FlowTimers.Kind.EXPIRE, b, null),
                new FlowTimers.Timer(2_000, FlowTimers.Kind.REPLY, b, "node-ü")), t.pollDue(2_000, 10));
        assertEquals(List.of(), t.pollDue(2_500, 10));
        assertEquals(1, t.size());
    }

    @Test
    void equalDeadlinesFireInAFixedOrderWhateverTheInsertionOrder() {
        FlowTimers x = new FlowTimers();
        FlowTimers y = new FlowTimers();
        List<FlowTimers.Timer> timers = List.of(
                new FlowTimers.Timer(5, FlowTimers.Kind.EXPIRE, a, null),
                new FlowTimers.Timer(5, FlowTimers.Kind.REPLY, b, "n2"),
                new FlowTimers.Timer(5, FlowTimers.Kind.REPLY, a, "n2"),
                new FlowTimers.Timer(5, FlowTimers.Kind.REPLY, a, "n1"));
        timers.forEach(tm -> x.add(tm.at(), tm.kind(), tm.flow(), tm.node()));
        List<FlowTimers.Timer> reversed = new java.util.ArrayList<>(timers);
        java.util.Collections.reverse(reversed);
        reversed.forEach(tm -> y.add(tm.at(), tm.kind(), tm.flow(), tm.node()));
        List<FlowTimers.Timer> fired = x.pollDue(5, 10);
        assertEquals(fired, y.pollDue(5, 10));
        assertEquals(List.of(FlowTimers.Kind.REPLY, FlowTimers.Kind.REPLY, FlowTimers.Kind.REPLY, FlowTimers.Kind.EXPIRE),
                fired.stream().map(FlowTimers.Timer::kind).toList());
    }

    @Test
    void aRestoredFlowGivesBackTheDeadlinesItNames() {
        io.ctflow.avro.internal.NodeView waiting = AdmissionTest.view("node1", 1, 10, false);
        waiting.setJudgeAt(3_000_010);
        io.ctflow.avro.internal.NodeView replied = AdmissionTest.view("node2", 2, 10, false);
        replied.setJudgeAt(3_000_020);
        replied.setReplied(20);
        io.ctflow.avro.internal.FlowState st = AdmissionTest.flow(waiting, replied);
        st.setExpireAt(240_000_010);
        FlowTimers t = new FlowTimers();
        t.addDeadlinesOf(a, st);
        assertEquals(List.of(new FlowTimers.Timer(3_000_010, FlowTimers.Kind.REPLY, a, "node1"),
                new FlowTimers.Timer(240_000_010, FlowTimers.Kind.EXPIRE, a, null)), t.pollDue(Long.MAX_VALUE, 10));
    }

    @Test
    void aFullBatchLeavesTheRestForTheNextPoll() {
        FlowTimers t = new FlowTimers();
        for (int i = 0; i < 5; i++) {
            t.add(1_000, FlowTimers.Kind.REPLY, a, "node" + i);
        }
        assertEquals(3, t.pollDue(2_000, 3).size());
        assertEquals(List.of("node3", "node4"), t.pollDue(2_000, 3).stream().map(FlowTimers.Timer::node).toList());
    }

    @Test
    void aCancelledTimerLeavesTheQueue() {
        FlowTimers t = new FlowTimers();
        t.add(1_000, FlowTimers.Kind.REPLY, a, "node1");
        t.add(1_000, FlowTimers.Kind.REPLY, a, "node2");
        t.add(1_500, FlowTimers.Kind.EXPIRE, a, null);
        t.add(240_000, FlowTimers.Kind.EXPIRE, b, null);
        t.cancel(1_000, FlowTimers.Kind.REPLY, a, "node1");
        t.cancel(240_000, FlowTimers.Kind.EXPIRE, b, null);
        t.cancel(1_500, FlowTimers.Kind.REPLY, a, null); // no such timer: no effect
        t.cancel(999, FlowTimers.Kind.REPLY, a, "node2"); // another deadline: no effect
        assertEquals(2, t.size());
        assertEquals(List.of(new FlowTimers.Timer(1_000, FlowTimers.Kind.REPLY, a, "node2"),
                new FlowTimers.Timer(1_500, FlowTimers.Kind.EXPIRE, a, null)), t.pollDue(Long.MAX_VALUE, 10));
        assertEquals(0, t.size());
    }

    @Test
    void aCancelAfterTheTimerFiredChangesNothing() {
        FlowTimers t = new FlowTimers();
        t.add(1_000, FlowTimers.Kind.REPLY, a, "node1");
        assertEquals(1, t.pollDue(1_000, 10).size());
        t.cancel(1_000, FlowTimers.Kind.REPLY, a, "node1");
        t.add(1_000, FlowTimers.Kind.REPLY, a, "node1"); // set again (e.g. rebuilt after a restore): fires
        assertEquals(1, t.pollDue(1_000, 10).size());
    }

    @Test
    void aCancelledQuietExpiryIsNoLongerQuiet() {
        FlowTimers t = new FlowTimers();
        t.add(1_000, FlowTimers.Kind.EXPIRE, a, null);
        t.markQuiet(1_000, a);
        t.cancel(1_000, FlowTimers.Kind.EXPIRE, a, null);
        assertEquals(0, t.quietExpiries());
    }

    @Test
    void aQuietMarkTravelsWithTheQueuedTimerUntilUnmarked() {
        FlowTimers t = new FlowTimers();
        t.addExpiry(1_000, a, true);
        t.addExpiry(2_000, b, false);
        t.markQuiet(2_000, b);
        t.unmarkQuiet(1_000, a);
        t.markQuiet(3_000, a); // no such timer: nothing is queued
        assertEquals(1, t.quietExpiries());
        assertEquals(2, t.size());
        List<FlowTimers.Timer> fired = t.pollDue(Long.MAX_VALUE, 10);
        assertEquals(List.of(new FlowTimers.Timer(1_000, FlowTimers.Kind.EXPIRE, a, null),
                new FlowTimers.Timer(2_000, FlowTimers.Kind.EXPIRE, b, null)), fired);
        assertEquals(List.of(false, true), fired.stream().map(FlowTimers.Timer::quiet).toList());
    }

    @Test
    void aQuietTimerIsCancelledLikeAnyOther() {
        FlowTimers t = new FlowTimers();
        t.addExpiry(1_000, a, true);
        t.cancel(1_000, FlowTimers.Kind.EXPIRE, a, null);
        assertEquals(0, t.size());
        assertEquals(List.of(), t.pollDue(Long.MAX_VALUE, 10));
    }
}
