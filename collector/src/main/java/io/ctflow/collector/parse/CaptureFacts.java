package io.ctflow.collector.parse;

import io.ctflow.avro.Bridge;
import io.ctflow.avro.BridgePort;
import io.ctflow.avro.NodeFacts;
import io.ctflow.net.Addresses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A capture's {@code facts-NODE.txt}: {@code key=value} lines, to and from {@link NodeFacts}.
 *
 * <pre>
 * node=node1
 * net.bridge.bridge-nf-call-iptables=0         sysctls by dotted name (net.* and kernel.*)
 * pod_cidr=10.244.1.0/24                       may repeat or be comma separated
 * bridge.cni0.addr=10.244.1.1/24               may repeat or be comma separated
 * bridge.cni0.port.veth-a.hairpin_mode=0
 * node_address=10.0.12.12                      optional, may repeat or be comma separated
 * proxy_mode=nftables                          optional: the dataplane Services were read from
 * dataplane_notice=...                         optional: why conntrack may not see Service connections (kube-proxy replacement)
 * </pre>
 *
 * Blank lines and {@code #} comments are skipped; other unknown keys are ignored so that newer
 * recorders stay readable. Without {@code pod_cidr} the pod CIDRs are the bridges' networks.
 */
public final class CaptureFacts {
    private static final String BRIDGE = "bridge.";
    private static final String ADDR = ".addr";
    private static final String PORT = ".port.";
    private static final String HAIRPIN = ".hairpin_mode";

    private CaptureFacts() {}

    /** Reads a facts file (UTF-8). */
    public static NodeFacts read(Path file, Instant timestamp) throws IOException {
        try {
            return parse(InputText.read(file), timestamp);
        } catch (InputError e) {
            throw e.in(file);
        }
    }

    /**
     * Parses facts text.
     *
     * @param timestamp when the facts were read (NodeFacts.timestamp)
     * @throws IllegalArgumentException naming the line, for a line that is not key=value, a bad
     *                                  CIDR or hairpin_mode, or a missing {@code node=}
     */
    public static NodeFacts parse(String text, Instant timestamp) {
        String node = null;
        Map<String, String> sysctls = new LinkedHashMap<>();
        Map<String, BridgeParts> bridges = new LinkedHashMap<>();
        List<String> podCidrs = new ArrayList<>();
        List<String> nodeAddresses = new ArrayList<>();
        String proxyMode = null;
        String notice = null;
        String[] lines = text.split("\r?\n", -1);
        for (int n = 1; n <= lines.length; n++) {
            String line = lines[n - 1].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new InputError(n, "expected key=value, got '" + line + "'");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (key.equals("node")) {
                if (value.isEmpty()) {
                    throw new InputError(n, "empty node");
                }
                node = value;
            } else if (key.equals("pod_cidr")) {
                for (String cidr : values(value)) {
                    addOnce(podCidrs, checkCidr(cidr, n));
                }
            } else if (key.equals("node_address")) {
                for (String address : values(value)) {
                    addOnce(nodeAddresses, checkAddress(address, n));
                }
            } else if (key.equals("proxy_mode")) {
                proxyMode = value.isEmpty() ? null : value;
            } else if (key.equals("dataplane_notice")) {
                notice = value.isEmpty() ? null : value;
            } else if (key.startsWith(BRIDGE)) {
                bridgeKey(key.substring(BRIDGE.length()), value, n, bridges);
            } else if (key.startsWith("net.") || key.startsWith("kernel.")) {
                sysctls.put(key, value);
            }
        }
        if (node == null) {
            throw new InputError(0, "no node= line");
        }
        List<Bridge> bridgeList = new ArrayList<>(bridges.size());
        for (Map.Entry<String, BridgeParts> e : bridges.entrySet()) {
            bridgeList.add(new Bridge(e.getKey(), e.getValue().addresses, e.getValue().ports));
        }
        if (podCidrs.isEmpty()) {
            for (Bridge b : bridgeList) {
                for (String address : b.getAddresses()) {
                    addOnce(podCidrs, Addresses.networkOf(address));
                }
            }
        }
        return new NodeFacts(node, timestamp, sysctls, bridgeList, podCidrs, nodeAddresses, proxyMode, notice);
    }

    /** The facts as key=value text, in the order {@link #parse} reads them back; no timestamp. */
    public static String format(NodeFacts facts) {
        StringBuilder sb = new StringBuilder(512);
        line(sb, "node", facts.getNode());
        for (Map.Entry<String, String> e : facts.getSysctls().entrySet()) {
            line(sb, e.getKey(), e.getValue());
        }
        for (String cidr : facts.getPodCidrs()) {
            line(sb, "pod_cidr", cidr);
        }
        for (Bridge b : facts.getBridges()) {
            for (String address : b.getAddresses()) {
                line(sb, BRIDGE + b.getName() + ADDR, address);
            }
            for (BridgePort p : b.getPorts()) {
                line(sb, BRIDGE + b.getName() + PORT + p.getName() + HAIRPIN, p.getHairpinMode() ? "1" : "0");
            }
        }
        for (String address : facts.getNodeAddresses()) {
            line(sb, "node_address", address);
        }
        if (facts.getProxyMode() != null) {
            line(sb, "proxy_mode", facts.getProxyMode());
        }
        if (facts.getDataplaneNotice() != null) {
            line(sb, "dataplane_notice", facts.getDataplaneNotice());
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String key, String value) {
        if (key.indexOf('\n') >= 0 || key.indexOf('=') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("cannot write '" + key + "' as a key=value line");
        }
        sb.append(key).append('=').append(value).append('\n');
    }

    /** The bridge's fields while reading. */
    private static final class BridgeParts {
        final List<String> addresses = new ArrayList<>();
        final List<BridgePort> ports = new ArrayList<>();
    }

    // "<name>.addr" or "<name>.port.<port>.hairpin_mode"; other per-bridge keys are ignored.
    private static void bridgeKey(String rest, String value, int n, Map<String, BridgeParts> bridges) {
        int port = rest.indexOf(PORT);
        if (port > 0 && rest.endsWith(HAIRPIN) && rest.length() - HAIRPIN.length() > port + PORT.length()) {
            String portName = rest.substring(port + PORT.length(), rest.length() - HAIRPIN.length());
            List<BridgePort> ports = bridges.computeIfAbsent(rest.substring(0, port), k -> new BridgeParts()).ports;
            ports.removeIf(p -> p.getName().equals(portName));
            ports.add(new BridgePort(portName, hairpin(value, n)));
        } else if (rest.endsWith(ADDR) && rest.length() > ADDR.length()) {
            BridgeParts b = bridges.computeIfAbsent(rest.substring(0, rest.length() - ADDR.length()), k -> new BridgeParts());
            for (String cidr : values(value)) {
                addOnce(b.addresses, checkCidr(cidr, n));
            }
        }
    }

    private static boolean hairpin(String value, int n) {
        switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "1": case "on": case "true": return true;
            case "0": case "off": case "false": return false;
            default: throw new InputError(n, "bad hairpin_mode '" + value + "'");
        }
    }

    private static List<String> values(String value) {
        List<String> out = new ArrayList<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                out.add(part.strip());
            }
        }
        return out;
    }

    private static void addOnce(List<String> list, String value) {
        if (!list.contains(value)) {
            list.add(value);
        }
    }

    private static String checkCidr(String cidr, int n) {
        int slash = cidr.indexOf('/');
        byte[] address = slash < 0 ? null : IpLiteral.parse(cidr.substring(0, slash));
        long bits = slash < 0 ? -1 : LineTokenizer.number(cidr, slash + 1, cidr.length(), 128);
        if (address == null || bits < 0 || bits > address.length * 8L) {
            throw new InputError(n, "bad CIDR '" + cidr + "'");
        }
        return cidr;
    }

    private static String checkAddress(String address, int n) {
        if (address.indexOf('/') >= 0) {
            return checkCidr(address, n);
        }
        if (IpLiteral.parse(address) == null) {
            throw new InputError(n, "bad address '" + address + "'");
        }
        return address;
    }
}
