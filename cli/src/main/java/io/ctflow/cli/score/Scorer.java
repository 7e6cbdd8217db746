package io.ctflow.cli.score;

import io.ctflow.cli.score.Score.Row;
import io.ctflow.cli.score.Score.ServiceDiff;
import io.ctflow.cli.score.Score.WrongCause;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Scores what the app found against what a simulation did. Pure: no I/O.
 *
 * <p>Connections (INCOMPLETE_NAT) are matched on (node, protocol, client, Service address,
 * backend), node anomalies on (node, type). The raises are the OPEN records. Per key with t truth
 * entries and r raises, min(t, r) are matched, true positives when the cause is the same (as many
 * as the causes allow), wrong causes otherwise; r − t more are duplicates. A key the truth does
 * not have is one false positive, its further raises duplicates. EVENT_LOSS is expected, and not
 * scored, when the truth lost events.
 */
public final class Scorer {
    static final int WORST_SERVICES = 5;
    static final String EVENT_LOSS = "EVENT_LOSS";
    /** Order of the rows: the app's causes and node anomaly types as its README lists them. */
    private static final List<String> ORDER = List.of("HAIRPIN", "REPLY_BYPASSED_CONNTRACK", "ASYMMETRIC_RETURN",
            "BACKEND_NOT_ENDPOINT", "NO_REPLY", "TABLE_PRESSURE", "INSERT_FAILED", "DROP", "EARLY_DROP", EVENT_LOSS);

    private Scorer() {}

    private record ConnectionKey(String node, String protocol, String client, String serviceAddress, String backend) {}

    private record NodeKey(String node, String type) {}

    /** Per-row counters while scoring. */
    private static final class Tally {
        final String kind;
        final Map<String, long[]> rows = new LinkedHashMap<>(); // cause -> {truth, raised, tp}
        long duplicates;

        Tally(String kind) {
            this.kind = kind;
        }

        long[] row(String cause) {
            return rows.computeIfAbsent(cause, c -> new long[3]);
        }
    }

    public static Score score(Truth truth, Results results) {
        Map<ConnectionKey, List<String>> truthFlows = new LinkedHashMap<>();
        for (Truth.Anomaly a : truth.anomalies()) {
            truthFlows.computeIfAbsent(new ConnectionKey(a.node(), upper(a.protocol()), a.client(), a.serviceAddress(), a.backend()),
                    k -> new ArrayList<>()).add(cause(a.cause()));
        }
        Map<NodeKey, List<String>> truthNodes = new LinkedHashMap<>();
        for (Truth.NodeAnomaly a : truth.nodeAnomalies()) {
            String type = cause(a.type());
            truthNodes.computeIfAbsent(new NodeKey(a.node(), type), k -> new ArrayList<>()).add(type);
        }
        boolean lossExpected = truth.lostEvents() > 0;
        long eventLoss = 0;
        Map<ConnectionKey, List<String>> raisedFlows = new LinkedHashMap<>();
        Map<NodeKey, List<String>> raisedNodes = new LinkedHashMap<>();
        for (Results.Raise r : results.anomalies()) {
            if (!r.open()) {
                continue;
            }
            String type = cause(r.type());
            if (type.equals(Score.INCOMPLETE_NAT)) {
                raisedFlows.computeIfAbsent(new ConnectionKey(r.node(), upper(r.protocol()), r.client(), r.serviceAddress(), r.backend()),
                        k -> new ArrayList<>()).add(cause(r.cause()));
            } else if (type.equals(EVENT_LOSS) && lossExpected) {
                eventLoss++;
            } else {
                raisedNodes.computeIfAbsent(new NodeKey(r.node(), type), k -> new ArrayList<>()).add(type);
            }
        }

        Tally flows = new Tally(Score.INCOMPLETE_NAT);
        List<WrongCause> wrong = new ArrayList<>();
        match(truthFlows, raisedFlows, flows, (k, t, rep) -> wrong.add(
                new WrongCause(k.node(), k.protocol(), k.client(), k.serviceAddress(), k.backend(), t, rep)));
        Tally nodes = new Tally(Score.NODE);
        match(truthNodes, raisedNodes, nodes, (k, t, rep) -> { }); // the type is the key: never a wrong cause

        List<Row> rows = new ArrayList<>();
        addRows(flows, rows);
        addRows(nodes, rows);
        long t = 0;
        long raised = 0;
        long tp = 0;
        for (Row r : rows) {
            t += r.truth();
            raised += r.raised();
            tp += r.truePositives();
        }
        return new Score(new Row("ALL", "ALL", t, raised, tp), rows, wrong, flows.duplicates + nodes.duplicates,
                new Score.EventLoss(eventLoss, lossExpected, truth.lostEvents()), newFlows(truth.newFlows(), results.newFlows()));
    }

