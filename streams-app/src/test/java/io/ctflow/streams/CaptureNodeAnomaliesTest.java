package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.testing.Captures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A capture's count files and loss lines reach the node anomalies: TABLE_PRESSURE and EVENT_LOSS. */
class CaptureNodeAnomaliesTest {
    @TempDir
    Path dir;

    @Test
    void aFullTableAndALossLineInACaptureAreNodeAnomalies() throws Exception {
        try (var files = Files.list(Captures.scenario("bridge-off"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        // facts-node1.txt has net.netfilter.nf_conntrack_max=262144: 240000 is over 90 %
        Files.writeString(dir.resolve("count-before-node1.txt"), "12\n");
        Files.writeString(dir.resolve("count-after-node1.txt"), "240000\n");
        Files.writeString(dir.resolve("count-after-node2.txt"), "7\n");
        Path events = dir.resolve("events-node1.txt");
        List<String> lines = new ArrayList<>(Files.readAllLines(events, StandardCharsets.UTF_8));
        lines.add(2, "[1795711672.995270] lost events (ENOBUFS)");
        Files.write(events, lines, StandardCharsets.UTF_8);

        try (TopologyFixture f = new TopologyFixture()) {
            f.replay(dir);
            List<KeyValue<String, NatAnomaly>> node = f.anomalies().stream()
                    .filter(kv -> kv.value.getType() != AnomalyType.INCOMPLETE_NAT).toList();
            assertEquals(2, node.size(), node.toString());
            NatAnomaly pressure = node.stream().filter(kv -> kv.key.equals("node1|TABLE_PRESSURE")).findFirst().orElseThrow().value;
            assertEquals(AnomalyStatus.OPEN, pressure.getStatus());
            assertEquals(Map.of("count", "240000", "max", "262144"), pressure.getFacts());
            NatAnomaly loss = node.stream().filter(kv -> kv.value.getType() == AnomalyType.EVENT_LOSS).findFirst().orElseThrow().value;
            assertEquals("node1", loss.getNode());
            assertEquals(Map.of("lostEvents", "1"), loss.getFacts());
        }
    }
}
