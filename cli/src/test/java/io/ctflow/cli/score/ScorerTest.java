package io.ctflow.cli.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.cli.score.Score.Row;
import io.ctflow.cli.score.Score.ServiceDiff;
import io.ctflow.cli.score.Score.WrongCause;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every scoring rule on hand-made truth and results. */
class ScorerTest {
    static final String RBC = "REPLY_BYPASSED_CONNTRACK";

    static Truth.Anomaly truth(String node, String client, String cause) {
        return new Truth.Anomaly(node, "TCP", client, "10.96.0.12:80", "10.64.3.9:8080", cause);
    }

    static Results.Raise raise(String node, String client, String cause, String status) {
        return new Results.Raise("INCOMPLETE_NAT", status, node, "TCP", client, "10.96.0.12:80", "10.64.3.9:8080", cause);
    }

    static Results.Raise nodeRaise(String node, String type) {
        return new Results.Raise(type, "OPEN", node, null, null, null, null, null);
    }

    static Truth truth(List<Truth.Anomaly> anomalies) {
        return new Truth(0, anomalies, List.of(), Map.of());
    }

    static Results results(Results.Raise... raises) {
        return new Results(List.of(raises), Map.of());
    }

    static Row row(Score s, String kind, String cause) {
        return s.rows().stream().filter(r -> r.kind().equals(kind) && r.cause().equals(cause)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + kind + "/" + cause + " in " + s.rows()));
    }

    @Test
    void everyConnectionFoundOnceWithItsCauseIsPerfect() {
        Score s = Scorer.score(truth(List.of(truth("n1", "10.0.0.1:1", RBC), truth("n1", "10.0.0.1:2", "HAIRPIN"))),
                results(raise("n1", "10.0.0.1:1", RBC, "OPEN"), raise("n1", "10.0.0.1:2", "HAIRPIN", "OPEN")));
        assertEquals(new Row("ALL", "ALL", 2, 2, 2), s.overall());
        assertEquals(List.of(new Row("INCOMPLETE_NAT", "HAIRPIN", 1, 1, 1), new Row("INCOMPLETE_NAT", RBC, 1, 1, 1)), s.rows(),
                "rows in the README's order of causes");
        assertEquals(1.0, s.overall().precision());
        assertEquals(1.0, s.overall().recall());
        assertEquals(0, s.duplicates());
        assertTrue(s.wrongCauses().isEmpty());
        assertTrue(Goals.allOk(Goals.STRICT.check(s)));
    }

    @Test
    void aResolvedReEmissionIsNotARaise() {
        Score s = Scorer.score(truth(List.of(truth("n1", "10.0.0.1:1", RBC))),
                results(raise("n1", "10.0.0.1:1", RBC, "OPEN"), raise("n1", "10.0.0.1:1", RBC, "RESOLVED")));
        assertEquals(new Row("ALL", "ALL", 1, 1, 1), s.overall());
        assertEquals(0, s.duplicates());
    }

    @Test
    void raisingAKeyMoreOftenThanTheTruthHasItIsDuplicatesNotFalsePositives() {
        Score s = Scorer.score(truth(List.of(truth("n1", "10.0.0.1:1", RBC), truth("n1", "10.0.0.1:1", RBC))),
                results(raise("n1", "10.0.0.1:1", RBC, "OPEN"), raise("n1", "10.0.0.1:1", RBC, "OPEN"),
                        raise("n1", "10.0.0.1:1", RBC, "OPEN"), raise("n1", "10.0.0.1:1", RBC, "OPEN")));
        assertEquals(new Row("ALL", "ALL", 2, 2, 2), s.overall(), "min(t, r) matched");
        assertEquals(2, s.duplicates(), "r - t");
        List<Goals.Check> checks = Goals.STRICT.check(s);
        assertFalse(Goals.allOk(checks));
        assertEquals(List.of(true, true, false, true), checks.stream().map(Goals.Check::ok).toList());
        assertTrue(Goals.allOk(new Goals(1.0, 1.0, 2, 0).check(s)));
    }

    @Test
    void fewerRaisesThanTruthEntriesAreMissed() {
        Score s = Scorer.score(truth(List.of(truth("n1", "10.0.0.1:1", RBC), truth("n1", "10.0.0.1:1", RBC))),
                results(raise("n1", "10.0.0.1:1", RBC, "OPEN")));
        assertEquals(new Row("INCOMPLETE_NAT", RBC, 2, 1, 1), row(s, "INCOMPLETE_NAT", RBC));
        assertEquals(0.5, s.overall().recall());
        assertEquals(1, s.overall().missed());
    }

    @Test
    void aWrongCauseIsAFalsePositiveForTheReportedCauseAndAFalseNegativeForTheTrueOne() {
        Score s = Scorer.score(truth(List.of(truth("n1", "10.0.0.1:1", "BACKEND_NOT_ENDPOINT"), truth("n2", "10.0.0.2:1", RBC))),
                results(raise("n1", "10.0.0.1:1", RBC, "OPEN"), raise("n2", "10.0.0.2:1", RBC, "OPEN")));
        assertEquals(new Row("INCOMPLETE_NAT", RBC, 1, 2, 1), row(s, "INCOMPLETE_NAT", RBC));
        assertEquals(new Row("INCOMPLETE_NAT", "BACKEND_NOT_ENDPOINT", 1, 0, 0), row(s, "INCOMPLETE_NAT", "BACKEND_NOT_ENDPOINT"));
        assertEquals(0.5, row(s, "INCOMPLETE_NAT", RBC).precision());
        assertEquals(0.0, row(s, "INCOMPLETE_NAT", "BACKEND_NOT_ENDPOINT").recall());
        assertEquals(1.0, row(s, "INCOMPLETE_NAT", "BACKEND_NOT_ENDPOINT").precision(), "nothing raised: 0/0 is 1");
        assertEquals(List.of(new WrongCause("n1", "TCP", "10.0.0.1:1", "10.96.0.12:80", "10.64.3.9:8080", "BACKEND_NOT_ENDPOINT", RBC)),
                s.wrongCauses());
        assertEquals(new Row("ALL", "ALL", 2, 2, 1), s.overall());
        assertEquals(0, s.duplicates());
    }

    @Test
    void withSeveralRaisesOfAKeyTheRightCauseIsMatchedAndTheRestAreDuplicates() {
        Score s = Scorer.score(truth(List.of(truth("n1", "10.0.0.1:1", "HAIRPIN"))),
                results(raise("n1", "10.0.0.1:1", "NO_REPLY", "OPEN"), raise("n1", "10.0.0.1:1", "HAIRPIN", "OPEN")));
        assertEquals(new Row("ALL", "ALL", 1, 1, 1), s.overall());
        assertEquals(1, s.duplicates());
        assertTrue(s.wrongCauses().isEmpty());
        assertTrue(s.rows().stream().noneMatch(r -> r.cause().equals("NO_REPLY")), "a duplicate is in no row: " + s.rows());
    }

    @Test
    void aKeyTheTruthDoesNotHaveIsOneFalsePositiveAndItsRepeatsDuplicates() {
        Score s = Scorer.score(truth(List.of()),
                results(raise("n1", "10.0.0.9:9", "NO_REPLY", "OPEN"), raise("n1", "10.0.0.9:9", "NO_REPLY", "OPEN")));
        assertEquals(new Row("INCOMPLETE_NAT", "NO_REPLY", 0, 1, 0), row(s, "INCOMPLETE_NAT", "NO_REPLY"));
        assertEquals(0.0, s.overall().precision());
        assertEquals(1.0, s.overall().recall(), "nothing to find: 0/0 is 1");
        assertEquals(1, s.duplicates());
    }

    @Test
    void everyKeyFieldMatters() {
        Truth t = truth(List.of(truth("n1", "10.0.0.1:1", RBC)));
        List<Results.Raise> others = List.of(
                new Results.Raise("INCOMPLETE_NAT", "OPEN", "n2", "TCP", "10.0.0.1:1", "10.96.0.12:80", "10.64.3.9:8080", RBC),
                new Results.Raise("INCOMPLETE_NAT", "OPEN", "n1", "UDP", "10.0.0.1:1", "10.96.0.12:80", "10.64.3.9:8080", RBC),
                new Results.Raise("INCOMPLETE_NAT", "OPEN", "n1", "TCP", "10.0.0.1:2", "10.96.0.12:80", "10.64.3.9:8080", RBC),
                new Results.Raise("INCOMPLETE_NAT", "OPEN", "n1", "TCP", "10.0.0.1:1", "10.96.0.13:80", "10.64.3.9:8080", RBC),
                new Results.Raise("INCOMPLETE_NAT", "OPEN", "n1", "TCP", "10.0.0.1:1", "10.96.0.12:80", "10.64.3.8:8080", RBC));
        for (Results.Raise r : others) {
            Score s = Scorer.score(t, new Results(List.of(r), Map.of()));
            assertEquals(new Row("ALL", "ALL", 1, 1, 0), s.overall(), r.toString());
        }
        Score lower = Scorer.score(t, results(new Results.Raise("INCOMPLETE_NAT", "OPEN", "n1", "tcp", "10.0.0.1:1", "10.96.0.12:80",
                "10.64.3.9:8080", RBC)));
        assertEquals(1, lower.overall().truePositives(), "protocol names match whatever their case");
    }

    @Test
    void nodeAnomaliesAreScoredByNodeAndTypeEachTypeItsOwnRow() {
        Truth t = new Truth(0, List.of(), List.of(new Truth.NodeAnomaly("n7", "INSERT_FAILED"), new Truth.NodeAnomaly("n2", "TABLE_PRESSURE"),
                new Truth.NodeAnomaly("n3", "DROP")), Map.of());
        Score s = Scorer.score(t, results(nodeRaise("n7", "INSERT_FAILED"), nodeRaise("n7", "INSERT_FAILED"),
                nodeRaise("n2", "TABLE_PRESSURE"), new Results.Raise("TABLE_PRESSURE", "RESOLVED", "n2", null, null, null, null, null),
                nodeRaise("n4", "EARLY_DROP")));
        assertEquals(List.of(new Row("NODE", "TABLE_PRESSURE", 1, 1, 1), new Row("NODE", "INSERT_FAILED", 1, 1, 1),
                new Row("NODE", "DROP", 1, 0, 0), new Row("NODE", "EARLY_DROP", 0, 1, 0)), s.rows());
        assertEquals(1, s.duplicates(), "INSERT_FAILED raised twice on n7");
        assertEquals(new Row("ALL", "ALL", 3, 3, 2), s.overall());
    }

    @Test
    void eventLossIsExpectedWhenTheTruthLostEventsAndAFalsePositiveOtherwise() {
        Results r = results(nodeRaise("n1", "EVENT_LOSS"), nodeRaise("n2", "EVENT_LOSS"));
        Score lossy = Scorer.score(new Truth(5, List.of(), List.of(), Map.of()), r);
        assertEquals(new Score.EventLoss(2, true, 5), lossy.eventLoss());
        assertTrue(lossy.rows().isEmpty(), lossy.rows().toString());
        assertEquals(1.0, lossy.overall().precision());

        Score clean = Scorer.score(new Truth(0, List.of(), List.of(), Map.of()), r);
        assertEquals(new Score.EventLoss(0, false, 0), clean.eventLoss());
        assertEquals(List.of(new Row("NODE", "EVENT_LOSS", 0, 2, 0)), clean.rows());
        assertEquals(0.0, clean.overall().precision());
    }

    @Test
    void newConnectionsAreComparedPerServiceOverAllWindows() {
        Map<String, Long> truthFlows = Map.of("a", 100L, "b", 50L, "c", 10L, "d", 40L);
        Map<String, Long> found = Map.of("a", 98L, "b", 50L, "c", 13L, "e", 1L);
        Score s = Scorer.score(new Truth(0, List.of(), List.of(), truthFlows), new Results(List.of(), found));
        Score.FlowCounts c = s.newFlows();
        assertEquals(200, c.truth());
        assertEquals(162, c.results());
        assertEquals(2 + 3 + 40 + 1, c.absoluteError());
        assertEquals(46.0 / 200, c.relativeError());
        assertEquals(List.of(new ServiceDiff("d", 40, 0), new ServiceDiff("c", 10, 13), new ServiceDiff("a", 100, 98),
                new ServiceDiff("e", 0, 1)), c.worst(), "largest |difference| first, equal ones left out");
        List<Goals.Check> checks = new Goals(1, 1, 0, 0.25).check(s);
        assertTrue(Goals.allOk(checks));
        assertFalse(Goals.allOk(new Goals(1, 1, 0, 0.2).check(s)));
    }

    @Test
    void theWorstServicesAreAtMostFive() {
        Map<String, Long> truthFlows = new java.util.HashMap<>();
        for (int i = 0; i < 8; i++) {
            truthFlows.put("svc-" + i, (long) i + 1);
        }
        Score s = Scorer.score(new Truth(0, List.of(), List.of(), truthFlows), new Results(List.of(), Map.of()));
        List<String> worst = new ArrayList<>(s.newFlows().worst().stream().map(ServiceDiff::service).toList());
        assertEquals(List.of("svc-7", "svc-6", "svc-5", "svc-4", "svc-3"), worst);
        assertEquals(1.0, s.newFlows().relativeError());
    }

    @Test
    void goalsRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Goals(1.5, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Goals(1, -0.1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Goals(1, 1, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Goals(1, 1, 0, Double.NaN));
    }
}
