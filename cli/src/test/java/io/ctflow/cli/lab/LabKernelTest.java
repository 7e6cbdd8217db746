package io.ctflow.cli.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records bridge-off and bridge-on on this machine's kernel and checks the capture files; and
 * bridge-off again with kube-proxy's nftables dataplane, which must give the same results. Runs
 * only as root with ip, iptables, conntrack and python3 (and nft for the nftables mode; CI
 * installs them).
 */
@Timeout(value = 90)
class LabKernelTest {
    @TempDir
    static Path tmp;
    static LabRecorder.Recording bridgeOff;
    static LabRecorder.Recording bridgeOn;
    /** bridge-off with the nodes' Services in nftables; null without nft. */
    static LabRecorder.Recording bridgeOffNft;

    @BeforeAll
    @Timeout(value = 120)
    static void record() {
        Assumptions.assumeTrue(Tools.isRoot() && Tools.missing().isEmpty(),
                "skipped: needs root and ip/iptables/conntrack/python3 — CI installs them");
        Assumptions.assumeTrue(Tools.brNetfilterLoaded(), "skipped: " + Tools.NO_BR_NETFILTER);
        observing = io.ctflow.process.Launcher.observe(STARTED::add);
        bridgeOff = LabRecorder.record(Scenario.BRIDGE_OFF, tmp.resolve("bridge-off"), System.err);
        bridgeOn = LabRecorder.record(Scenario.BRIDGE_ON, tmp.resolve("bridge-on"), System.err);
        if (Tools.hasNft()) {
            bridgeOffNft = LabRecorder.record(Scenario.BRIDGE_OFF, ProxyMode.NFTABLES, tmp.resolve("bridge-off-nft"), System.err);
        }
    }

    static void assumeNft() {
        Assumptions.assumeTrue(bridgeOffNft != null, "skipped: needs nft (apt-get install nftables) — CI installs it");
    }

    /** Every process the lab started during the recordings (through the Launcher seam). */
    static final List<List<String>> STARTED = new java.util.concurrent.CopyOnWriteArrayList<>();
    static AutoCloseable observing;

    @AfterAll
    static void nothingLeft() throws Exception {
        if (observing != null) {
            observing.close();
        }
        if (!Tools.available()) {
            return;
        }
        List<String> left = LabNetwork.namespaces(Tools.resolve()).stream()
                .filter(n -> n.startsWith(LabNetwork.tag())).toList();
        assertEquals(List.of(), left, "lab namespaces left behind");
    }

