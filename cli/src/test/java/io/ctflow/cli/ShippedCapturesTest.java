package io.ctflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.capture.Capture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShippedCapturesTest {
    @Test
    void theNftablesCaptureUnpacksWithItsKubeProxyTable() throws Exception {
        Path dir = ShippedCaptures.unpack("bridge-off-nft");
        for (String node : List.of("node1", "node2")) {
            assertTrue(Files.exists(dir.resolve("nat-" + node + ".json")), node);
            assertTrue(Files.readString(dir.resolve("nat-" + node + ".txt")).startsWith("table ip kube-proxy {"), node);
        }
        List<ServiceEntry> services = Capture.open(dir).services();
        assertEquals(List.of("default/api:http", "default/legacy:http", "default/web:http", "kube-system/kube-dns:dns"),
                services.stream().map(ServiceEntry::getId).sorted().toList());
        assertTrue(services.stream().allMatch(s -> s.getSource().equals("nftables")), services.toString());
        assertEquals("nftables", Capture.open(dir).facts().get(0).getProxyMode());
    }
}
