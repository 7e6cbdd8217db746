package io.ctflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctflow.json.AvroJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `ctflow demo --once --json-out F` on the shipped capture: exits 0 and F holds the expected results. */
class DemoCommandTest {
    @Test
    void demoOnTheShippedCaptureWritesTheExpectedAnomaliesAndStats(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("results.jsonl");
        int code = Ctflow.run("demo", "--capture", "bridge-off", "--once", "--kafka-port", "0", "--registry-port", "0",
                "--http-port", "0", "--json-out", out.toString(), "--timeout", "90s");
        assertEquals(0, code);
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
