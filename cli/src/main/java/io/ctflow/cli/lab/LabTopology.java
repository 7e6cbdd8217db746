package io.ctflow.cli.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lab of testdata/captures/README.md, as data: two nodes (bridge cni0, a routed link), three
 * pods, four kube-proxy Services; and the texts made from it (the NAT rules for
 * {@code iptables-restore -t nat}, a capture's {@code facts-NODE.txt}). Pure: no commands run here.
 */
public final class LabTopology {
    private LabTopology() {}

    /** A node namespace: bridge cni0 with the pod CIDR's first address, one end of the routed link. */
    public record Node(String name, String bridgeAddr, String podCidr, String linkIf, String linkAddr,
                       String peerPodCidr, String peerLinkAddr) {}

    /** A pod namespace: eth0 with {@code ip}/24, its veth peer {@code veth} on its node's cni0. */
    public record Pod(String name, String node, String ip, String veth, String gateway) {}

    /** A Service as kube-proxy's iptables mode writes it: one endpoint, no masquerade. */
    public record Service(String id, String chainHash, String clusterIp, int port, String proto,
                          String endpointIp, int endpointPort) {
        String svcChain() {
            return "KUBE-SVC-" + chainHash;
        }

        String sepChain() {
            return "KUBE-SEP-" + chainHash;
        }

        String endpoint() {
            return endpointIp + ":" + endpointPort;
        }

        /** kube-proxy's nftables Service chain: {@code service-HASH-NS/NAME/PROTO/PORTNAME}. */
        String nftServiceChain() {
            return "service-" + chainHash.substring(0, 8) + "-" + nftBase();
        }

        /** kube-proxy's nftables endpoint chain: {@code endpoint-HASH-NS/NAME/PROTO/PORTNAME__IP/PORT}. */
        String nftEndpointChain() {
            return "endpoint-" + chainHash.substring(8) + "-" + nftBase() + "__" + endpointIp + "/" + endpointPort;
        }

        private String nftBase() {
            int slash = id.indexOf('/');
            int colon = id.indexOf(':');
            return id.substring(0, slash) + "/" + id.substring(slash + 1, colon) + "/" + proto + "/" + id.substring(colon + 1);
        }
    }

    public static final String BRIDGE = "cni0";
    public static final int LINK_PREFIX = 24;
    public static final int POD_PREFIX = 24;

    public static final Node NODE1 = new Node("node1", "10.244.1.1/24", "10.244.1.0/24", "to-node2", "10.0.12.12",
            "10.244.2.0/24", "10.0.12.14");
    public static final Node NODE2 = new Node("node2", "10.244.2.1/24", "10.244.2.0/24", "to-node1", "10.0.12.14",
            "10.244.1.0/24", "10.0.12.12");
    public static final List<Node> NODES = List.of(NODE1, NODE2);

    public static final Pod A = new Pod("a", "node1", "10.244.1.2", "veth-a", "10.244.1.1");
    public static final Pod B = new Pod("b", "node1", "10.244.1.3", "veth-b", "10.244.1.1");
    public static final Pod C = new Pod("c", "node2", "10.244.2.2", "veth-c", "10.244.2.1");
    public static final List<Pod> PODS = List.of(A, B, C);

    public static final Service WEB = new Service("default/web:http", "WEB4XQ2ZP7LMN3KD", "10.96.0.10", 80, "tcp", B.ip(), 8080);
    public static final Service API = new Service("default/api:http", "API7TR3VB2QW9XJH", "10.96.0.20", 80, "tcp", C.ip(), 8080);
    public static final Service KUBE_DNS = new Service("kube-system/kube-dns:dns", "DNS5KM8PL4YH2CWA", "10.96.0.53", 53, "udp", B.ip(), 5353);
    /** Its endpoint is a pod that no longer exists: a stale endpoint. */
    public static final Service LEGACY = new Service("default/legacy:http", "LEG2HN6QS8DF4RTB", "10.96.0.30", 80, "tcp", "10.244.1.99", 8080);
    /** In KUBE-SERVICES order. */
    public static final List<Service> SERVICES = List.of(WEB, API, KUBE_DNS, LEGACY);

    /** The sysctls a facts file lists, in its order. */
    public static final List<String> FACT_SYSCTLS = List.of(
            "net.bridge.bridge-nf-call-iptables",
            "net.bridge.bridge-nf-call-ip6tables",
            "net.ipv4.ip_forward",
            "net.netfilter.nf_conntrack_max",
            "net.netfilter.nf_conntrack_tcp_be_liberal");

    /** Short conntrack timeouts (seconds) so unreplied entries expire during a capture. */
    public static final Map<String, String> CONNTRACK_TIMEOUTS = Map.of(
            "net.netfilter.nf_conntrack_tcp_timeout_syn_sent", "6",
            "net.netfilter.nf_conntrack_udp_timeout", "6",
            "net.netfilter.nf_conntrack_tcp_timeout_time_wait", "6");

    public static Node node(String name) {
        return NODES.stream().filter(n -> n.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + name));
    }

    public static Pod pod(String name) {
        return PODS.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no pod " + name));
    }

    public static List<Pod> podsOf(String node) {
        return PODS.stream().filter(p -> p.node().equals(node)).toList();
    }

    /**
     * The nat table for {@code iptables-restore} (no {@code --noflush} needed: a fresh namespace),
     * written the way {@code iptables-save -t nat} prints it, so a capture's nat-NODE.txt equals it:
     * built-in chains, then the kube chains in name order, each chain's rules together.
     */
    public static String natRules() {
        Map<String, List<String>> rules = new TreeMap<>();
        List<String> kubeServices = new ArrayList<>();
        for (Service s : SERVICES) {
            String p = s.proto();
            rules.computeIfAbsent(s.sepChain(), k -> new ArrayList<>()).add("-A " + s.sepChain() + " -p " + p
                    + " -m comment --comment \"" + s.id() + "\" -m " + p + " -j DNAT --to-destination " + s.endpoint());
            kubeServices.add("-A KUBE-SERVICES -d " + s.clusterIp() + "/32 -p " + p + " -m comment --comment \"" + s.id()
                    + " cluster IP\" -m " + p + " --dport " + s.port() + " -j " + s.svcChain());
            rules.computeIfAbsent(s.svcChain(), k -> new ArrayList<>()).add("-A " + s.svcChain()
                    + " -m comment --comment \"" + s.id() + " -> " + s.endpoint() + "\" -j " + s.sepChain());
        }
        rules.put("KUBE-SERVICES", kubeServices);
        StringBuilder b = new StringBuilder("*nat\n");
        for (String builtin : List.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")) {
            b.append(':').append(builtin).append(" ACCEPT [0:0]\n");
        }
        for (String chain : rules.keySet()) {
            b.append(':').append(chain).append(" - [0:0]\n");
        }
        for (String builtin : List.of("PREROUTING", "OUTPUT")) {
            b.append("-A ").append(builtin).append(" -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        }
        for (List<String> chainRules : rules.values()) {
            for (String r : chainRules) {
                b.append(r).append('\n');
            }
        }
        return b.append("COMMIT\n").toString();
    }

    /** The kube-proxy nftables table's name and family, as {@code nft list table} takes them. */
    public static final String NFT_FAMILY = "ip";
    public static final String NFT_TABLE = "kube-proxy";

    /**
     * The same Services as {@link #natRules()} the way kube-proxy's nftables mode writes them
     * (pkg/proxy/nftables), for {@code nft -f}: a {@code table ip kube-proxy} whose nat hooks jump to
     * {@code services}, which looks the destination up in the verdict map {@code service-ips}
     * ({@code VIP . PROTO . PORT : goto service-…}); each Service chain picks an endpoint chain with
     * {@code numgen random mod N vmap}, which DNATs. No masquerade, as in the iptables lab.
     */
    public static String nftRules() {
        StringBuilder b = new StringBuilder("table ip kube-proxy {\n");
        b.append("\tcomment \"rules for kube-proxy\"\n");
        b.append("\tmap service-ips {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n");
        b.append("\t\tcomment \"ClusterIP, ExternalIP and LoadBalancer IP traffic\"\n\t\telements = { ");
        List<String> elements = new ArrayList<>();
        for (Service s : SERVICES) {
            elements.add(s.clusterIp() + " . " + s.proto() + " . " + s.port() + " : goto " + s.nftServiceChain());
        }
        b.append(String.join(",\n\t\t\t     ", elements)).append(" }\n\t}\n\n");
        b.append("\tchain nat-prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\tjump services\n\t}\n\n");
        b.append("\tchain nat-output {\n\t\ttype nat hook output priority -100; policy accept;\n\t\tjump services\n\t}\n\n");
        b.append("\tchain services {\n\t\tip daddr . meta l4proto . th dport vmap @service-ips\n\t}\n");
        for (Service s : SERVICES) {
            // the endpoint chain first: nft -f resolves a goto when it reads it
            b.append("\n\tchain ").append(s.nftEndpointChain()).append(" {\n\t\tmeta l4proto ").append(s.proto())
                    .append(" dnat to ").append(s.endpoint()).append("\n\t}\n");
            b.append("\n\tchain ").append(s.nftServiceChain()).append(" {\n\t\tnumgen random mod 1 vmap { 0 : goto ")
                    .append(s.nftEndpointChain()).append(" }\n\t}\n");
        }
        return b.append("}\n").toString();
    }

    /**
     * {@code iptables-save} output as a capture keeps it: without the "# Generated by" /
     * "# Completed on" / warning comment lines, which carry a date and the tool's version.
     */
    public static String stripSaveComments(String save) {
        StringBuilder b = new StringBuilder();
        for (String line : save.split("\n", -1)) {
            if (!line.startsWith("#") && !line.isEmpty()) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * A capture's facts-NODE.txt.
     *
     * @param sysctls  by dotted name, in the order to print (see {@link #FACT_SYSCTLS})
     * @param hairpin  bridge port name to its hairpin_mode (0/1), in port order
     */
    public static String factsText(String node, Map<String, String> sysctls, String podCidr, String bridge,
                                   String bridgeAddr, Map<String, Integer> hairpin) {
        StringBuilder b = new StringBuilder();
        b.append("node=").append(node).append('\n');
        sysctls.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        b.append("pod_cidr=").append(podCidr).append('\n');
        b.append("bridge.").append(bridge).append(".addr=").append(bridgeAddr).append('\n');
        hairpin.forEach((port, mode) -> b.append("bridge.").append(bridge).append(".port.").append(port)
                .append(".hairpin_mode=").append(mode).append('\n'));
        return b.toString();
    }

    /**
     * Parses {@code ip -o -d link show master BRIDGE}: one line per port, "N: NAME@ifM: ... hairpin
     * on|off ..."; returns port name to 0/1 in the order given, sorted by name for a stable file.
     */
    public static Map<String, Integer> parseHairpin(String ipLinkOutput) {
        Map<String, Integer> out = new TreeMap<>();
        for (String line : ipLinkOutput.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2 || !f[0].endsWith(":")) {
                continue;
            }
            String name = f[1];
            int at = name.indexOf('@');
            name = at >= 0 ? name.substring(0, at) : name.replaceAll(":$", "");
            Integer mode = null;
            for (int i = 2; i + 1 < f.length; i++) {
                if (f[i].equals("hairpin")) {
                    mode = f[i + 1].equals("on") ? 1 : 0;
                    break;
                }
            }
            if (mode != null) {
                out.put(name, mode);
            }
        }
        return out;
    }

    /** The facts sysctls in {@link #FACT_SYSCTLS} order, from {@code sysctl -n} output of the same keys. */
    public static Map<String, String> sysctlValues(List<String> keys, String sysctlN) {
        String[] lines = sysctlN.strip().split("\n");
        if (lines.length != keys.size()) {
            throw new LabException("sysctl printed " + lines.length + " values for " + keys.size() + " keys: " + sysctlN.strip());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            out.put(keys.get(i), lines[i].strip());
        }
        return out;
    }
}