    private interface WrongCauses<K> {
        void add(K key, String truthCause, String reportedCause);
    }

    private static <K> void match(Map<K, List<String>> truth, Map<K, List<String>> raised, Tally tally, WrongCauses<K> wrong) {
        for (Map.Entry<K, List<String>> e : truth.entrySet()) {
            for (String c : e.getValue()) {
                tally.row(c)[0]++;
            }
        }
        for (Map.Entry<K, List<String>> e : raised.entrySet()) {
            List<String> t = new ArrayList<>(truth.getOrDefault(e.getKey(), List.of()));
            List<String> r = new ArrayList<>(e.getValue());
            if (t.isEmpty()) { // nothing there: one false positive, the rest repeats it
                tally.row(r.get(0))[1]++;
                tally.duplicates += r.size() - 1;
                continue;
            }
            int matched = Math.min(t.size(), r.size());
            tally.duplicates += r.size() - matched;
            // Same causes pair first, so that the choice of which raises are duplicates never costs a true positive.
            int pairs = 0;
            for (int i = 0; i < r.size() && pairs < matched; ) {
                String c = r.get(i);
                if (t.remove(c)) {
                    r.remove(i);
                    long[] row = tally.row(c);
                    row[1]++;
                    row[2]++;
                    pairs++;
                } else {
                    i++;
                }
            }
            for (int i = 0; pairs < matched; i++, pairs++) {
                tally.row(r.get(i))[1]++;
                wrong.add(e.getKey(), t.get(i), r.get(i));
            }
        }
    }

    private static void addRows(Tally tally, List<Row> out) {
        List<String> causes = new ArrayList<>(tally.rows.keySet());
        causes.sort(Comparator.comparingInt((String c) -> ORDER.contains(c) ? ORDER.indexOf(c) : ORDER.size()).thenComparing(c -> c));
        for (String c : causes) {
            long[] v = tally.rows.get(c);
            out.add(new Row(tally.kind, c, v[0], v[1], v[2]));
        }
    }

    private static Score.FlowCounts newFlows(Map<String, Long> truth, Map<String, Long> results) {
        long t = 0;
        long r = 0;
        long abs = 0;
        List<ServiceDiff> diffs = new ArrayList<>();
        for (String s : union(truth, results)) {
            ServiceDiff d = new ServiceDiff(s, truth.getOrDefault(s, 0L), results.getOrDefault(s, 0L));
            t += d.truth();
            r += d.results();
            abs += Math.abs(d.difference());
            if (d.difference() != 0) {
                diffs.add(d);
            }
        }
        diffs.sort(Comparator.comparingLong((ServiceDiff d) -> -Math.abs(d.difference())).thenComparing(ServiceDiff::service));
        return new Score.FlowCounts(t, r, abs, (double) abs / Math.max(t, 1),
                List.copyOf(diffs.subList(0, Math.min(WORST_SERVICES, diffs.size()))));
    }

    private static Set<String> union(Map<String, Long> a, Map<String, Long> b) {
        Set<String> s = new TreeSet<>(a.keySet());
        s.addAll(b.keySet());
        return s;
    }

    private static String cause(String s) {
        return s == null ? "UNKNOWN" : upper(s);
    }

    private static String upper(String s) {
        return s == null ? null : s.toUpperCase(Locale.ROOT);
    }
}
