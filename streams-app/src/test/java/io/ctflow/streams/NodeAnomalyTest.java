package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.CpuStats;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import java.util.Map;
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

    static NodeStats counters(long sec, long invalid, long clash, long chain, long insertFailed) {
        CpuStats cpu0 = CpuStats.newBuilder().setCpu(0).setInvalid(invalid).setClashResolve(clash).setChaintoolong(chain)
                .setInsertFailed(insertFailed).build();
        CpuStats cpu1 = CpuStats.newBuilder().setCpu(1).setInvalid(1).build();
        return NodeStats.newBuilder().setNode("node1").setTimestamp(Instant.ofEpochSecond(sec)).setCpus(List.of(cpu0, cpu1)).build();
    }

    static NodeFacts liberal(String value) {
        return NodeFacts.newBuilder().setNode("node1").setTimestamp(Instant.ofEpochSecond(1))
                .setSysctls(value == null ? Map.of() : Map.of("net.netfilter.nf_conntrack_tcp_be_liberal", value)).build();
    }

    @Test
    void invalidGrowthWithStrictTcpTrackingIsInvalidPacketsAndClashesAndLongChainsAreReported() throws Exception {
        try (TopologyFixture f = new TopologyFixture()) {
            f.facts(liberal("0"));
            f.nodeStats.pipeInput("node1", counters(100, 10, 0, 0, 0), Instant.ofEpochSecond(100));
            f.nodeStats.pipeInput("node1", counters(110, 19, 1, 0, 0), Instant.ofEpochSecond(110)); // background noise
            f.nodeStats.pipeInput("node1", counters(120, 159, 121, 0, 0), Instant.ofEpochSecond(120));
            f.nodeStats.pipeInput("node1", counters(130, 159, 124, 2, 5), Instant.ofEpochSecond(130));
            f.facts(liberal("1"));
            f.nodeStats.pipeInput("node1", counters(140, 999, 124, 2, 5), Instant.ofEpochSecond(140));
            List<KeyValue<String, NatAnomaly>> out = f.anomalies();
            assertEquals(List.of(
                    "node1|INVALID_PACKETS|120000000",
                    "node1|CLASH_RESOLVE|120000000",
                    "node1|INSERT_FAILED|130000000",
                    "node1|CHAIN_TOO_LONG|130000000"), out.stream().map(kv -> kv.key).toList(),
                    "below the noise floor nothing; INVALID growth with be_liberal=1 is not raised");
            NatAnomaly invalid = out.get(0).value;
            assertEquals(AnomalyType.INVALID_PACKETS, invalid.getType());
            assertEquals("conntrack marked 140 packets INVALID on node1 with net.netfilter.nf_conntrack_tcp_be_liberal=0", invalid.getDetail());
            assertEquals(Map.of("delta", "140", "total", "160", "net.netfilter.nf_conntrack_tcp_be_liberal", "0"), invalid.getFacts());
            assertTrue(invalid.getHint().startsWith("out-of-window TCP packets"), invalid.getHint());
            assertTrue(invalid.getHint().contains("sysctl -w net.netfilter.nf_conntrack_tcp_be_liberal=1 on node1"), invalid.getHint());
            assertEquals(Map.of("delta", "120", "total", "121"), out.get(1).value.getFacts());
            assertEquals(Map.of("delta", "5", "total", "5", "clashResolveDelta", "3"), out.get(2).value.getFacts(),
                    "clashes below the floor are a fact of INSERT_FAILED");
            assertEquals(AnomalyType.CHAIN_TOO_LONG, out.get(3).value.getType());
        }
    }

    @Test
    void invalidGrowthWithoutTheSysctlKnownIsNotRaised() throws Exception {
        try (TopologyFixture f = new TopologyFixture()) {
            f.facts(liberal(null));
            f.nodeStats.pipeInput("node1", counters(100, 10, 0, 0, 0), Instant.ofEpochSecond(100));
            f.nodeStats.pipeInput("node1", counters(110, 500, 0, 0, 0), Instant.ofEpochSecond(110));
            assertEquals(List.of(), f.anomalies());
        }
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
