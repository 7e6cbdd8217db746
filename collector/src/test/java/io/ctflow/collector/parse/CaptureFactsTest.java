package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.Bridge;
import io.ctflow.avro.BridgePort;
import io.ctflow.avro.NodeFacts;
import io.ctflow.testing.Captures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaptureFactsTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void everyCaptureFactsFileParsesAndFormatsBackIdentically() throws Exception {
        int files = 0;
        for (String scenario : Captures.SCENARIOS) {
            for (String node : List.of("node1", "node2")) {
                Path file = Captures.scenario(scenario).resolve("facts-" + node + ".txt");
                String text = Files.readString(file, StandardCharsets.UTF_8);
                NodeFacts f = CaptureFacts.read(file, T);
                assertEquals(node, f.getNode());
                assertEquals(T, f.getTimestamp());
                assertEquals("1", f.getSysctls().get("net.ipv4.ip_forward"));
                assertEquals("262144", f.getSysctls().get("net.netfilter.nf_conntrack_max"));
                assertEquals(List.of(node.equals("node1") ? "10.244.1.0/24" : "10.244.2.0/24"), f.getPodCidrs());
                assertEquals(1, f.getBridges().size());
                assertEquals("cni0", f.getBridges().get(0).getName());
                assertEquals(List.of(), f.getNodeAddresses());
                assertEquals(text, CaptureFacts.format(f), file.toString());
                files++;
            }
        }
        assertEquals(6, files);
    }

    @Test
    void bridgeOffNode1InDetail() throws Exception {
        NodeFacts f = CaptureFacts.read(Captures.scenario("bridge-off").resolve("facts-node1.txt"), T);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("net.bridge.bridge-nf-call-iptables", "0");
        expected.put("net.bridge.bridge-nf-call-ip6tables", "1");
        expected.put("net.ipv4.ip_forward", "1");
        expected.put("net.netfilter.nf_conntrack_max", "262144");
        expected.put("net.netfilter.nf_conntrack_tcp_be_liberal", "0");
        assertEquals(expected, f.getSysctls());
        assertEquals(List.of(new Bridge("cni0", List.of("10.244.1.1/24"),
            List.of(new BridgePort("veth-a", false), new BridgePort("veth-b", false)))), f.getBridges());
        assertEquals(List.of("10.244.1.0/24"), f.getPodCidrs());

        NodeFacts node2 = CaptureFacts.read(Captures.scenario("bridge-off").resolve("facts-node2.txt"), T);
        assertEquals("1", node2.getSysctls().get("net.bridge.bridge-nf-call-iptables"));
        assertEquals(List.of(new BridgePort("veth-c", false)), node2.getBridges().get(0).getPorts());
    }

    @Test
    void podCidrsRepeatOrAreCommaSeparated() {
        NodeFacts f = CaptureFacts.parse("node=n\npod_cidr=10.244.1.0/24, fd00:1::/64\npod_cidr=10.245.0.0/16\n"
            + "pod_cidr=10.244.1.0/24\n", T);
        assertEquals(List.of("10.244.1.0/24", "fd00:1::/64", "10.245.0.0/16"), f.getPodCidrs());
    }

    @Test
    void podCidrsDefaultToTheBridgesNetworks() {
        NodeFacts f = CaptureFacts.parse("node=n\nbridge.cni0.addr=10.244.1.1/24,fd00:1::1/64\n"
            + "bridge.br-x.addr=192.168.7.9/16\nbridge.docker0.port.veth1.hairpin_mode=1\n", T);
        assertEquals(List.of("10.244.1.0/24", "fd00:1::/64", "192.168.0.0/16"), f.getPodCidrs());
        assertEquals(3, f.getBridges().size());
        Bridge docker = f.getBridges().get(2);
        assertEquals("docker0", docker.getName());
        assertEquals(List.of(), docker.getAddresses());
        assertEquals(List.of(new BridgePort("veth1", true)), docker.getPorts());
    }

    @Test
    void unknownKeysAreSysctlsOnlyWhenTheyLookLikeThem() {
        NodeFacts f = CaptureFacts.parse("# recorded by ctflow\n\nnode = n1 \r\nkernel.pid_max=4194304\r\n"
            + "net.core.somaxconn=4096\nvm.swappiness=60\nrecorder=0.1\nbridge.cni0.mtu=1500\n"
            + "node_address=10.0.12.12,fd00::12\nnode_address=192.168.1.5/24\n", T);
        assertEquals("n1", f.getNode());
        assertEquals(Map.of("kernel.pid_max", "4194304", "net.core.somaxconn", "4096"), f.getSysctls());
        assertEquals(List.of("10.0.12.12", "fd00::12", "192.168.1.5/24"), f.getNodeAddresses());
        assertTrue(f.getBridges().isEmpty(), "a bridge key other than addr/port does not make a bridge");
        assertTrue(f.getPodCidrs().isEmpty());
    }

    @Test
    void hairpinValues() {
        NodeFacts f = CaptureFacts.parse("node=n\nbridge.b.port.p1.hairpin_mode=on\nbridge.b.port.p2.hairpin_mode=false\n"
            + "bridge.b.port.p1.hairpin_mode=1\n", T);
        assertEquals(List.of(new BridgePort("p2", false), new BridgePort("p1", true)), f.getBridges().get(0).getPorts());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> CaptureFacts.parse("node=n\nbridge.b.port.p1.hairpin_mode=maybe\n", T));
        assertEquals("line 2: bad hairpin_mode 'maybe'", e.getMessage());
    }

    @Test
    void formatThenParseIsTheSameFacts() {
        Map<String, String> sysctls = new LinkedHashMap<>();
        sysctls.put("net.bridge.bridge-nf-call-iptables", "0");
        sysctls.put("kernel.x", "a b");
        NodeFacts f = new NodeFacts("node9", T, sysctls,
            List.of(new Bridge("cni0", List.of("10.244.9.1/24", "fd00:9::1/64"),
                    List.of(new BridgePort("veth-a", true), new BridgePort("veth-b", false))),
                new Bridge("br1", List.of(), List.of(new BridgePort("v", false)))),
            List.of("10.244.9.0/24"), List.of("10.0.0.9"), "nftables", null);
        String text = CaptureFacts.format(f);
        assertEquals("node=node9\nnet.bridge.bridge-nf-call-iptables=0\nkernel.x=a b\npod_cidr=10.244.9.0/24\n"
            + "bridge.cni0.addr=10.244.9.1/24\nbridge.cni0.addr=fd00:9::1/64\nbridge.cni0.port.veth-a.hairpin_mode=1\n"
            + "bridge.cni0.port.veth-b.hairpin_mode=0\nbridge.br1.port.v.hairpin_mode=0\nnode_address=10.0.0.9\n"
            + "proxy_mode=nftables\n", text);
        assertEquals(f, CaptureFacts.parse(text, T));
        f.setProxyMode(null);
        assertEquals(f, CaptureFacts.parse(CaptureFacts.format(f), T), "no proxy_mode line: null, as in older captures");
        f.setDataplaneNotice("no kube-proxy rules, but Cilium's (CILIUM_PRE_nat): kube-proxy replacement");
        assertEquals(f, CaptureFacts.parse(CaptureFacts.format(f), T), "the notice round-trips");
    }

    @Test
    void badInputNamesTheLine() {
        assertEquals("line 2: expected key=value, got 'garbage'", assertThrows(IllegalArgumentException.class,
            () -> CaptureFacts.parse("node=n\ngarbage\n", T)).getMessage());
        assertEquals("line 2: bad CIDR '10.244.1.0'", assertThrows(IllegalArgumentException.class,
            () -> CaptureFacts.parse("node=n\npod_cidr=10.244.1.0\n", T)).getMessage());
        assertEquals("line 1: bad CIDR '10.244.1.1/33'", assertThrows(IllegalArgumentException.class,
            () -> CaptureFacts.parse("bridge.cni0.addr=10.244.1.1/33\nnode=n\n", T)).getMessage());
        assertEquals("line 2: bad address 'x.y'", assertThrows(IllegalArgumentException.class,
            () -> CaptureFacts.parse("node=n\nnode_address=x.y\n", T)).getMessage());
        assertEquals("no node= line", assertThrows(IllegalArgumentException.class,
            () -> CaptureFacts.parse("net.ipv4.ip_forward=1\n", T)).getMessage());
        assertFalse(CaptureFacts.parse("node=n", T).getNode().isEmpty());
    }
}
