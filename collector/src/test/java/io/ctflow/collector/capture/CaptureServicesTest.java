package io.ctflow.collector.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.parse.ServiceKeys;
import io.ctflow.testing.Captures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capture.services() reads every dataplane file kind: nat-NODE.txt (iptables or nft text), nat-NODE.json, ipvs-NODE.txt. */
class CaptureServicesTest {
    private static String resource(String name) throws IOException {
        try (InputStream in = CaptureServicesTest.class.getResourceAsStream("/dataplanes/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void node(Path dir, String node) throws IOException {
        Files.copy(Captures.scenario("bridge-off").resolve("events-node1.txt"), dir.resolve("events-" + node + ".txt"));
    }

    private static String describe(List<ServiceEntry> entries) {
        return entries.stream().map(s -> s.getNode() + " " + s.getId() + " " + ServiceKeys.key(s) + " " + s.getSource()
                + " " + s.getEndpoints().size()).sorted().collect(Collectors.joining("\n"));
    }

    @Test
    void everyFileKindOfEveryNode(@TempDir Path dir) throws Exception {
        node(dir, "a");
        Files.writeString(dir.resolve("nat-a.json"), resource("kube-proxy-inline-dnat.nft.json"));
        node(dir, "b");
        Files.writeString(dir.resolve("nat-b.txt"), resource("kube-proxy-overall.nft.txt"));
        node(dir, "c");
        Files.writeString(dir.resolve("ipvs-c.txt"), resource("ipvsadm-Ln.txt"));
        Files.copy(Captures.scenario("bridge-off").resolve("nat-node1.txt"), dir.resolve("nat-c.txt"));
        node(dir, "d");
        Files.copy(Captures.scenario("bridge-off").resolve("nat-node1.txt"), dir.resolve("nat-d.txt"));

        String all = describe(Capture.open(dir).services());
        assertTrue(all.contains("a ns4/svc4:p80 tcp/172.30.0.44:80 nftables 2"), all);
        assertTrue(all.contains("a ns1/svc1:p80 tcp/[fd00:30::41]:80 nftables 1"), all);
        assertTrue(all.contains("b ns5/svc5:p80 tcp/192.168.0.2:3002 nftables 1"), all);
        assertTrue(all.contains("c default/web:http tcp/10.96.0.10:80 ipvs 2"), "IPVS endpoints, name from node c's iptables: " + all);
        assertTrue(all.contains("c 10.96.0.1:443/tcp tcp/10.96.0.1:443 ipvs 1"), all);
        assertTrue(all.contains("c default/api:http tcp/10.96.0.20:80 iptables 1"), "iptables entries IPVS lacks: " + all);
        assertTrue(all.contains("b ns6/svc6:p80 tcp/172.30.0.46:80 nftables 0"), "a Service without endpoints is listed: " + all);
        assertEquals(3 + 12 + 7, all.split("\n").length, "one entry per key, the first node wins: b shares 172.30.0.44:80 with a, d has only c's: " + all);
    }

    @Test
    void aFileThatDoesNotParseIsNamed(@TempDir Path dir) throws Exception {
        node(dir, "a");
        Files.writeString(dir.resolve("nat-a.json"), "{\"nftables\": [\n{\"table\": ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Capture.open(dir).services());
        assertTrue(e.getMessage().startsWith(dir.resolve("nat-a.json") + ":2: not valid JSON"), e.getMessage());
        Files.delete(dir.resolve("nat-a.json"));
        Files.writeString(dir.resolve("ipvs-a.txt"), "TCP  10.96.0.10:80 rr\n  -> 10.244.1.300:8080 Masq 1 0 0\n");
        e = assertThrows(IllegalArgumentException.class, () -> Capture.open(dir).services());
        assertEquals(dir.resolve("ipvs-a.txt") + ":2: bad address '10.244.1.300:8080'", e.getMessage());
    }
}
