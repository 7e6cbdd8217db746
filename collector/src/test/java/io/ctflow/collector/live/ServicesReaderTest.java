package io.ctflow.collector.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.parse.ServiceKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mode detection on a fake node: canned outputs of nft, ipvsadm, iptables-save and /proc/net/ip_vs. */
class ServicesReaderTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private static final String NAT = """
            *nat
            :KUBE-SERVICES - [0:0]
            :KUBE-SVC-WEB - [0:0]
            :KUBE-SEP-B - [0:0]
            -A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB
            -A KUBE-SVC-WEB -j KUBE-SEP-B
            -A KUBE-SEP-B -p tcp -m tcp -j DNAT --to-destination 10.244.1.3:8080
            COMMIT
            """;
    private static final String IPVS_EMPTY = "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n"
            + "  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n";

    /** A node: tool → output (absent: not installed); a value starting with "ERR:" fails with that stderr. */
    static final class FakeNode implements NodeTools {
        final Map<String, String> outputs = new HashMap<>();
        final Map<String, String> files = new HashMap<>();
        final List<String> ran = new ArrayList<>();

        FakeNode tool(String commandLine, String output) {
            outputs.put(commandLine, output);
            return this;
        }

        FakeNode file(String path, String content) {
            files.put(path, content);
            return this;
        }

        @Override
        public NodeAccess.Result run(String tool, String... args) {
            String line = tool + (args.length == 0 ? "" : " " + String.join(" ", args));
            ran.add(line);
            if (outputs.keySet().stream().noneMatch(k -> k.equals(tool) || k.startsWith(tool + " "))) {
                return null;
            }
            String out = outputs.get(line);
            if (out == null) {
                return new NodeAccess.Result(1, "", tool + ": unknown arguments");
            }
            return out.startsWith("ERR:") ? new NodeAccess.Result(1, "", out.substring(4)) : new NodeAccess.Result(0, out, "");
        }

        @Override
        public String read(String path) {
            return files.get(path);
        }
    }

    static String resource(String name) throws IOException {
        try (InputStream in = ServicesReaderTest.class.getResourceAsStream("/dataplanes/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String ids(ServicesReader.Reading r) {
        return r.services().stream().map(s -> s.getId() + "@" + ServiceKeys.key(s) + "/" + s.getSource()).sorted()
                .collect(Collectors.joining(" "));
    }

    private static FakeNode nftNode() throws IOException {
        return new FakeNode()
                .tool("nft -j list table ip kube-proxy", resource("kube-proxy-inline-dnat.nft.json").split("\n")[0])
                .tool("nft -j list table ip6 kube-proxy", "ERR:Error: No such file or directory")
                .tool("iptables-save -t nat", NAT)
                .tool("ipvsadm -Ln", IPVS_EMPTY)
                .file("/proc/net/ip_vs", IPVS_EMPTY);
    }

    @Test
    void theFilterTableGivesServicesWithoutEndpointsAndANodeWithoutKubeProxyRulesGetsANotice() throws Exception {
        String filter = """
                *filter
                :KUBE-SERVICES - [0:0]
                -A KUBE-SERVICES -d 10.96.0.77/32 -p tcp -m comment --comment "default/gone:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
                COMMIT
                """;
        FakeNode node = new FakeNode().tool("iptables-save -t nat", NAT).tool("iptables-save -t filter", filter);
        ServicesReader.Reading r = new ServicesReader(node, null, ServicesMode.AUTO).read("n1", T);
        assertEquals("default/gone:http@tcp/10.96.0.77:80/iptables default/web:http@tcp/10.96.0.10:80/iptables", ids(r));
        assertEquals(0, r.services().get(0).getEndpoints().size());
        assertEquals(NAT.strip() + "\n" + filter, r.natText(), "both tables go to the capture");
        assertNull(r.notice());

        FakeNode cilium = new FakeNode().tool("iptables-save -t nat", io.ctflow.collector.parse.DataplaneNoticeTest.CILIUM_NAT);
        ServicesReader.Reading c = new ServicesReader(cilium, null, ServicesMode.AUTO).read("n1", T);
        assertEquals("", ids(c));
        assertTrue(c.notice().contains("but Cilium's chains (CILIUM_OUTPUT_nat)"), c.notice());
        assertEquals(List.of(), c.problems(), "a filter table that cannot be read is not a problem");
    }

    @Test
    void autoPrefersTheKubeProxyNftablesTable() throws Exception {
        FakeNode node = nftNode();
        ServicesReader.Reading r = new ServicesReader(node, null, ServicesMode.AUTO).read("n1", T);
        assertEquals("nftables", r.mode());
        assertEquals(4, r.rules());
        assertEquals("ns4/svc4:p80@tcp/172.30.0.44:80/nftables ns7/dns@udp/172.30.0.47:53/nftables", ids(r),
                "iptables is not read once nftables is found");
        assertEquals(List.of("nft -j list table ip kube-proxy", "nft -j list table ip6 kube-proxy"), node.ran);
        assertTrue(r.nftJson().startsWith("{\"nftables\""));
        assertNull(r.natText());
        assertEquals(List.of(), r.problems());
    }

    @Test
    void autoTakesIpvsWhenItHasVirtualServersWithNamesFromIptables() throws Exception {
        FakeNode node = new FakeNode()
                .tool("nft -j list table ip kube-proxy", "ERR:Error: No such file or directory\nlist table ip kube-proxy\n")
                .tool("iptables-save -t nat", NAT);
        node.files.put("/proc/net/ip_vs", resource("proc-net-ip_vs.txt"));
        ServicesReader.Reading r = new ServicesReader(node, null, ServicesMode.AUTO).read("n1", T);
        assertEquals("ipvs", r.mode());
        assertEquals(12, r.rules());
        ServiceEntry web = r.services().stream().filter(s -> ServiceKeys.key(s).equals("tcp/10.96.0.10:80")).findFirst().orElseThrow();
        assertEquals("default/web:http", web.getId(), "name from the KUBE-SERVICES comment");
        assertEquals("ipvs", web.getSource());
        assertEquals(2, web.getEndpoints().size(), "IPVS's real servers, not iptables' DNAT");
        assertEquals(resource("proc-net-ip_vs.txt"), r.ipvsText(), "ipvsadm is not installed: /proc/net/ip_vs");
        assertEquals(NAT, r.natText(), "recorded for the names");
        assertEquals(List.of(), r.problems());
    }

    @Test
    void autoFallsBackToIptablesWhenIpvsIsEmptyAndNftHasNoKubeProxyTable() throws Exception {
        FakeNode node = new FakeNode()
                .tool("nft -j list table ip kube-proxy", "ERR:Error: No such file or directory")
                .tool("ipvsadm -Ln", IPVS_EMPTY)
                .file("/proc/net/ip_vs", IPVS_EMPTY)
                .tool("iptables-save -t nat", NAT)
                .tool("ip6tables-save -t nat", "ERR:ip6tables-save v1.8.9 (nf_tables): table `nat' does not exist");
        ServicesReader.Reading r = new ServicesReader(node, null, ServicesMode.AUTO).read("n1", T);
        assertEquals("iptables", r.mode());
        assertEquals(3, r.rules());
        assertEquals("default/web:http@tcp/10.96.0.10:80/iptables", ids(r));
        assertNull(r.ipvsText());
        assertNull(r.nftJson());
        assertEquals(List.of(), r.problems(), "a missing ip6 nat table is normal");
    }

    @Test
    void ipvsadmIsNotRunWhereIpVsIsNotLoadedItWouldLoadIt() throws Exception {
        FakeNode node = new FakeNode().tool("ipvsadm -Ln", resource("ipvsadm-Ln.txt")).tool("iptables-save -t nat", NAT);
        assertEquals("iptables", new ServicesReader(node, null, ServicesMode.AUTO).read("n1", T).mode());
        assertTrue(node.ran.stream().noneMatch(c -> c.startsWith("ipvsadm")), node.ran.toString());
        ServicesReader.Reading r = new ServicesReader(node, null, ServicesMode.IPVS).read("n1", T);
        assertEquals(List.of("/proc/net/ip_vs does not exist (the ip_vs module is not loaded): IPVS Services are not read"),
                r.problems());
        assertTrue(node.ran.stream().noneMatch(c -> c.startsWith("ipvsadm")), node.ran.toString());
    }

    @Test
    void aNodeThatChangesModeIsFollowedAtTheNextRead() throws Exception {
        FakeNode node = new FakeNode().tool("nft -j list table ip kube-proxy", "ERR:Error: No such file or directory")
                .tool("iptables-save -t nat", NAT);
        ServicesReader reader = new ServicesReader(node, null, ServicesMode.AUTO);
        assertEquals("iptables", reader.read("n1", T).mode());
        node.tool("nft -j list table ip kube-proxy", resource("kube-proxy-overall.nft.json"));
        ServicesReader.Reading r = reader.read("n1", T);
        assertEquals("nftables", r.mode());
        assertEquals(57, r.rules());
        assertEquals(13, r.services().size(), "with svc6, which has no endpoints");
    }

    @Test
    void explicitModesReadOnlyTheirDataplaneAndSayWhatIsMissing() throws Exception {
        FakeNode node = nftNode();
        ServicesReader.Reading r = new ServicesReader(node, null, ServicesMode.IPTABLES).read("n1", T);
        assertEquals("iptables", r.mode());
        assertEquals("default/web:http@tcp/10.96.0.10:80/iptables", ids(r));
        assertTrue(node.ran.stream().noneMatch(c -> c.startsWith("nft")), node.ran.toString());

        FakeNode bare = new FakeNode();
        r = new ServicesReader(bare, null, ServicesMode.NFTABLES).read("n1", T);
        assertNull(r.mode());
        assertEquals(List.of("nft not found: kube-proxy's nftables rules are not read (apt-get install nftables)"), r.problems());
        r = new ServicesReader(new FakeNode().tool("nft -j list table ip kube-proxy", "ERR:Error: No such file or directory"),
                null, ServicesMode.NFTABLES).read("n1", T);
        assertEquals(List.of("nft -j list table ip kube-proxy: Error: No such file or directory (is kube-proxy running in nftables mode?)"),
                r.problems());
        r = new ServicesReader(new FakeNode().tool("ipvsadm -Ln", resource("ipvsadm-Ln.txt"))
                .file("/proc/net/ip_vs", resource("proc-net-ip_vs.txt")), null, ServicesMode.IPVS).read("n1", T);
        assertEquals("ipvs", r.mode());
        assertEquals(resource("ipvsadm-Ln.txt"), r.ipvsText(), "ipvsadm's listing when it is installed");
        assertEquals(6, r.services().size());
    }

    @Test
    void yamlModeReadsOnlyTheFileAndNeedsOne(@TempDir Path tmp) throws Exception {
        Path yaml = tmp.resolve("s.yaml");
        Files.writeString(yaml, "services:\n  - id: default/db:pg\n    vip: 10.96.7.7\n    port: 5432\n    endpoints: [\"10.244.1.9:5432\"]\n");
        FakeNode node = nftNode();
        ServicesReader.Reading r = new ServicesReader(node, yaml, ServicesMode.YAML).read("n1", T);
        assertEquals("yaml", r.mode());
        assertEquals("default/db:pg@tcp/10.96.7.7:5432/yaml", ids(r));
        assertEquals(List.of(), node.ran);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ServicesReader(node, null, ServicesMode.YAML));
        assertEquals("--services-from yaml needs --services-yaml FILE", e.getMessage());
        assertEquals(ServicesMode.NFTABLES, ServicesMode.parse(" NFTables "));
        e = assertThrows(IllegalArgumentException.class, () -> ServicesMode.parse("ebpf"));
        assertEquals("--services-from: expected auto, iptables, nftables, ipvs or yaml, got 'ebpf'", e.getMessage());
    }
}
