package io.ctflow.streams.flow;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import java.util.ArrayList;
import java.util.List;

/**
 * A flow's deadlines: its views' reply timers and its expiry check ({@link FlowRetention}), kept in
 * the flow state and mirrored in the in-memory {@link FlowTimers}. A timer is set only when its
 * deadline moves, and acted on only while the flow still names it.
 */
final class FlowDeadlines {

    /** What to do with a deadline that came and the flow still names. */
    interface Due {
        void replyTimeout(FlowKey key, FlowState st, NodeView v, long at);

        void expiryCheck(FlowKey key, FlowState st);
    }

    private final FlowRetention retention;
    private final int maxDuePerCall;
    private final FlowTimers timers = new FlowTimers();
    private boolean behind;

    /** {@code maxDuePerCall}: timers fired at most per {@link #fireDue} ({@code flow.timers-per-record}). */
    FlowDeadlines(FlowRetention retention, int maxDuePerCall) {
        if (maxDuePerCall < 1) {
            throw new IllegalArgumentException("maxDuePerCall < 1: " + maxDuePerCall);
        }
        this.retention = retention;
        this.maxDuePerCall = maxDuePerCall;
    }

    /** The view's reply is due by {@code at}. */
    void judgeAt(FlowKey key, NodeView v, long at) {
        replied(key, v); // a deadline it had before is gone
        v.setJudgeAt(at);
        timers.add(at, FlowTimers.Kind.REPLY, key, v.getNode());
    }

    /** The view got its first reply: its reply timer is moot (nearly every connection's: no read of the flow for it). */
    void replied(FlowKey key, NodeView v) {
        if (v.getJudgeAt() != 0) {
            timers.cancel(v.getJudgeAt(), FlowTimers.Kind.REPLY, key, v.getNode());
        }
    }

    /**
     * One expiry timer per flow: set when the flow has none, moved only to forget a finished flow
     * sooner (the old one is cancelled). A later expiry (a longer timeout on an UPDATE) is left to
     * the re-check when the timer fires. True when the flow is finished and settled: all its expiry
     * will do is delete it.
     */
    boolean scheduleExpiry(FlowKey key, FlowState st) {
        long expiry = retention.expiry(st);
        boolean finished = FlowRetention.allDestroyed(st);
        long was = st.getExpireAt();
        boolean moves = was == 0 || (finished && expiry < was);
        // Quiet: all its expiry will do is delete it, no need to read it then.
        boolean quiet = finished && expiry == (moves ? expiry : was) && settled(st);
        if (moves) {
            if (was != 0) {
                timers.cancel(was, FlowTimers.Kind.EXPIRE, key, null); // the open flow's, now moot
            }
            st.setExpireAt(expiry);
            timers.addExpiry(expiry, key, quiet);
        } else if (quiet) {
            timers.markQuiet(expiry, key);
        }
        return quiet;
    }

    /**
     * The flow is about to change (an event for it passed admission): if it was finished, its expiry
     * timer must read it again. Only a finished flow can have a quiet timer, so others cost nothing.
     */
    void changing(FlowKey key, FlowState st) {
        if (st.getExpireAt() != 0 && FlowRetention.allDestroyed(st)) {
            timers.unmarkQuiet(st.getExpireAt(), key);
        }
    }

    /** Nothing left to judge or count: its expiry only deletes it ({@link FlowJoinProcessor#expiryCheck}). */
    private static boolean settled(FlowState st) {
        if (st.getPrimary() != null && !st.getCountedEnd()) {
            return false;
        }
        for (NodeView v : st.getViews()) {
            if (FlowViews.awaitsJudgement(v)) {
                return false;
            }
        }
        return true;
    }

    /** Event time at which the flow may be forgotten. */
    long expiry(FlowState st) {
        return retention.expiry(st);
    }

