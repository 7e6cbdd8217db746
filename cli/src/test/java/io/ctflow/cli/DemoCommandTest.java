package io.ctflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctflow.json.AvroJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * `ctflow demo --once --json-out F` on the shipped capture: exits 0, F holds the expected results, its
 * own lines name it, and the console has one Services table per window.
 */
class DemoCommandTest {
    @Test
    void demoOnTheShippedCaptureWritesTheExpectedAnomaliesAndStats(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("results.jsonl");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        ByteArrayOutputStream messages = new ByteArrayOutputStream();
        int code = new CommandLine(new DemoCommand("ctflow demo", new PrintStream(console, true, StandardCharsets.UTF_8),
                new PrintStream(messages, true, StandardCharsets.UTF_8))).execute("--capture", "bridge-off", "--once",
                "--kafka-port", "0", "--registry-port", "0", "--http-port", "0", "--json-out", out.toString(), "--timeout", "90s");
        assertEquals(0, code, messages.toString(StandardCharsets.UTF_8));
        assertEquals("""
                ctflow demo: starting embedded Kafka on 0 and the schema registry on 0 ...
                ctflow demo: streams app up, HTTP API on http://127.0.0.1:PORT; replaying bridge-off (node1, node2)
                ctflow demo: replayed 34 events, 0 dead letters, 2 facts, 4 services, 4 stats, HEARTBEATS in S s (R events/s)

                ctflow demo: results complete: 3 anomalies, 9 Service-stats records
                """, ConsoleText.normalized(messages));
        List<String> headers = console.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("-- Services, window ")).toList();
        assertEquals(headers.stream().distinct().toList(), headers, "one table per window");
        assertEquals(9, console.toString(StandardCharsets.UTF_8).lines().filter(l -> l.matches("   [a-z-]+/[a-z-]+:[a-z]+ .*")).count());
        List<JsonNode> anomalies = new ArrayList<>();
        Map<String, long[]> totals = new TreeMap<>();
        for (String line : Files.readAllLines(out)) {
            JsonNode n = AvroJson.MAPPER.readTree(line);
            if (n.get("kind").asText().equals("anomaly")) {
                anomalies.add(n);
            } else {
                assertEquals("service-stats", n.get("kind").asText());
                for (String f : List.of("service", "windowStart", "windowEnd", "newFlows", "replied", "unreplied", "incompleteNat",
                        "active", "states", "backends", "setupP50Micros", "setupP99Micros", "clients")) {
                    assertTrue(n.has(f), f + " in " + n);
                }
                long[] t = totals.computeIfAbsent(n.get("service").asText(), k -> new long[3]);
                t[0] += n.get("newFlows").asLong();
                t[1] += n.get("replied").asLong();
                t[2] += n.get("unreplied").asLong();
            }
        }
        anomalies.sort(java.util.Comparator.comparing(n -> n.get("client").asText()));
        assertEquals(List.of("10.244.1.2:49502 default/web:http", "10.244.1.2:52488 default/legacy:http",
                "10.244.1.2:57136 kube-system/kube-dns:dns"),
                anomalies.stream().map(n -> n.get("client").asText() + " " + n.get("service").asText()).toList());
        for (JsonNode a : anomalies) {
            for (String f : List.of("type", "status", "node", "protocol", "client", "service", "serviceAddress", "backend", "cause",
                    "hint", "firstSeen", "detectedAt")) {
                assertTrue(a.has(f), f + " in " + a);
            }
            assertEquals("REPLY_BYPASSED_CONNTRACK", a.get("cause").asText());
            assertEquals("node1", a.get("node").asText());
            assertEquals("OPEN", a.get("status").asText());
        }
        assertEquals("[2, 1, 1]", java.util.Arrays.toString(totals.get("default/web:http")));
        assertEquals("[1, 1, 0]", java.util.Arrays.toString(totals.get("default/api:http")));
        assertEquals("[1, 0, 1]", java.util.Arrays.toString(totals.get("default/legacy:http")));
        assertEquals("[1, 0, 1]", java.util.Arrays.toString(totals.get("kube-system/kube-dns:dns")));
        assertEquals(4, totals.size());
    }
}
