package io.ctflow.streams.flow;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import java.util.List;

/**
 * A flow's deadlines: its views' reply timers and its expiry check ({@link FlowRetention}), kept in
 * the flow state and mirrored in the in-memory {@link FlowTimers}. A timer is set only when its
 * deadline moves, and acted on only while the flow still names it.
 */
final class FlowDeadlines {
    private static final int MAX_DUE_PER_PASS = 10_000;

    /** What to do with a deadline that came and the flow still names. */
    interface Due {
        void replyTimeout(FlowKey key, FlowState st, NodeView v, long at);

        void expiryCheck(FlowKey key, FlowState st);
    }

    private final FlowRetention retention;
    private final FlowTimers timers = new FlowTimers();

    FlowDeadlines(FlowRetention retention) {
        this.retention = retention;
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

    /** Fires every timer due by {@code watermarkMicros} whose flow still names it, in firing order. */
    void fireDue(long watermarkMicros, FlowCache flows, Due due) {
        List<FlowTimers.Timer> batch;
        do {
            batch = timers.pollDue(watermarkMicros, MAX_DUE_PER_PASS);
            for (FlowTimers.Timer d : batch) {
                if (d.quiet()) {
                    flows.forget(d.flow()); // finished, settled and unchanged since: what expiryCheck would do, without the read
                    continue;
                }
                FlowState st = flows.load(d.flow());
                if (st == null) {
                    continue;
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
        } while (batch.size() == MAX_DUE_PER_PASS);
    }

    /** After a (re)start: the timers the restored flows name. */
    void rebuild(FlowCache flows) {
        timers.clear();
        flows.forEachStored(timers::addDeadlinesOf);
    }

    int pending() {
        return timers.size();
    }

    void clear() {
        timers.clear();
    }
}