    /**
     * Fires the timers due by {@code watermarkMicros} whose flow still names them, in firing order: at
     * most {@link #maxDuePerCall} of them, so that one record's work stays bounded when event time
     * jumps (a replay's end, a node's clock stepping ahead, a restart with a million flows due). All
     * at once, firing a million expiry checks took one record 3.4-4.6 s (BENCHMARKS.md, nineteenth
     * round): a few million would outlive the transaction timeout (10 s under exactly-once), and
     * the revived task would fire them all again from the same record, over and over. The rest fire on
     * the next records and wall-clock ticks; {@link #behind} says some are left.
     */
    void fireDue(long watermarkMicros, FlowCache flows, Due due) {
        List<FlowTimers.Timer> batch = timers.pollDue(watermarkMicros, maxDuePerCall);
        for (FlowTimers.Timer d : batch) {
            fire(d, flows, due);
        }
        behind = batch.size() == maxDuePerCall; // perhaps none left: the next call says so at no cost
    }

    /** Fires every timer due by {@code watermarkMicros}, however many (before a GAP is recorded: see {@link FlowJoinProcessor}). */
    void fireAllDue(long watermarkMicros, FlowCache flows, Due due) {
        do {
            fireDue(watermarkMicros, flows, due);
        } while (behind);
    }

    /**
     * While timers due are left ({@link #behind}), the ones of this flow fire before its next event,
     * as they would have if all had fired at once: an event never meets its flow as it was before a
     * deadline that passed. The others wait their turn; nothing but their own flow depends on them
     * (the Service windows wait too: {@link #firedThrough}).
     */
    void fireDueOf(FlowKey key, long watermarkMicros, FlowCache flows, Due due) {
        if (!behind) {
            return;
        }
        FlowState st = flows.load(key);
        if (st == null) {
            return;
        }
        List<FlowTimers.Timer> mine = new ArrayList<>(2);
        for (NodeView v : st.getViews()) {
            if (v.getJudgeAt() != 0 && v.getJudgeAt() <= watermarkMicros) {
                addIfQueued(mine, timers.take(v.getJudgeAt(), FlowTimers.Kind.REPLY, key, v.getNode()));
            }
        }
        if (st.getExpireAt() != 0 && st.getExpireAt() <= watermarkMicros) {
            addIfQueued(mine, timers.take(st.getExpireAt(), FlowTimers.Kind.EXPIRE, key, null));
        }
        mine.sort(FlowTimers.Timer.ORDER);
        for (FlowTimers.Timer d : mine) {
            fire(d, flows, due);
        }
    }

    private static void addIfQueued(List<FlowTimers.Timer> to, FlowTimers.Timer t) {
        if (t != null) {
            to.add(t);
        }
    }

    /**
     * The event time up to which every due timer has fired: {@code watermarkMicros}, or just before the
     * earliest timer still waiting. Service windows close on this, so a count a late-firing timer makes
     * still finds its window open.
     */
    long firedThrough(long watermarkMicros) {
        if (!behind) {
            return watermarkMicros;
        }
        long earliest = timers.earliestAtLeast();
        return earliest == Long.MAX_VALUE ? watermarkMicros : Math.min(watermarkMicros, earliest - 1);
    }

    /** Whether timers due by the last watermark may be left to fire. */
    boolean behind() {
        return behind;
    }

    private void fire(FlowTimers.Timer d, FlowCache flows, Due due) {
        if (d.quiet()) {
            flows.forget(d.flow()); // finished, settled and unchanged since: what expiryCheck would do, without the read
            return;
        }
        FlowState st = flows.load(d.flow());
        if (st == null) {
            return;
        }
        if (d.kind() == FlowTimers.Kind.REPLY) {
            NodeView v = FlowViews.find(st, d.node());
            if (v != null && v.getJudgeAt() == d.at() && FlowViews.awaitsJudgement(v)) {
                due.replyTimeout(d.flow(), st, v, d.at());
            }
        } else if (st.getExpireAt() == d.at()) {
            due.expiryCheck(d.flow(), st);
        }
    }

    /** After a (re)start: the timers the restored flows name. */
    void rebuild(FlowCache flows) {
        timers.clear();
        behind = false;
        flows.forEachStored(timers::addDeadlinesOf);
    }

    int pending() {
        return timers.size();
    }

    void clear() {
        timers.clear();
        behind = false;
    }
}
