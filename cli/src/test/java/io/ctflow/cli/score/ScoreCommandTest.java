package io.ctflow.cli.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctflow.cli.CtflowTestAccess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ctflow score}: exit codes, the table, --json and one-line errors. */
class ScoreCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TRUTH = """
            {"seed":1,"nodes":4,"services":10,"start":"2026-11-01T00:00:00Z","end":"2026-11-01T00:10:00Z","events":123456,"lostEvents":3,
             "anomalies":[{"node":"node-003","protocol":"TCP","client":"10.64.3.5:40123","serviceAddress":"10.96.0.12:80",
                           "service":"ns-2/svc-12:http","backend":"10.64.3.9:8080","cause":"REPLY_BYPASSED_CONNTRACK","firstSeen":"2026-11-01T00:01:00Z"}],
             "nodeAnomalies":[{"node":"node-007","type":"INSERT_FAILED"}],
             "newFlows":{"ns-2/svc-12:http":1234}}
            """;
    // as ctflow demo --json-out writes them (fields trimmed)
    static final String OPEN = "{\"kind\":\"anomaly\",\"type\":\"INCOMPLETE_NAT\",\"status\":\"OPEN\",\"node\":\"node-003\",\"protocol\":\"TCP\","
            + "\"client\":\"10.64.3.5:40123\",\"service\":\"ns-2/svc-12:http\",\"serviceAddress\":\"10.96.0.12:80\",\"backend\":\"10.64.3.9:8080\","
            + "\"cause\":\"REPLY_BYPASSED_CONNTRACK\",\"hint\":\"\",\"firstSeen\":\"2026-11-01T00:01:00Z\",\"detectedAt\":\"2026-11-01T00:01:03Z\","
            + "\"evidence\":[],\"facts\":{}}";
    static final String RESOLVED = OPEN.replace("\"OPEN\"", "\"RESOLVED\"");
    static final String INSERT_FAILED = "{\"kind\":\"anomaly\",\"type\":\"INSERT_FAILED\",\"status\":\"OPEN\",\"node\":\"node-007\","
            + "\"protocol\":null,\"client\":null,\"cause\":null}";
    static final String EVENT_LOSS = INSERT_FAILED.replace("INSERT_FAILED", "EVENT_LOSS").replace("node-007", "node-001");
    static final String STATS_1 = "{\"kind\":\"service-stats\",\"service\":\"ns-2/svc-12:http\",\"serviceAddress\":\"10.96.0.12:80/tcp\","
            + "\"windowStart\":\"2026-11-01T00:00:00Z\",\"windowEnd\":\"2026-11-01T00:00:10Z\",\"newFlows\":1000,\"replied\":999}";
    static final String STATS_2 = STATS_1.replace("\"newFlows\":1000", "\"newFlows\":234").replace("00:00:00Z", "00:00:10Z");

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        var cl = CtflowTestAccess.commandLine();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cl.setOut(new PrintWriter(new PrintStream(out, true, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new PrintStream(err, true, StandardCharsets.UTF_8), true));
        int code = cl.execute(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Path file(String name, String... lines) throws Exception {
        return Files.writeString(tmp.resolve(name), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    Run score(Path results, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("score", "--truth", file("truth.json", TRUTH).toString(), "--results", results.toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    @Test
    void everythingFoundIsExit0WithATableOfTicks() throws Exception {
        Run r = score(file("results.jsonl", OPEN, STATS_1, RESOLVED, INSERT_FAILED, EVENT_LOSS, "", STATS_2));
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("kind             cause                         truth   raised       TP  precision   recall", lines.get(0));
        assertEquals("INCOMPLETE_NAT   REPLY_BYPASSED_CONNTRACK          1        1        1     1.0000   1.0000", lines.get(1));
        assertEquals("NODE             INSERT_FAILED                     1        1        1     1.0000   1.0000", lines.get(2));
        assertEquals("overall                                            2        2        2     1.0000   1.0000", lines.get(3));
        assertTrue(r.out().contains("\nwrong causes: 0\nduplicates: 0\n"), r.out());
        assertTrue(r.out().contains("EVENT_LOSS raised: 1 (expected: the truth lost 3 events; not scored)"), r.out());
        assertTrue(r.out().contains("new connections: truth 1234, results 1234, sum of |differences| 0, count error 0.00 %"), r.out());
        assertTrue(r.out().endsWith("✓ precision    1.0000 >= 1.0000\n✓ recall       1.0000 >= 1.0000\n"
                + "✓ duplicates   0 <= 0\n✓ count error  0.0000 <= 0.0000\n"), r.out());
    }

    @Test
    void aFailedGoalIsExit1AndJsonHasTheSameFigures() throws Exception {
        Path results = file("results.jsonl", OPEN, OPEN, STATS_1);
        Run r = score(results, "--json");
        assertEquals(1, r.code(), r.out() + r.err());
        assertEquals(1, r.out().lines().count(), "one JSON object: " + r.out());
        JsonNode o = JSON.readTree(r.out());
        assertEquals(2, o.at("/overall/truth").asLong());
        assertEquals(1, o.at("/overall/raised").asLong());
        assertEquals(1, o.at("/overall/truePositives").asLong());
        assertEquals(1.0, o.at("/overall/precision").asDouble());
        assertEquals(0.5, o.at("/overall/recall").asDouble());
        assertEquals("REPLY_BYPASSED_CONNTRACK", o.at("/causes/0/cause").asText());
        assertEquals("INCOMPLETE_NAT", o.at("/causes/0/kind").asText());
        assertEquals("INSERT_FAILED", o.at("/causes/1/cause").asText());
        assertEquals(0.0, o.at("/causes/1/recall").asDouble());
        assertEquals(1, o.get("duplicates").asLong());
        assertEquals(0, o.get("wrongCauseCount").asLong());
        assertEquals(234, o.at("/newFlows/absoluteError").asLong());
        assertEquals(234.0 / 1234, o.at("/newFlows/relativeError").asDouble());
        assertEquals("ns-2/svc-12:http", o.at("/newFlows/worst/0/service").asText());
        assertEquals(-234, o.at("/newFlows/worst/0/difference").asLong());
        assertEquals(List.of("precision", "recall", "duplicates", "count error"),
                List.of(o.at("/goals/0/goal").asText(), o.at("/goals/1/goal").asText(), o.at("/goals/2/goal").asText(), o.at("/goals/3/goal").asText()));
        assertEquals(List.of(true, false, false, false), List.of(o.at("/goals/0/ok").asBoolean(), o.at("/goals/1/ok").asBoolean(),
                o.at("/goals/2/ok").asBoolean(), o.at("/goals/3/ok").asBoolean()));
        assertEquals(false, o.get("ok").asBoolean());

        Run table = score(results);
        assertEquals(1, table.code());
        assertTrue(table.out().contains("✗ recall       0.5000 >= 1.0000\n"), table.out());

        Run lenient = score(results, "--min-recall", "0.5", "--max-duplicates", "1", "--max-count-error", "0.2");
        assertEquals(0, lenient.code(), lenient.out());
    }

    @Test
    void usageErrorsAreOneLineAndExit2() throws Exception {
        Path results = file("results.jsonl", OPEN, "{\"kind\":\"anomaly\",", STATS_1);
        Run bad = score(results);
        assertEquals(2, bad.code());
        assertEquals("", bad.out());
        assertTrue(bad.err().startsWith("ctflow score: " + results + ":2: bad JSON: "), bad.err());
        assertEquals(1, bad.err().lines().count(), bad.err());

        Run notObject = score(file("array.jsonl", OPEN, "[1]"));
        assertEquals(2, notObject.code());
        assertEquals("ctflow score: " + tmp.resolve("array.jsonl") + ":2: bad JSON: expected an object\n", notObject.err());

        Run missing = score(tmp.resolve("nope.jsonl"));
        assertEquals(2, missing.code());
        assertEquals("ctflow score: " + tmp.resolve("nope.jsonl") + ": file not found\n", missing.err());

        Path badTruth = file("bad-truth.json", "{\"lostEvents\":0,", "  \"anomalies\":[{\"node\":\"n\"},,]}");
        Run truth = run("score", "--truth", badTruth.toString(), "--results", file("ok.jsonl", STATS_1).toString());
        assertEquals(2, truth.code());
        assertTrue(truth.err().startsWith("ctflow score: " + badTruth + ":2: bad JSON: "), truth.err());
        assertEquals(1, truth.err().lines().count(), truth.err());

        Run goal = score(file("ok2.jsonl", STATS_1), "--min-precision", "2");
        assertEquals(2, goal.code());
        assertEquals("ctflow score: --min-precision and --min-recall must be between 0 and 1\n", goal.err());

        Run flag = run("score", "--truth", "x");
        assertEquals(2, flag.code());
        assertEquals(1, flag.err().lines().count(), flag.err());
        assertTrue(flag.err().contains("Missing required option: '--results=FILE'"), flag.err());

        Run help = run("score", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().startsWith("Usage: ctflow score"), help.out());
    }
}
