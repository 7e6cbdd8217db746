package io.ctflow.cli.simulate;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code truth.json}: what was injected, for checking the pipeline's findings: the anomalies with
 * the fields the streams app's NatAnomaly has, the node-level anomalies, and the number of
 * connections started per Service.
 */
@JsonPropertyOrder({"seed", "nodes", "services", "start", "end", "events", "lostEvents", "anomalies", "nodeAnomalies",
    "newFlows"})
record Truth(long seed, int nodes, int services, String start, String end, long events, long lostEvents,
             List<AnomalyInjector.Injected> anomalies, List<NodeAnomaly> nodeAnomalies, Map<String, Long> newFlows) {

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @JsonPropertyOrder({"node", "type"})
    record NodeAnomaly(String node, String type) {}

    void write(Path file) throws IOException {
        MAPPER.writeValue(file.toFile(), this);
    }

    static Truth read(Path file) throws IOException {
        return MAPPER.readValue(file.toFile(), Truth.class);
    }
}
