package io.ctflow.cli.simulate;

import io.ctflow.avro.AnomalyType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Which nodes have node-level trouble: a conntrack table near full (TABLE_PRESSURE) or counters
 * that grow during the capture (INSERT_FAILED, DROP, EARLY_DROP). A few nodes per type, distinct
 * when the fleet is large enough; none without anomalies.
 */
final class NodeHealth {
    static final List<AnomalyType> TYPES = List.of(AnomalyType.TABLE_PRESSURE, AnomalyType.INSERT_FAILED,
        AnomalyType.DROP, AnomalyType.EARLY_DROP);

    private final List<Set<AnomalyType>> byNode;

    private NodeHealth(List<Set<AnomalyType>> byNode) {
        this.byNode = byNode;
    }

    static NodeHealth plan(int nodes, boolean anomalies, SplittableRandom r) {
        List<Set<AnomalyType>> byNode = new ArrayList<>(nodes);
        for (int i = 0; i < nodes; i++) {
            byNode.add(EnumSet.noneOf(AnomalyType.class));
        }
        if (anomalies) {
            int perType = Math.max(1, nodes / 200);
            boolean distinct = nodes >= TYPES.size() * perType;
            for (AnomalyType type : TYPES) {
                for (int k = 0; k < perType; k++) {
                    int i;
                    do {
                        i = r.nextInt(nodes);
                    } while (byNode.get(i).contains(type) || (distinct && !byNode.get(i).isEmpty()));
                    byNode.get(i).add(type);
                }
            }
        }
        return new NodeHealth(byNode);
    }

    boolean has(int node, AnomalyType type) {
        return byNode.get(node).contains(type);
    }

    Set<AnomalyType> of(int node) {
        return byNode.get(node);
    }
}