    static List<String> lines(Path dir, String file) throws IOException {
        return Files.readAllLines(dir.resolve(file), StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
    }

    static Predicate<String> flow(String src, String dst, int dport) {
        return l -> l.contains(" src=" + src + " dst=" + dst + " ") && l.contains(" dport=" + dport + " ");
    }

    static Map<String, Boolean> clientResults(LabRecorder.Recording r) {
        return r.flows().stream().collect(Collectors.toMap(f -> f.flow().name(), Traffic.Result::ok));
    }

    @Test
    void bridgeOffLeavesAToWebUnrepliedOnNode1() throws IOException {
        assertBridgeOff(bridgeOff);
    }

    @Test
    void bridgeOffWithNftablesKubeProxyLeavesTheSameEntriesUnreplied() throws IOException {
        assumeNft();
        assertBridgeOff(bridgeOffNft);
    }

    static void assertBridgeOff(LabRecorder.Recording bridgeOff) throws IOException {
        List<String> ev = lines(bridgeOff.dir(), "events-node1.txt");
        Predicate<String> web = flow("10.244.1.2", "10.96.0.10", 80);
        assertTrue(ev.stream().anyMatch(l -> web.test(l) && l.contains("[NEW]") && l.contains("[UNREPLIED]")), String.join("\n", ev));
        assertTrue(ev.stream().anyMatch(l -> web.test(l) && l.contains("[DESTROY]") && l.contains("[UNREPLIED]")), String.join("\n", ev));
        assertFalse(ev.stream().anyMatch(l -> web.test(l) && !l.contains("[UNREPLIED]")), "a->web was replied: " + String.join("\n", ev));
        // a->api: the backend is on node2, its reply is routed back through node1's conntrack
        Predicate<String> api = flow("10.244.1.2", "10.96.0.20", 80);
        assertTrue(ev.stream().anyMatch(l -> api.test(l) && l.contains("[UPDATE]") && !l.contains("[UNREPLIED]")), String.join("\n", ev));
        // a->kube-dns (udp): unreplied too; a->legacy: unreplied
        Predicate<String> dns = flow("10.244.1.2", "10.96.0.53", 53);
        assertTrue(ev.stream().anyMatch(l -> dns.test(l) && l.contains("[DESTROY]") && l.contains("[UNREPLIED]")), String.join("\n", ev));
        Predicate<String> legacy = flow("10.244.1.2", "10.96.0.30", 80);
        assertTrue(ev.stream().anyMatch(l -> legacy.test(l) && l.contains("[DESTROY]") && l.contains("[UNREPLIED]")), String.join("\n", ev));
        // c->web is DNATed on node2 and replied there
        List<String> ev2 = lines(bridgeOff.dir(), "events-node2.txt");
        Predicate<String> cweb = flow("10.244.2.2", "10.96.0.10", 80);
        assertTrue(ev2.stream().anyMatch(l -> cweb.test(l) && l.contains("[UPDATE]") && l.contains("ESTABLISHED")), String.join("\n", ev2));

        Map<String, Boolean> client = clientResults(bridgeOff);
        assertEquals(false, client.get("a->web"), bridgeOff.flows().toString());
        assertEquals(true, client.get("a->api"), bridgeOff.flows().toString());
        assertEquals(true, client.get("c->web"), bridgeOff.flows().toString());
        assertEquals(true, client.get("a->b direct"), bridgeOff.flows().toString());
        assertEquals(false, client.get("a->legacy"), bridgeOff.flows().toString());
        assertTrue(bridgeOff.complete(), "DESTROY missing for " + bridgeOff.undestroyed());
    }

    @Test
    void bridgeOnRepliesAToWeb() throws IOException {
        List<String> ev = lines(bridgeOn.dir(), "events-node1.txt");
        Predicate<String> web = flow("10.244.1.2", "10.96.0.10", 80);
        assertTrue(ev.stream().anyMatch(l -> web.test(l) && l.contains("[UPDATE]") && !l.contains("[UNREPLIED]")), String.join("\n", ev));
        assertFalse(ev.stream().anyMatch(l -> l.contains("[DESTROY]") && l.contains("[UNREPLIED]")
                        && !flow("10.244.1.2", "10.96.0.30", 80).test(l)),
                "an entry other than a->legacy destroyed unreplied: " + String.join("\n", ev));
        Map<String, Boolean> client = clientResults(bridgeOn);
        for (String f : List.of("a->web", "a->api", "a->kube-dns", "c->web", "a->b direct")) {
            assertEquals(true, client.get(f), f + ": " + bridgeOn.flows());
        }
        assertTrue(bridgeOn.complete(), "DESTROY missing for " + bridgeOn.undestroyed());
    }

    @Test
    void everyRecordedLineParsesAndTheDirectoryIsACapture() throws IOException {
        for (LabRecorder.Recording r : List.of(bridgeOff, bridgeOn)) {
            Capture cap = Capture.open(r.dir());
            assertEquals(List.of("node1", "node2"), cap.nodes());
            assertEquals(4, cap.services().size(), r.dir().toString());
            assertEquals(2, cap.facts().size());
            assertEquals(4, cap.stats().size());
            for (String node : cap.nodes()) {
                ConntrackLineParser parser = new ConntrackLineParser(node, false);
                List<String> files = Files.exists(r.dir().resolve("proc-" + node + ".txt"))
                        ? List.of("events-" + node + ".txt", "proc-" + node + ".txt") : List.of("events-" + node + ".txt");
                for (String file : files) {
                    List<String> ls = lines(r.dir(), file);
                    if (file.startsWith("events")) {
                        assertFalse(ls.isEmpty(), r.dir() + "/" + file + " is empty");
                    }
                    long seq = 0;
                    for (String l : ls) {
                        try {
                            parser.parse(l, Instant.EPOCH, ++seq);
                        } catch (ParseException e) {
                            fail(r.dir() + "/" + file + ": '" + l + "': " + e.getMessage());
                        }
                    }
                }
                assertEquals(LabTopology.natRules(), Files.readString(r.dir().resolve("nat-" + node + ".txt")), node);
            }
        }
        assertEquals(LabTopologyTest.factsAsRecorded(Scenario.BRIDGE_OFF, "node1"),
                Files.readString(bridgeOff.dir().resolve("facts-node1.txt")));
        assertTrue(Files.readString(bridgeOn.dir().resolve("facts-node1.txt")).contains("net.bridge.bridge-nf-call-iptables=1\n"));
    }

    @Test
    void theNftablesCaptureHasTheSameServicesFromKubeProxysTable() throws IOException {
        assumeNft();
        Capture nft = Capture.open(bridgeOffNft.dir());
        List<String> fromNft = nft.services().stream().map(LabKernelTest::service).sorted().toList();
        List<String> fromIptables = Capture.open(bridgeOff.dir()).services().stream().map(LabKernelTest::service).sorted().toList();
        assertEquals(4, fromNft.size(), fromNft.toString());
        assertEquals(fromIptables, fromNft);
        assertTrue(nft.services().stream().allMatch(s -> s.getSource().equals("nftables")), nft.services().toString());
        for (String node : nft.nodes()) {
            assertTrue(Files.readString(bridgeOffNft.dir().resolve("nat-" + node + ".txt")).startsWith("table ip kube-proxy {"), node);
            assertTrue(Files.readString(bridgeOffNft.dir().resolve("nat-" + node + ".json")).startsWith("{\"nftables\""), node);
            assertTrue(Files.readString(bridgeOffNft.dir().resolve("facts-" + node + ".txt")).endsWith("proxy_mode=nftables\n"), node);
        }
        assertEquals("nftables", nft.facts().get(0).getProxyMode());
        assertTrue(bridgeOffNft.complete(), "DESTROY missing for " + bridgeOffNft.undestroyed());
    }

    /** id, key and endpoints: everything but where it was read. */
    static String service(io.ctflow.avro.ServiceEntry s) {
        return s.getId() + " " + io.ctflow.collector.parse.ServiceKeys.key(s) + " " + s.getEndpoints().stream()
                .map(e -> io.ctflow.net.Addresses.withPort(io.ctflow.net.Addresses.bytes(e.getAddress()), e.getPort())).toList();
    }

    /**
     * The lab starts argument lists, never a shell; python's {@code -c} gets only the lab's constant
     * programs; conntrack and the iptables tools run only inside the lab's own namespaces.
     */
    @Test
    void everyProcessTheLabStartsIsAnArgumentListInsideItsOwnNamespaces() {
        assertTrue(STARTED.size() > 20, "the recordings' processes were seen: " + STARTED.size());
        for (List<String> cmd : STARTED) {
            for (int i = 0; i < cmd.size(); i++) {
                String prog = Path.of(cmd.get(i)).getFileName().toString();
                assertFalse(List.of("sh", "bash", "dash", "zsh").contains(prog), "a shell: " + cmd);
                if (cmd.get(i).equals("-c")) {
                    assertTrue(i > 0 && Path.of(cmd.get(i - 1)).getFileName().toString().startsWith("python") && i + 1 < cmd.size()
                            && List.of(PodScripts.SERVER, PodScripts.CLIENT, "import sys; print(sys.executable)").contains(cmd.get(i + 1)),
                            "-c only for python with a constant program: " + Exec.display(cmd));
                }
                if (List.of("conntrack", "iptables", "iptables-restore", "iptables-save", "nft").contains(prog) && i > 0) {
                    assertTrue(i >= 4 && cmd.get(1).equals("netns") && cmd.get(2).equals("exec")
                            && cmd.get(3).startsWith(LabNetwork.tag()), "only inside a lab namespace: " + Exec.display(cmd));
                }
            }
            String first = Path.of(cmd.get(0)).getFileName().toString();
            assertFalse(List.of("conntrack", "iptables", "iptables-restore", "nft").contains(first),
                    "never on the host's own tables: " + Exec.display(cmd));
        }
    }

    @Test
    void boundedInTime() {
        for (LabRecorder.Recording r : bridgeOffNft == null ? List.of(bridgeOff, bridgeOn) : List.of(bridgeOff, bridgeOn, bridgeOffNft)) {
            assertTrue(r.total().compareTo(Duration.ofSeconds(40)) < 0, r.scenario().id() + " took " + r.total());
        }
    }

    /** The seed's failure reproduced on this kernel and found by the whole pipeline (embedded Kafka, registry, streams app). */
    @Test
    @Timeout(value = 150)
    void theRecordedScenariosGoThroughThePipeline() throws Exception {
        Path offOut = tmp.resolve("bridge-off.jsonl");
        Path onOut = tmp.resolve("bridge-on.jsonl");
        for (Path[] run : new Path[][] {{bridgeOff.dir(), offOut}, {bridgeOn.dir(), onOut}}) {
            assertEquals(0, io.ctflow.cli.Ctflow.run("demo", "--capture", run[0].toString(), "--once", "--kafka-port", "0",
                    "--registry-port", "0", "--http-port", "0", "--json-out", run[1].toString(), "--timeout", "90s"));
        }
        List<com.fasterxml.jackson.databind.JsonNode> off = new java.util.ArrayList<>();
        for (String l : Files.readAllLines(offOut)) {
            com.fasterxml.jackson.databind.JsonNode n = io.ctflow.json.AvroJson.MAPPER.readTree(l);
            if (n.get("kind").asText().equals("anomaly")) {
                off.add(n);
            }
        }
        assertTrue(off.stream().anyMatch(n -> n.get("service").asText().equals("default/web:http")
                && n.get("node").asText().equals("node1") && n.get("cause").asText().equals("REPLY_BYPASSED_CONNTRACK")), off.toString());
        for (String l : Files.readAllLines(onOut)) {
            assertTrue(!l.contains("\"kind\":\"anomaly\""), "bridge-on must give no anomaly: " + l);
        }
    }

    /** kube-proxy in nftables mode: the pipeline names the same Services, nodes and causes as for iptables. */
    @Test
    @Timeout(value = 150)
    void theNftablesRecordingGivesTheSameAnomaliesAsIptables() throws Exception {
        assumeNft();
        Path iptOut = tmp.resolve("bridge-off-ipt.jsonl");
        Path nftOut = tmp.resolve("bridge-off-nft.jsonl");
        for (Path[] run : new Path[][] {{bridgeOff.dir(), iptOut}, {bridgeOffNft.dir(), nftOut}}) {
            assertEquals(0, io.ctflow.cli.Ctflow.run("demo", "--capture", run[0].toString(), "--once", "--kafka-port", "0",
                    "--registry-port", "0", "--http-port", "0", "--json-out", run[1].toString(), "--timeout", "90s"));
        }
        List<String> ipt = anomalies(iptOut);
        assertEquals(List.of("default/legacy:http node1 REPLY_BYPASSED_CONNTRACK", "default/web:http node1 REPLY_BYPASSED_CONNTRACK",
                "kube-system/kube-dns:dns node1 REPLY_BYPASSED_CONNTRACK"), ipt);
        assertEquals(ipt, anomalies(nftOut));
    }

    static List<String> anomalies(Path jsonl) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (String l : Files.readAllLines(jsonl)) {
            com.fasterxml.jackson.databind.JsonNode n = io.ctflow.json.AvroJson.MAPPER.readTree(l);
            if (n.get("kind").asText().equals("anomaly")) {
                out.add(n.get("service").asText() + " " + n.get("node").asText() + " " + n.get("cause").asText());
            }
        }
        return out.stream().sorted().toList();
    }
}
