package io.ctflow.streams.flow;

import io.ctflow.flow.FlowKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The flow join's event-time timers, in memory: O(log n) to add, cancel or fire, nothing written per
 * event. They are not state of their own: every deadline is a field of a flow's state (a view's
 * {@code judgeAt}, the flow's {@code expireAt}), so {@link FlowJoinProcessor#init} rebuilds them from
 * the flows store after a restore, and a timer is only acted on when its flow still names that
 * deadline (no delete in a store, and no tombstone for a later scan to walk, which is what made
 * timers in a RocksDB store slow down as their history grew).
 *
 * <p>A deadline that goes or moves takes its timer out ({@link #cancel}): a reply cancels its view's
 * reply timer, and a finished flow's expiry, moved earlier, cancels the one set while it was open.
 * So the queue holds one timer per deadline still named, and a timer that comes up is worth reading
 * its flow for. Left in the queue, the replied connections' timers each read their flow back from
 * the store (an eighth of the stream thread in the production bench), and the open-flow expiries of
 * finished connections (240 s for a SYN_SENT entry) piled up to millions of entries.
 *
 * <p>A finished connection's expiry needs no read either: once every view is destroyed, judged and
 * counted, all that is left is to delete the flow. Such a timer is marked quiet ({@link #markQuiet});
 * any later change of the flow unmarks it ({@link #unmarkQuiet}), and a timer still quiet when it
 * comes up deletes the flow without reading it.
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

    /** Every timer still to come, in firing order (a sorted set, so a cancel is O(log n) too). */
    private final TreeSet<Timer> queue = new TreeSet<>(ORDER);
    /** Queued expiry timers whose flow, unchanged since, needs only deleting: a subset of {@link #queue}. */
    private final Set<Timer> quietExpiries = new HashSet<>();

    void add(long atMicros, Kind kind, FlowKey flow, String node) {
        queue.add(new Timer(atMicros, kind, flow, node));
    }

    /** The deadline went or moved: its timer, if still queued, will not fire. */
    void cancel(long atMicros, Kind kind, FlowKey flow, String node) {
        Timer t = new Timer(atMicros, kind, flow, node);
        if (queue.remove(t) && kind == Kind.EXPIRE) {
            quietExpiries.remove(t);
        }
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

    /** Removes and returns up to {@code max} timers due at or before {@code nowMicros}, in firing order. */
    List<Timer> pollDue(long nowMicros, int max) {
        if (queue.isEmpty() || queue.first().at() > nowMicros) {
            return List.of();
        }
        List<Timer> due = new ArrayList<>();
        while (due.size() < max && !queue.isEmpty() && queue.first().at() <= nowMicros) {
            due.add(queue.pollFirst());
        }
        return due;
    }

    int size() {
        return queue.size();
    }

    /** Expiry timers queued that need only delete their flow. */
    int quietExpiries() {
        return quietExpiries.size();
    }

    void clear() {
        queue.clear();
        quietExpiries.clear();
    }
}
