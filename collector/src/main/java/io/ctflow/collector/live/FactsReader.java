package io.ctflow.collector.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctflow.avro.Bridge;
import io.ctflow.avro.BridgePort;
import io.ctflow.avro.NodeFacts;
import io.ctflow.net.Addresses;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a node's {@link NodeFacts}: the sysctls that decide whether bridged traffic is seen by
 * conntrack, the bridges with their addresses and ports' {@code hairpin_mode}
 * ({@code ip -d -j addr show}, then {@code /sys/class/net/BR/brif/PORT/hairpin_mode}), the pod CIDRs
 * (given, else the bridges' networks) and the node's other addresses.
 */
public final class FactsReader {
    /** The sysctls in NodeFacts, by dotted name. */
    public static final List<String> SYSCTLS = List.of(
            "net.bridge.bridge-nf-call-iptables",
            "net.bridge.bridge-nf-call-ip6tables",
            "net.ipv4.ip_forward",
            "net.netfilter.nf_conntrack_max",
            "net.netfilter.nf_conntrack_tcp_be_liberal");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final NodeAccess access;
    private final List<String> podCidrs;

    /** @param podCidrs pod CIDRs to report, or empty for the bridges' networks */
    public FactsReader(NodeAccess access, List<String> podCidrs) {
        this.access = access;
        this.podCidrs = List.copyOf(podCidrs);
    }

    /** Reads the facts now. Missing sysctls are absent; without {@code ip} there are no bridges. */
    public NodeFacts read(String node, Instant now) throws IOException, InterruptedException {
        List<String> paths = new ArrayList<>();
        for (String s : SYSCTLS) {
            paths.add(NodeAccess.sysctlPath(s));
        }
        Links links = access.find("ip") != null ? links() : new Links(List.of(), List.of());
        for (BridgeParts b : links.bridges) {
            for (PortParts p : b.ports) {
                paths.add(hairpinPath(b.name, p.name));
            }
        }
        Map<String, String> files = access.readFiles(paths, TIMEOUT);
        Map<String, String> sysctls = new LinkedHashMap<>();
        for (String s : SYSCTLS) {
            String v = files.get(NodeAccess.sysctlPath(s));
            if (v != null) {
                sysctls.put(s, v);
            }
        }
        List<Bridge> bridges = new ArrayList<>();
        List<String> cidrs = new ArrayList<>(podCidrs);
        for (BridgeParts b : links.bridges) {
            List<BridgePort> ports = new ArrayList<>();
            for (PortParts p : b.ports) {
                String v = files.get(hairpinPath(b.name, p.name));
                boolean hairpin = v != null ? v.equals("1") : p.hairpinFromJson;
                ports.add(new BridgePort(p.name, hairpin));
            }
            bridges.add(new Bridge(b.name, b.addresses, ports));
            if (podCidrs.isEmpty()) {
                for (String a : b.addresses) {
                    String net = Addresses.networkOf(a);
                    if (!cidrs.contains(net)) {
                        cidrs.add(net);
                    }
                }
            }
        }
        return new NodeFacts(node, now, sysctls, bridges, cidrs, links.nodeAddresses, null, null);
    }

    static String hairpinPath(String bridge, String port) {
        return "/sys/class/net/" + bridge + "/brif/" + port + "/hairpin_mode";
    }

    record PortParts(String name, boolean hairpinFromJson) {}

    record BridgeParts(String name, List<String> addresses, List<PortParts> ports) {}

    record Links(List<BridgeParts> bridges, List<String> nodeAddresses) {}

    private Links links() throws IOException, InterruptedException {
        NodeAccess.Result r = access.run(access.ipCommand("-d", "-j", "addr", "show"), TIMEOUT);
        if (!r.ok()) {
            throw new IOException("ip -d -j addr show: " + r.error());
        }
        return parseLinks(r.stdout());
    }

    /** Parses {@code ip -d -j addr show}: bridges (sorted), their ports (sorted) and the other global addresses. */
    static Links parseLinks(String json) throws IOException {
        JsonNode root = JSON.readTree(json);
        Map<String, BridgeParts> bridges = new TreeMap<>();
        List<JsonNode> all = new ArrayList<>();
        root.forEach(all::add);
        for (JsonNode l : all) {
            if ("bridge".equals(l.path("linkinfo").path("info_kind").asText())) {
                String name = l.path("ifname").asText();
                bridges.put(name, new BridgeParts(name, addresses(l), new ArrayList<>()));
            }
        }
        List<String> nodeAddresses = new ArrayList<>();
        for (JsonNode l : all) {
            String name = l.path("ifname").asText();
            String master = l.path("master").asText(null);
            if (master != null && bridges.containsKey(master)) {
                JsonNode slave = l.path("linkinfo").path("info_slave_data");
                bridges.get(master).ports.add(new PortParts(name, slave.path("hairpin").asBoolean(false)));
                continue;
            }
            if (bridges.containsKey(name) || "loopback".equals(l.path("link_type").asText())) {
                continue;
            }
            for (String a : addresses(l)) {
                String ip = a.substring(0, a.indexOf('/'));
                if (!nodeAddresses.contains(ip)) {
                    nodeAddresses.add(ip);
                }
            }
        }
        List<BridgeParts> out = new ArrayList<>();
        for (BridgeParts b : bridges.values()) {
            b.ports.sort(Comparator.comparing(PortParts::name));
            out.add(b);
        }
        return new Links(out, nodeAddresses);
    }

    private static List<String> addresses(JsonNode link) {
        List<String> out = new ArrayList<>();
        for (JsonNode a : link.path("addr_info")) {
            String family = a.path("family").asText();
            String scope = a.path("scope").asText("global");
            if ((family.equals("inet") || family.equals("inet6")) && scope.equals("global") && a.hasNonNull("local")) {
                out.add(a.get("local").asText() + "/" + a.path("prefixlen").asInt(family.equals("inet") ? 32 : 128));
            }
        }
        return out;
    }
}
