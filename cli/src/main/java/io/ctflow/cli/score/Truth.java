package io.ctflow.cli.score;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/**
 * What a simulation really did ({@code ctflow simulate}'s truth file): the broken connections with
 * their cause, the node-level problems, the events it had the collector lose and the new
 * connections per Service. Only the fields the score needs; others are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Truth(long lostEvents, List<Anomaly> anomalies, List<NodeAnomaly> nodeAnomalies, Map<String, Long> newFlows) {
    public Truth {
        anomalies = anomalies == null ? List.of() : List.copyOf(anomalies);
        nodeAnomalies = nodeAnomalies == null ? List.of() : List.copyOf(nodeAnomalies);
        newFlows = newFlows == null ? Map.of() : Map.copyOf(newFlows);
    }

    /** A connection whose NAT the kernel left incomplete, and why. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Anomaly(String node, String protocol, String client, String serviceAddress, String backend, String cause) {}

    /** A node-level problem: TABLE_PRESSURE, INSERT_FAILED, DROP or EARLY_DROP. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record NodeAnomaly(String node, String type) {}
}
