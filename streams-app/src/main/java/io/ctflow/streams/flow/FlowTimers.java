package io.ctflow.streams.flow;

import io.ctflow.flow.FlowKey;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The flow join's event-time timers, in memory ({@link TimerQueue}): O(1) to add or cancel, nothing
 * written per event. They are not state of their own: every deadline is a field of a flow's state (a view's
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
 * counted, all that is left is to delete the flow. Such a timer is quiet (queued so by
 * {@link #addExpiry}, or marked later by {@link #markQuiet}); any later change of the flow unmarks it
 * ({@link #unmarkQuiet}), and a timer still quiet when it comes up deletes the flow without reading
 * it. Quiet is a mark on the queued timer, not a set beside the queue: the set held every finished
 * flow's timer for its linger (600 k at 20 k connections/s) and cost a cold hash insert and remove
 * per connection (4 % of the stream thread, BENCHMARKS.md twelfth round).
 */
final class FlowTimers {
    /** REPLY: judge one node's unreplied entry. EXPIRE: check whether a flow can be forgotten. */
    enum Kind { REPLY, EXPIRE }

    /**
     * A timer; equal deadlines fire in a fixed order (kind, flow key, node), so a replay fires them as
     * the live run did. Whether it is quiet is not part of its identity: a cancel or a mark finds it
     * either way.
     */
    static final class Timer {
        private final long at;
        private final Kind kind;
        private final FlowKey flow;
        private final String node;
        private final boolean quiet;

        Timer(long at, Kind kind, FlowKey flow, String node) {
            this(at, kind, flow, node, false);
        }

        private Timer(long at, Kind kind, FlowKey flow, String node, boolean quiet) {
            this.at = at;
            this.kind = kind;
            this.flow = flow;
            this.node = node;
            this.quiet = quiet;
        }

        long at() {
            return at;
        }

        Kind kind() {
            return kind;
        }

        FlowKey flow() {
            return flow;
        }

        String node() {
            return node;
        }

        /** An expiry that needs only delete its flow, which has not changed since. */
        boolean quiet() {
            return quiet;
        }

        /** Firing order. Written out rather than chained comparators: the queue sorts with it. */
        static final Comparator<Timer> ORDER = (a, b) -> {
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

        @Override
        public boolean equals(Object o) {
            return o instanceof Timer t && at == t.at && kind == t.kind && flow.equals(t.flow) && Objects.equals(node, t.node);
        }

        @Override
        public int hashCode() { // no boxing: hashed on every add and cancel
            return ((Long.hashCode(at) * 31 + kind.ordinal()) * 31 + flow.hashCode()) * 31 + (node == null ? 0 : node.hashCode());
        }

        @Override
        public String toString() {
            return "Timer[" + at + ", " + kind + ", " + flow + (node == null ? "" : ", " + node) + (quiet ? ", quiet" : "") + "]";
        }
    }

    /** Every timer still to come. */
    private final TimerQueue queue = new TimerQueue();

    void add(long atMicros, Kind kind, FlowKey flow, String node) {
        queue.add(new Timer(atMicros, kind, flow, node));
    }

    /** The flow's expiry check at {@code atMicros}; {@code quiet}: all it will do is delete the flow. */
    void addExpiry(long atMicros, FlowKey flow, boolean quiet) {
        queue.add(new Timer(atMicros, Kind.EXPIRE, flow, null, quiet));
    }

    /** The deadline went or moved: its timer, if still queued, will not fire. */
    void cancel(long atMicros, Kind kind, FlowKey flow, String node) {
        queue.remove(new Timer(atMicros, kind, flow, node));
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

    /** Takes out and returns the queued timer with this identity (quiet or not), or null if none is queued. */
    Timer take(long atMicros, Kind kind, FlowKey flow, String node) {
        Timer queued = queue.get(new Timer(atMicros, kind, flow, node));
        if (queued != null) {
            queue.remove(queued);
        }
        return queued;
    }

    /** A lower bound of the earliest queued deadline ({@code Long.MAX_VALUE}: none). */
    long earliestAtLeast() {
        return queue.earliestAtLeast();
    }

    /** The flow's expiry timer at {@code atMicros}, if queued, needs only to delete the flow, unless the flow changes first. */
    void markQuiet(long atMicros, FlowKey flow) {
        requeue(atMicros, flow, true);
    }

    /** The flow changes: its expiry timer at {@code atMicros} must look at it again. */
    void unmarkQuiet(long atMicros, FlowKey flow) {
        requeue(atMicros, flow, false);
    }

    // Timers are immutable: a mark that changes swaps the queued one. Rare: the usual quiet timer is
    // queued quiet, and only a straggler's event unmarks one.
    private void requeue(long atMicros, FlowKey flow, boolean quiet) {
        Timer queued = queue.get(new Timer(atMicros, Kind.EXPIRE, flow, null));
        if (queued != null && queued.quiet != quiet) {
            queue.replace(new Timer(atMicros, Kind.EXPIRE, flow, null, quiet));
        }
    }

    /** Removes and returns up to {@code max} timers due at or before {@code nowMicros}, in firing order. */
    List<Timer> pollDue(long nowMicros, int max) {
        return queue.pollDue(nowMicros, max);
    }

    int size() {
        return queue.size();
    }

    /** Expiry timers queued that need only delete their flow (tests: a walk over the queue). */
    int quietExpiries() {
        int n = 0;
        for (Timer t : queue.all()) {
            n += t.quiet ? 1 : 0;
        }
        return n;
    }

    void clear() {
        queue.clear();
    }
}
