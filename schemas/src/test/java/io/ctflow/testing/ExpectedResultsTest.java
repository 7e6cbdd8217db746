package io.ctflow.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every shipped capture has an expected.json the shared reader takes in whole. */
class ExpectedResultsTest {
    @Test
    void everyShippedCaptureHasItsExpectedResults() throws Exception {
        List<String> captures;
        try (Stream<Path> dirs = Files.list(Captures.root())) {
            captures = dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("bridge-off", "bridge-off-nft", "bridge-on", "hairpin"), captures);
        for (String capture : captures) {
            ExpectedResults e = ExpectedResults.of(capture);
            assertEquals(e.anomalyKeys().stream().sorted().toList(), e.anomalyKeys(), capture + ": anomalies in key order");
            assertTrue(!e.services().isEmpty(), capture + ": every capture has Services");
        }
    }

    @Test
    void readsBridgeOffExactly() {
        ExpectedResults e = ExpectedResults.of("bridge-off");
        assertEquals(List.of("tcp,10.244.1.3:8080,10.244.1.2:49502@node1", "tcp,10.244.1.99:8080,10.244.1.2:52488@node1",
                "udp,10.244.1.3:5353,10.244.1.2:57136@node1"), e.anomalyKeys());
        assertEquals(new ExpectedResults.Anomaly("udp,10.244.1.3:5353,10.244.1.2:57136@node1", "INCOMPLETE_NAT", "OPEN", "node1",
                "UDP", "10.244.1.2:57136", "kube-system/kube-dns:dns", "10.96.0.53:53", "10.244.1.3:5353",
                "REPLY_BYPASSED_CONNTRACK", "2026-11-26T16:47:53.087332Z", "2026-11-26T16:47:58.087332Z"), e.anomalies().get(2));
        assertEquals(Map.of("default/web:http", "2,1,1,1", "default/api:http", "1,1,0,0", "default/legacy:http", "1,0,1,1",
                "kube-system/kube-dns:dns", "1,0,1,1"), e.serviceTotals());
    }
}
