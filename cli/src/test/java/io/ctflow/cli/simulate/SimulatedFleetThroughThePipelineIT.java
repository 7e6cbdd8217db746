package io.ctflow.cli.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctflow.cli.Ctflow;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import io.ctflow.json.AvroJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A simulated fleet through the whole pipeline (embedded broker, replay, streams app, as
 * {@code ctflow demo} runs it): the app finds exactly the injected anomalies, with the fields
 * truth.json gives, counts the connections truth counts per Service, and sees the counter anomalies.
 */
class SimulatedFleetThroughThePipelineIT {
    @Test
    void theAppFindsWhatTheTruthSays(@TempDir Path tmp) throws Exception {
        Path capture = tmp.resolve("capture");
        Simulation.run(new SimulationSpec(4, 12, 150, Duration.ofSeconds(60), 0.05, 0, Duration.ZERO, 3), capture, null);
        Truth truth = Truth.read(capture.resolve("truth.json"));
        Path out = tmp.resolve("results.jsonl");
        assertEquals(0, Ctflow.run("demo", "--capture", capture.toString(), "--once", "--kafka-port", "0", "--registry-port", "0",
            "--http-port", "0", "--json-out", out.toString(), "--timeout", "300s"));

        Set<AnomalyInjector.Injected> found = new HashSet<>();
        Set<String> nodeAnomalies = new HashSet<>();
        Map<String, Long> newFlows = new HashMap<>();
        for (String line : Files.readAllLines(out)) {
            JsonNode n = AvroJson.MAPPER.readTree(line);
            if (n.get("kind").asText().equals("service-stats")) {
                newFlows.merge(n.get("service").asText(), n.get("newFlows").asLong(), Long::sum);
            } else if (n.get("type").asText().equals("INCOMPLETE_NAT")) {
                found.add(new AnomalyInjector.Injected(n.get("node").asText(), n.get("protocol").asText(), n.get("client").asText(),
                    n.get("serviceAddress").asText(), n.get("service").asText(), n.get("backend").asText(), n.get("cause").asText(),
                    n.get("firstSeen").asText()));
            } else {
                nodeAnomalies.add(n.get("node").asText() + " " + n.get("type").asText());
            }
        }
        assertEquals(new HashSet<>(truth.anomalies()), found);
        Map<String, Long> expectedFlows = truth.newFlows().entrySet().stream().filter(e -> e.getValue() > 0)
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals(expectedFlows, newFlows);
        Set<String> injectedNodeAnomalies = truth.nodeAnomalies().stream().map(a -> a.node() + " " + a.type()).collect(Collectors.toSet());
        // Table pressure needs the count files, which the capture reader may not read yet: the counters it must see.
        assertTrue(injectedNodeAnomalies.containsAll(nodeAnomalies), nodeAnomalies + " vs " + injectedNodeAnomalies);
        assertEquals(injectedNodeAnomalies.stream().filter(a -> !a.endsWith("TABLE_PRESSURE")).collect(Collectors.toSet()),
            nodeAnomalies.stream().filter(a -> !a.endsWith("TABLE_PRESSURE")).collect(Collectors.toSet()));
    }

    /** Publish mode: the capture (kept with --out) goes to the broker through the collector's replay, every line an event. */
    @Test
    void publishesTheCaptureWithTheReplay(@TempDir Path tmp) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            Path capture = tmp.resolve("capture");
            StringWriter out = new StringWriter();
            CommandLine cl = new CommandLine(new SimulateCommand());
            cl.setOut(new PrintWriter(out, true));
            int code = cl.execute("--nodes", "3", "--services", "5", "--rate", "100", "--duration", "10s", "--skew", "50ms",
                "--out", capture.toString(), "--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", registry.url());
            assertEquals(0, code, out.toString());
            Truth truth = Truth.read(capture.resolve("truth.json"));
            assertTrue(out.toString().contains("ctflow simulate: published " + truth.events() + " events, 0 dead letters, 3 facts, "),
                out.toString());
        }
    }
}
