package io.ctflow.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.Locale;

/** Writes figures as rows of a Markdown table, or as JSON lines, as they are measured. */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintStream out;
    private final boolean json;
    private boolean headerDone;

    Report(PrintStream out, boolean json) {
        this.out = out;
        this.json = json;
    }

    void add(Figure f) {
        if (json) {
            out.println(jsonLine(f));
        } else {
            if (!headerDone) {
                out.println("| figure | value | baseline | ratio | goal | settings |");
                out.println("| --- | --- | --- | --- | --- | --- |");
                headerDone = true;
            }
            out.println(markdownRow(f));
        }
        out.flush();
    }

    static String markdownRow(Figure f) {
        return "| " + f.name() + " | " + value(f.rate(), f.unit()) + " | " + value(f.baseline(), f.unit()) + " | "
                + (Double.isNaN(f.ratio()) ? "-" : String.format(Locale.ROOT, "%.2f", f.ratio())) + " | "
                + (f.goal().isEmpty() ? "-" : f.goal()) + " | " + f.settings() + " |";
    }

    static String jsonLine(Figure f) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", f.name());
        if (Double.isNaN(f.rate())) {
            o.putNull("rate"); // JSON has no NaN
        } else {
            o.put("rate", f.rate());
        }
        if (Double.isNaN(f.baseline())) {
            o.putNull("baseline");
            o.putNull("ratio");
        } else {
            o.put("baseline", f.baseline());
            o.put("ratio", f.ratio());
        }
        o.put("unit", f.unit());
        o.put("goal", f.goal());
        o.put("settings", f.settings());
        return o.toString();
    }

    private static String value(double v, String unit) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return switch (unit) {
            case "/s" -> String.format(Locale.ROOT, "%,.0f /s", v);
            case "ms" -> String.format(Locale.ROOT, "%,.0f ms", v);
            default -> String.format(Locale.ROOT, "%,.0f %s", v, unit);
        };
    }
}
