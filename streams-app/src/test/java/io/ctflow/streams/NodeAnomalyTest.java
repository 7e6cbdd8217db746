package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.CpuStats;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeStats;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

class NodeAnomalyTest {
    static NodeStats sample(long sec, Long count, Long max, long insertFailed, long drop, long earlyDrop, long lost) {
        CpuStats cpu = CpuStats.newBuilder().setCpu(0).setInsertFailed(insertFailed).setDrop(drop).setEarlyDrop(earlyDrop).build();
        return NodeStats.newBuilder().setNode("node1").setTimestamp(Instant.ofEpochSecond(sec)).setCount(count).setMax(max)
                .setCpus(List.of(cpu)).setLostEvents(lost).build();
    }

    @Test
    void countersThatGrowAndTablePressureRaiseNodeAnomalies() throws Exception {
        try (TopologyFixture f = new TopologyFixture()) {
            f.nodeStats.pipeInput("node1", sample(100, 10L, 100L, 0, 0, 0, 0), Instant.ofEpochSecond(100));
            f.nodeStats.pipeInput("node1", sample(110, 95L, 100L, 2, 0, 1, 0), Instant.ofEpochSecond(110));
            f.nodeStats.pipeInput("node1", sample(120, 96L, 100L, 2, 0, 1, 7), Instant.ofEpochSecond(120));
            f.nodeStats.pipeInput("node1", sample(130, 50L, 100L, 2, 0, 1, 7), Instant.ofEpochSecond(130));
            List<KeyValue<String, NatAnomaly>> out = f.anomalies();
            assertEquals(List.of(
                    "node1|TABLE_PRESSURE",
                    "node1|INSERT_FAILED|110000000",
                    "node1|EARLY_DROP|110000000",
                    "node1|EVENT_LOSS|120000000",
                    "node1|TABLE_PRESSURE"), out.stream().map(kv -> kv.key).toList());
            assertEquals(AnomalyType.TABLE_PRESSURE, out.get(0).value.getType());
            assertEquals(AnomalyStatus.OPEN, out.get(0).value.getStatus());
            assertEquals("2", out.get(1).value.getFacts().get("delta"));
            assertEquals("7", out.get(3).value.getFacts().get("lostEvents"));
            assertEquals(AnomalyStatus.RESOLVED, out.get(4).value.getStatus());
        }
    }
}
