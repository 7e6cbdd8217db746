package io.ctflow.cli.score;

import java.util.List;
import java.util.Map;

/**
 * What the app found ({@code ctflow demo --json-out} lines): every anomaly record as emitted, and
 * the new connections per Service summed over all Service-stats windows.
 */
public record Results(List<Raise> anomalies, Map<String, Long> newFlows) {
    public Results {
        anomalies = List.copyOf(anomalies);
        newFlows = Map.copyOf(newFlows);
    }

    /** One anomaly record ({@code kind: anomaly}); a RESOLVED one re-emits an earlier OPEN one. */
    public record Raise(String type, String status, String node, String protocol, String client, String serviceAddress,
                        String backend, String cause) {
        boolean open() {
            return "OPEN".equals(status);
        }
    }
}
