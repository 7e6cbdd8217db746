package io.ctflow.streams.flow;

import io.ctflow.flow.FlowKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The flow join's event-time timers, in memory: O(log n) to add or fire, nothing written per event.
 * They are not state of their own: every deadline is a field of a flow's state (a view's
 * {@code judgeAt}, the flow's {@code expireAt}), so {@link FlowJoinProcessor#init} rebuilds the queue
 * from the flows store after a restore, and a timer is only acted on when its flow still names that
 * deadline. A timer that moved is thus simply left behind and skipped when it comes up: no delete,
 * and no tombstone for a later scan to walk (which is what made timers in a RocksDB store slow down
 * as their history grew).
 *
 * <p>Nearly every connection is answered before its reply timer comes up; a reply cancels the timer
 * ({@link #cancelReply}), so it is dropped when polled instead of reading its flow back from the store
 * (that read was an eighth of the stream thread in the production bench). Only timers still queued
 * are in the armed set, so a cancel after the timer fired changes nothing.
 *
 * <p>Likewise a finished connection's expiry: once every view is destroyed, judged and counted, the
 * only thing left for its expiry timer is to delete the flow. Such a timer is marked quiet
 * ({@link #markQuiet}); any later change of the flow unmarks it ({@link #unmarkQuiet}), and a timer
 * still quiet when it comes up deletes the flow without reading it first.
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
    /** The queued reply timers not cancelled: a subset of {@link #queue}. */
    private final Set<Timer> armedReplies = new HashSet<>();
    /** Queued expiry timers whose flow, unchanged since, needs only deleting: a subset of {@link #queue}. */
    private final Set<Timer> quietExpiries = new HashSet<>();

    void add(long atMicros, Kind kind, FlowKey flow, String node) {
        Timer t = new Timer(atMicros, kind, flow, node);
        queue.add(t);
        if (kind == Kind.REPLY) {
            armedReplies.add(t);
        }
    }

    /** The view got its reply: its reply timer, if still queued, will not fire. */
    void cancelReply(long atMicros, FlowKey flow, String node) {
        armedReplies.remove(new Timer(atMicros, Kind.REPLY, flow, node));
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

    /** The flow's expiry timer at {@code atMicros} (queued) needs only to delete the flow, unless the flow changes first. */
    void markQuiet(long atMicros, FlowKey flow) {
        quietExpiries.add(new Timer(atMicros, Kind.EXPIRE, flow, null));
    }

    /** The flow changes: its expiry timer at {@code atMicros} must look at it again. */
    void unmarkQuiet(long atMicros, FlowKey flow) {
        if (!quietExpiries.isEmpty()) {
            quietExpiries.remove(new Timer(atMicros, Kind.EXPIRE, flow, null));
        }
    }

    /** Whether a timer just polled was quiet (and forgets that it was). */
    boolean wasQuiet(Timer t) {
        return t.kind() == Kind.EXPIRE && quietExpiries.remove(t);
    }

    /**
     * Removes up to {@code max} timers due at or before {@code nowMicros} and returns them in firing
     * order, leaving out cancelled ones.
     */
    List<Timer> pollDue(long nowMicros, int max) {
        Timer head = queue.peek();
        if (head == null || head.at() > nowMicros) {
            return List.of();
        }
        List<Timer> due = new ArrayList<>();
        while (due.size() < max && (head = queue.peek()) != null && head.at() <= nowMicros) {
            queue.poll();
            if (head.kind() != Kind.REPLY || armedReplies.remove(head)) {
                due.add(head);
            }
        }
        return due;
    }

    /** Timers queued, cancelled ones included until they come up. */
    int size() {
        return queue.size();
    }

    /** Reply timers queued and not cancelled. */
    int armedReplies() {
        return armedReplies.size();
    }

    /** Expiry timers queued that need only delete their flow. */
    int quietExpiries() {
        return quietExpiries.size();
    }

    void clear() {
        queue.clear();
        armedReplies.clear();
        quietExpiries.clear();
    }
}
