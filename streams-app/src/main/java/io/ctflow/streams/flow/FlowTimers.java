package io.ctflow.streams.flow;

import io.ctflow.flow.FlowKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The flow join's event-time timers, in memory: O(log n) to add or fire, nothing written per event.
 * They are not state of their own: every deadline is a field of a flow's state (a view's
 * {@code judgeAt}, the flow's {@code expireAt}), so {@link FlowJoinProcessor#init} rebuilds the queue
 * from the flows store after a restore, and a timer is only acted on when its flow still names that
 * deadline. A timer that moved is thus simply left behind and skipped when it comes up: no delete,
 * and no tombstone for a later scan to walk (which is what made timers in a RocksDB store slow down
 * as their history grew).
 */
final class FlowTimers {
    /** REPLY: judge one node's unreplied entry. EXPIRE: check whether a flow can be forgotten. */
    enum Kind { REPLY, EXPIRE }

    /** A timer; equal deadlines fire in a fixed order (kind, flow key, node), so a replay fires them as the live run did. */
    record Timer(long at, Kind kind, FlowKey flow, String node) {}

    /** Written out rather than chained comparators: the queue compares on every add and poll. */
    private static final Comparator<Timer> ORDER = (a, b) -> {
        int c = Long.compare(a.at(), b.at());
        if (c != 0) {
            return c;
        }
        c = a.kind().compareTo(b.kind());
        if (c != 0) {
            return c;
        }
        c = Arrays.compareUnsigned(a.flow().rawBytes(), b.flow().rawBytes());
        if (c != 0) {
            return c;
        }
        return a.node() == null ? (b.node() == null ? 0 : -1) : b.node() == null ? 1 : a.node().compareTo(b.node());
    };

    private final PriorityQueue<Timer> queue = new PriorityQueue<>(1024, ORDER);

    void add(long atMicros, Kind kind, FlowKey flow, String node) {
        queue.add(new Timer(atMicros, kind, flow, node));
    }

    /** The deadlines a (restored) flow names: its views' pending reply judgements and its expiry check. */
    void addDeadlinesOf(FlowKey key, io.ctflow.avro.internal.FlowState st) {
        for (io.ctflow.avro.internal.NodeView v : st.getViews()) {
            if (v.getJudgeAt() != 0 && FlowViews.awaitsJudgement(v)) {
                add(v.getJudgeAt(), Kind.REPLY, key, v.getNode());
            }
        }
        if (st.getExpireAt() != 0) {
            add(st.getExpireAt(), Kind.EXPIRE, key, null);
        }
    }

    /** Removes and returns up to {@code max} timers due at or before {@code nowMicros}, in firing order. */
    List<Timer> pollDue(long nowMicros, int max) {
        Timer head = queue.peek();
        if (head == null || head.at() > nowMicros) {
            return List.of();
        }
        List<Timer> due = new ArrayList<>();
        while (due.size() < max && (head = queue.peek()) != null && head.at() <= nowMicros) {
            due.add(queue.poll());
        }
        return due;
    }

    int size() {
        return queue.size();
    }

    void clear() {
        queue.clear();
    }
}
