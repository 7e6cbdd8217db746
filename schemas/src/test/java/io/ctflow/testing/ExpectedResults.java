package io.ctflow.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a shipped capture must give, read from its {@code expected.json}: the one place the capture
 * test, the integration tests and the demo test take their expected anomalies and Service counts from.
 */
public record ExpectedResults(List<Anomaly> anomalies, Map<String, Totals> services) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One expected anomaly; the enum-valued fields are the Avro symbols' names. */
    public record Anomaly(String key, String type, String status, String node, String protocol, String client, String service,
                          String serviceAddress, String backend, String cause, String firstSeen, String detectedAt) {}

    /** One Service's counts summed over its windows. */
    public record Totals(long newFlows, long replied, long unreplied, long incompleteNat) {
        /** {@code newFlows,replied,unreplied,incompleteNat}, as the tests compare them. */
        public String text() {
            return newFlows + "," + replied + "," + unreplied + "," + incompleteNat;
        }
    }

    public ExpectedResults {
        anomalies = List.copyOf(anomalies);
        services = services == null ? null : Map.copyOf(services);
    }

    /** The expected results of the shipped capture {@code scenario}, e.g. {@code bridge-off}. */
    public static ExpectedResults of(String scenario) {
        Path file = Captures.scenario(scenario).resolve("expected.json");
        try {
            return JSON.readValue(file.toFile(), ExpectedResults.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The anomalies' keys in the file's order (sorted by key). */
    public List<String> anomalyKeys() {
        return anomalies.stream().map(Anomaly::key).toList();
    }

    /** Per Service {@code newFlows,replied,unreplied,incompleteNat}, sorted by Service. */
    public Map<String, String> serviceTotals() {
        Map<String, String> out = new TreeMap<>();
        services.forEach((name, t) -> out.put(name, t.text()));
        return out;
    }
}
