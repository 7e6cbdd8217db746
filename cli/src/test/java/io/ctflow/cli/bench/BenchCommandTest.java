package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A tiny run of every part: the output's shape and that the figures are positive and consistent (no timing asserted). */
class BenchCommandTest {
    private static final String[] TINY = {"--open-flows", "300", "--small-open-flows", "50", "--scaling-open-flows", "100", "--scaling-partitions", "2",
            "--rounds", "1", "--latency-rate", "1000", "--latency-seconds", "5", "--latency-open-flows", "200", "--state-flows", "300", "--collector-events", "3000",
            "--history-events", "20000", "--history-window", "4000"};

    private record Run(int code, String out, String err) {}

    private static Run bench(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = new CommandLine(new BenchCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String[] tiny(String... more) {
        List<String> a = new ArrayList<>(List.of(TINY));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void everyPartGivesItsFiguresAsJsonWithPositiveRatesAndConsistentRatios() throws Exception {
        Run r = bench(tiny("--json"));
        assertEquals(0, r.code, r.err);
        Map<String, JsonNode> figures = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : r.out.strip().split("\n")) {
            JsonNode f = json.readTree(line);
            figures.put(f.get("name").asText(), f);
        }
        assertEquals(List.of(
                "collector: parse + key + wire Avro + produce, acknowledged: events/s (best)",
                "serde: Confluent-wire Avro serializer: events/s (best)",
                CollectorRows.SERDE_READ_FIGURE,
                BenchCommand.STATE_FIGURE,
                BenchCommand.DECODED_FIGURE,
                "streams app, production workload: events/s (best)",
                "streams app, production workload: events/s (median)",
                "streams app, production workload: events per CPU second of the stream thread (median)",
                "streams app, small workload: events/s (best)",
                "streams app, small workload: events/s (median)",
                "streams app, small workload: events per CPU second of the stream thread (median)",
                HistoryRows.HISTORY_FIGURE,
                HistoryRows.HISTORY_CPU_FIGURE,
                "streams app, 2 stream threads vs 1, 2 partitions: events/s (best)",
                BenchCommand.latencyFigure(1000, 200)), List.copyOf(figures.keySet()), r.out);
        for (JsonNode f : figures.values()) {
            String name = f.get("name").asText();
            assertTrue(!f.get("settings").asText().isEmpty(), name);
            if (name.startsWith("anomaly latency")) {
                // an excess can be negative by the producer's linger at most; it is a finite number
                assertTrue(Double.isFinite(f.get("rate").asDouble()), name);
                assertTrue(f.get("baseline").isNull(), name);
                continue;
            }
            assertTrue(f.get("rate").asDouble() > 0, name);
            if (!f.get("baseline").isNull()) {
                assertTrue(f.get("baseline").asDouble() > 0, name);
                assertEquals(f.get("rate").asDouble() / f.get("baseline").asDouble(), f.get("ratio").asDouble(), 1e-9, name);
            }
        }
        // 300 open flows at the peak (100 connections/s of 3 s), 600 connections: 5 events each, 2 if
        // unreplied (18), heartbeats of 10 nodes every second of the 8.99 s
        assertTrue(figures.get("streams app, production workload: events/s (best)").get("settings").asText()
                .contains(String.format("100 connections/s, 300 open flows at the peak, 3 %% unreplied, %,d events", 600 * 5 - 18 * 3 + 9 * 10)), r.out);
        // the state row's flows: every connection begun before the first ended (300), none gone yet
        assertTrue(figures.get(BenchCommand.STATE_FIGURE)
                .get("settings").asText().startsWith("production workload at its peak: 300 flows"), r.out);
        // the history row compares the start of each run's peak with its end, after >= 20,000 events
        String history = figures.get(HistoryRows.HISTORY_FIGURE).get("settings").asText();
        assertTrue(history.contains("(the first 4,000 once 300 flows are open and the first finished ones expire)"), history);
        long after = Long.parseLong(history.replaceAll(".*after ([0-9,]+) events:.*", "$1").replace(",", ""));
        assertTrue(after >= 20_000, history);
        // and what the wall rates leave out: the stream thread's own cost per event, the log cleaner's share of the cores
        assertTrue(history.matches(".*events per CPU second of the stream thread [0-9,]+ at the start, [0-9,]+ at the end \\([0-9.]+; "
                + "single windows [0-9,]+ and [0-9,]+\\); the broker's log cleaner took [0-9.]+ and [0-9.]+ cores.*"), history);
        // the figure is the line through every window, read at the first and the last; its first point is the first window
        // (here two windows: the line goes through both)
        JsonNode wall = figures.get(HistoryRows.HISTORY_FIGURE);
        assertTrue(history.contains(String.format("those two single windows: %,.0f and", wall.get("baseline").asDouble())), history + " / " + wall);
        // every window between them, with who took the cores
        assertTrue(history.matches(".*every 4,000-event window from the first: [0-9]+k \\([0-9?]+k per CPU s; cores: all [0-9.]+, "
                + "log cleaner [0-9.]+, GC [0-9.]+, RocksDB [0-9.]+, JIT [0-9.]+\\).*"), history);
        // each row shows the run whose line has the median ratio of three, and lists all three; a tiny run's
        // window can end before the stream thread is known (no CPU figure): such a run counts last
        JsonNode cpu = figures.get(HistoryRows.HISTORY_CPU_FIGURE);
        for (JsonNode f : List.of(wall, cpu)) {
            String settings = f.get("settings").asText();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^the run with the median ratio of 3 \\(each a fresh app instance from offset 0 "
                    + "over the same loaded input\\): ([0-9.]+|NaN), ([0-9.]+|NaN), ([0-9.]+|NaN); shown: run ([123]),.*").matcher(settings);
            assertTrue(m.matches(), settings);
            List<Double> numbers = new ArrayList<>();
            for (int g = 1; g <= 3; g++) {
                double x = Double.parseDouble(m.group(g));
                if (!Double.isNaN(x)) {
                    numbers.add(x);
                }
            }
            assertTrue(!numbers.isEmpty(), settings);
            java.util.Collections.sort(numbers);
            double shown = Double.parseDouble(m.group(Integer.parseInt(m.group(4))));
            assertEquals(numbers.get((numbers.size() - 1) / 2), shown, 1e-9, settings);
            assertEquals(shown, f.get("ratio").asDouble(), 0.005, settings);
        }
        assertTrue(r.err.contains("history: run 3 of 3"), r.err);
        assertTrue(figures.get("streams app, 2 stream threads vs 1, 2 partitions: events/s (best)").get("settings").asText()
                .contains("limit: " + Runtime.getRuntime().availableProcessors() + " cores"), r.out);
        // the latency row held its long-lived flows open while the paced producer ran
        assertTrue(figures.get(BenchCommand.latencyFigure(1000, 200)).get("settings").asText().contains("200 long-lived flows open all along"), r.out);
        assertTrue(r.err.contains("latency: 200 open flows sent (610 events"), r.err);
        assertTrue(r.err.contains("production-app-1"), r.err);
        // the heap the rounds ran in, and a warning when it could grow
        BenchHeap heap = BenchHeap.current();
        assertTrue(figures.get("streams app, production workload: events/s (best)").get("settings").asText()
                .matches(".*; " + java.util.regex.Pattern.quote(heap.describe()) + "; fresh memory [0-9.]+ s per GiB at first touch.*"), r.out);
        assertEquals(heap.warning() != null, r.err.contains("bench: " + heap.describe() + ": a round that touches new heap pays for it"), r.err);
        // one warm-up round of the app and of its baseline before the counted ones, said in the figures
        assertTrue(r.err.contains("production-app-warm-up-1: running") && r.err.contains("production-passthrough-warm-up-1: running")
                && r.err.contains("scaling-2p-2t-warm-up-1: running"), r.err);
        for (String name : List.of("streams app, production workload: events/s (best)", "streams app, small workload: events/s (best)",
                "streams app, 2 stream threads vs 1, 2 partitions: events/s (best)")) {
            assertTrue(figures.get(name).get("settings").asText().endsWith("after 1 warm-up round(s) of each, not counted"), name);
        }
        // the history run comes after the production and small rounds: its start is timed warm, with no rounds of its own
        assertTrue(history.endsWith("; after the production or small rounds in the same JVM (the JIT warm)"), history);
        assertTrue(!r.err.contains("history-app-warm-up"), r.err);
    }

    /** Alone, the history part warms the app up first, so its first window is not timed while the JIT compiles. */
    @Test
    void historyAloneWarmsTheAppUpFirst() {
        Run r = bench(tiny("--only", "history"));
        assertEquals(0, r.code, r.err);
        int warmUp = r.err.indexOf("history-app-warm-up-1: running");
        assertTrue(warmUp >= 0 && warmUp < r.err.indexOf("history: loading"), r.err);
        List<String> lines = r.out.strip().lines().toList();
        assertEquals(4, lines.size(), r.out);
        assertTrue(lines.get(2).startsWith("| " + HistoryRows.HISTORY_FIGURE + " | "), lines.get(2));
        assertTrue(lines.get(2).matches(".*; after 1 warm-up round\\(s\\) of the app on a production workload of [0-9,]+ events, not counted \\|$"), lines.get(2));
        assertTrue(lines.get(3).startsWith("| " + HistoryRows.HISTORY_CPU_FIGURE + " | "), lines.get(3));
    }

    @Test
    void oneMarkdownTableWithAHeaderForOnePart() {
        Run r = bench(tiny("--only", "serde"));
        assertEquals(0, r.code, r.err);
        List<String> lines = r.out.strip().lines().toList();
        assertEquals(4, lines.size(), r.out);
        assertEquals("| figure | value | baseline | ratio | goal | settings |", lines.get(0));
        assertTrue(lines.get(2).startsWith("| serde: Confluent-wire Avro serializer: events/s (best) | "), lines.get(2));
        assertTrue(lines.get(2).contains("| ratio >= 0.9 |"), lines.get(2));
        assertTrue(lines.get(3).startsWith("| " + CollectorRows.SERDE_READ_FIGURE + " | "), lines.get(3));
        assertTrue(lines.get(3).contains("| ratio >= 0.9 |"), lines.get(3));
    }

    /** IllegalArgumentException: the cli's handler turns it into one line and exit code 2. */
    @Test
    void wrongPartsAndSizesAreUserMistakes() {
        BenchCommand c = new BenchCommand();
        new CommandLine(c).parseArgs("--only", "everything");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::validate);
        assertEquals("--only must be one of production, small, history, scaling, latency, state, collector, serde; got 'everything'", e.getMessage());
        BenchCommand d = new BenchCommand();
        new CommandLine(d).parseArgs("--rounds", "0");
        assertThrows(IllegalArgumentException.class, d::validate);
        BenchCommand h = new BenchCommand();
        new CommandLine(h).parseArgs("--history-runs", "0");
        assertEquals("--history-runs must be at least 1", assertThrows(IllegalArgumentException.class, h::validate).getMessage());
        BenchCommand w = new BenchCommand();
        new CommandLine(w).parseArgs("--warm-up-rounds", "-1");
        assertEquals("--warm-up-rounds must be at least 0", assertThrows(IllegalArgumentException.class, w::validate).getMessage());
    }
}
