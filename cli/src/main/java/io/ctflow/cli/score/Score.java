package io.ctflow.cli.score;

import java.util.List;

/**
 * The figures of one scoring.
 *
 * @param overall     all rows together
 * @param rows        per cause (INCOMPLETE_NAT) and per node-anomaly type, rows with nothing left out
 * @param wrongCauses matched connections whose reported cause is not the true one
 * @param duplicates  raises of a key already raised as often as the truth has it
 * @param eventLoss   EVENT_LOSS raises, and whether the truth expects them
 * @param newFlows    new connections per Service, results against truth
 */
public record Score(Row overall, List<Row> rows, List<WrongCause> wrongCauses, long duplicates, EventLoss eventLoss,
                    FlowCounts newFlows) {
    public static final String INCOMPLETE_NAT = "INCOMPLETE_NAT";
    public static final String NODE = "NODE";

    /**
     * One cause: {@code raised} counts each alert once (re-raises are {@link #duplicates}); a
     * precision or recall of nothing (0 / 0) is 1.
     *
     * @param kind {@link #INCOMPLETE_NAT} or {@link #NODE}
     * @param cause the cause, or the node anomaly's type
     */
    public record Row(String kind, String cause, long truth, long raised, long truePositives) {
        public double precision() {
            return raised == 0 ? 1.0 : (double) truePositives / raised;
        }

        public double recall() {
            return truth == 0 ? 1.0 : (double) truePositives / truth;
        }

        /** Truth entries not found with their cause. */
        public long missed() {
            return truth - truePositives;
        }

        /** Raises that are not a true positive (wrong cause, or nothing there). */
        public long falsePositives() {
            return raised - truePositives;
        }
    }

    /** A connection found with another cause than the true one. */
    public record WrongCause(String node, String protocol, String client, String serviceAddress, String backend,
                             String truthCause, String reportedCause) {
        public String connection() {
            return node + " " + protocol + " " + client + " -> " + serviceAddress + " -> " + backend;
        }
    }

    /** EVENT_LOSS raises; {@code expected} when the truth lost events (they then count as nothing else). */
    public record EventLoss(long raised, boolean expected, long truthLostEvents) {}

    /**
     * New connections: {@code relativeError} = Σ|results − truth| / Σ truth (Σ truth at least 1).
     *
     * @param worst the Services with the largest differences, largest first (at most five, none equal)
     */
    public record FlowCounts(long truth, long results, long absoluteError, double relativeError, List<ServiceDiff> worst) {}

    /** One Service's new connections. */
    public record ServiceDiff(String service, long truth, long results) {
        public long difference() {
            return results - truth;
        }
    }
}
