package io.ctflow.cli.score;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.cli.score.Score.Row;
import io.ctflow.cli.score.Score.ServiceDiff;
import io.ctflow.cli.score.Score.WrongCause;
import java.util.List;
import java.util.Locale;

/** A {@link Score} and its goals for people (a table) or scripts (one JSON object). */
public final class ScoreReport {
    static final int WRONG_CAUSES_SHOWN = 10;
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ScoreReport() {}

    public static String table(Score s, List<Goals.Check> goals) {
        StringBuilder b = new StringBuilder();
        String rowFormat = "%-16s %-26s %8s %8s %8s %10s %8s%n";
        b.append(String.format(Locale.ROOT, rowFormat, "kind", "cause", "truth", "raised", "TP", "precision", "recall"));
        for (Row r : s.rows()) {
            row(b, rowFormat, r.kind(), r.cause(), r);
        }
        row(b, rowFormat, "overall", "", s.overall());
        b.append('\n');
        b.append(String.format(Locale.ROOT, "wrong causes: %d%n", s.wrongCauses().size()));
        List<WrongCause> shown = s.wrongCauses().subList(0, Math.min(WRONG_CAUSES_SHOWN, s.wrongCauses().size()));
        for (WrongCause w : shown) {
            b.append(String.format(Locale.ROOT, "   %s: truth %s, reported %s%n", w.connection(), w.truthCause(), w.reportedCause()));
        }
        if (s.wrongCauses().size() > shown.size()) {
            b.append(String.format(Locale.ROOT, "   ... and %d more%n", s.wrongCauses().size() - shown.size()));
        }
        b.append(String.format(Locale.ROOT, "duplicates: %d%n", s.duplicates()));
        Score.EventLoss loss = s.eventLoss();
        if (loss.expected()) {
            b.append(String.format(Locale.ROOT, "EVENT_LOSS raised: %d (expected: the truth lost %d events; not scored)%n",
                    loss.raised(), loss.truthLostEvents()));
        }
        Score.FlowCounts c = s.newFlows();
        b.append(String.format(Locale.ROOT, "new connections: truth %d, results %d, sum of |differences| %d, count error %s%n",
                c.truth(), c.results(), c.absoluteError(), percent(c.relativeError())));
        for (ServiceDiff d : c.worst()) {
            b.append(String.format(Locale.ROOT, "   %-40s truth %8d  results %8d  difference %+d%n", d.service(), d.truth(), d.results(),
                    d.difference()));
        }
        b.append('\n');
        for (Goals.Check g : goals) {
            boolean ratio = !g.name().equals("duplicates");
            b.append(String.format(Locale.ROOT, "%s %-12s %s %s %s%n", g.ok() ? "✓" : "✗", g.name(),
                    ratio ? number(g.actual()) : Long.toString((long) g.actual()), g.op(),
                    ratio ? number(g.limit()) : Long.toString((long) g.limit())));
        }
        return b.toString();
    }

    public static ObjectNode json(Score s, List<Goals.Check> goals) {
        ObjectNode o = F.objectNode();
        o.set("overall", row(s.overall()));
        ArrayNode rows = o.putArray("causes");
        for (Row r : s.rows()) {
            rows.addObject().put("kind", r.kind()).put("cause", r.cause()).setAll(row(r));
        }
        o.put("wrongCauseCount", s.wrongCauses().size());
        ArrayNode wrong = o.putArray("wrongCauses");
        for (WrongCause w : s.wrongCauses()) {
            wrong.addObject().put("node", w.node()).put("protocol", w.protocol()).put("client", w.client())
                    .put("serviceAddress", w.serviceAddress()).put("backend", w.backend()).put("truthCause", w.truthCause())
                    .put("reportedCause", w.reportedCause());
        }
        o.put("duplicates", s.duplicates());
        o.putObject("eventLoss").put("raised", s.eventLoss().raised()).put("expected", s.eventLoss().expected())
                .put("truthLostEvents", s.eventLoss().truthLostEvents());
        Score.FlowCounts c = s.newFlows();
        ObjectNode flows = o.putObject("newFlows").put("truth", c.truth()).put("results", c.results())
                .put("absoluteError", c.absoluteError()).put("relativeError", c.relativeError());
        ArrayNode worst = flows.putArray("worst");
        for (ServiceDiff d : c.worst()) {
            worst.addObject().put("service", d.service()).put("truth", d.truth()).put("results", d.results())
                    .put("difference", d.difference());
        }
        ArrayNode g = o.putArray("goals");
        for (Goals.Check check : goals) {
            g.addObject().put("goal", check.name()).put("op", check.op()).put("limit", check.limit()).put("actual", check.actual())
                    .put("ok", check.ok());
        }
        o.put("ok", Goals.allOk(goals));
        return o;
    }

    private static ObjectNode row(Row r) {
        ObjectNode o = F.objectNode();
        o.put("truth", r.truth()).put("raised", r.raised()).put("truePositives", r.truePositives())
                .put("precision", r.precision()).put("recall", r.recall());
        return o;
    }

    private static void row(StringBuilder b, String format, String kind, String cause, Row r) {
        b.append(String.format(Locale.ROOT, format, kind, cause, r.truth(), r.raised(), r.truePositives(), number(r.precision()),
                number(r.recall())));
    }

    private static String number(double d) {
        return String.format(Locale.ROOT, "%.4f", d);
    }

    private static String percent(double d) {
        return String.format(Locale.ROOT, "%.2f %%", d * 100);
    }
}
