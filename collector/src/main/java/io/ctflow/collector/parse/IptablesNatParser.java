package io.ctflow.collector.parse;

import io.ctflow.flow.Protocols;
import io.ctflow.avro.Endpoint;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Services from {@code iptables-save -t nat} / {@code ip6tables-save -t nat} output.
 *
 * <p>kube-proxy (iptables mode): a {@code KUBE-SERVICES} rule with {@code -d vip/32 -p proto
 * --dport port --comment "ns/name:port cluster IP"} jumps to a {@code KUBE-SVC-…} chain (or
 * {@code KUBE-SVL-…}, {@code KUBE-EXT-…}, {@code KUBE-FW-…}), whose rules jump, possibly through
 * {@code -m statistic} balancing or other KUBE chains, to {@code KUBE-SEP-…} chains ending in
 * {@code -j DNAT --to-destination ip:port}. Every DNAT reached from the Service rule is an
 * endpoint. Such entries have source {@value #SOURCE_IPTABLES}.
 *
 * <p>Plain DNAT rules outside KUBE chains ({@code -d 192.168.1.10/32 -p tcp --dport 80 -j DNAT
 * --to-destination 10.0.0.5:8080}) are entries with the default id {@code vip:port/proto} and
 * source {@value #SOURCE_DNAT}; rules for the same vip:port/proto (PREROUTING and OUTPUT, or
 * balanced) are merged. A kube-proxy entry wins over a plain DNAT for the same vip:port/proto.
 *
 * <p>A Service without endpoints has no NAT rules: kube-proxy rejects its traffic in the
 * <em>filter</em> table instead ({@code -A KUBE-SERVICES -d vip/32 -p tcp --comment "ns/name:port has
 * no endpoints" --dport port -j REJECT}, external IPs in {@code KUBE-EXTERNAL-SERVICES}; see
 * pkg/proxy/iptables proxier_test.go). Such a rule gives an entry with zero endpoints, so the
 * Service is listed and its state reported (NO_ENDPOINTS). The {@code "has no local endpoints" ... -j DROP}
 * rules (externalTrafficPolicy: Local) are not: other nodes still have endpoints.
 *
 * <p>Rules that do not name one address, one protocol and one port (networks, port ranges,
 * multiport, negated matches, NodePorts) are skipped, as are unknown chains and other tables.
 */
public final class IptablesNatParser {
    public static final String SOURCE_IPTABLES = "iptables";
    public static final String SOURCE_DNAT = "dnat";

    private static final String[] SERVICE_CHAIN_PREFIXES = {"KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-"};
    private static final String[] NO_ENDPOINT_CHAINS = {"KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES"};
    private static final String NO_ENDPOINTS = " has no endpoints";

    private IptablesNatParser() {}

    /**
     * @param node      node whose rules these are (ServiceEntry.node)
     * @param timestamp when they were read (ServiceEntry.timestamp)
     * @return entries sorted by id, then by topic key
     * @throws IllegalArgumentException naming the line, for an unterminated quote or a bad
     *                                  address or port in a rule that defines a Service
     */
    /** Reads {@code iptables-save -t nat} output from a file (UTF-8); mistakes say {@code FILE:LINE: what}. */
    public static List<ServiceEntry> read(java.nio.file.Path file, String node, Instant timestamp) throws java.io.IOException {
        try {
            return parse(InputText.read(file), node, timestamp);
        } catch (InputError e) {
            throw e.in(file);
        }
    }

    public static List<ServiceEntry> parse(String save, String node, Instant timestamp) {
        Map<String, List<Rule>> chains = readChains(save, "nat");
        Map<String, ServiceEntry> byKey = new LinkedHashMap<>();
        for (Rule r : chains.getOrDefault("KUBE-SERVICES", List.of())) {
            if (isServiceChain(r.jump)) {
                kubeService(r, chains, node, timestamp, byKey);
            }
        }
        Map<String, List<Rule>> filter = readChains(save, "filter");
        for (String chain : NO_ENDPOINT_CHAINS) {
            for (Rule r : filter.getOrDefault(chain, List.of())) {
                if ("REJECT".equals(r.jump) && r.comment != null && r.comment.strip().endsWith(NO_ENDPOINTS)) {
                    withoutEndpoints(r, node, timestamp, byKey);
                }
            }
        }
        for (List<Rule> rules : chains.values()) {
            for (Rule r : rules) {
                if (!r.chain.startsWith("KUBE-") && "DNAT".equals(r.jump)) {
                    plainDnat(r, node, timestamp, byKey);
                }
            }
        }
        List<ServiceEntry> out = new ArrayList<>(byKey.values());
        out.sort(Comparator.comparing(ServiceEntry::getId).thenComparing(ServiceKeys::key));
        return out;
    }

    private static boolean isServiceChain(String chain) {
        if (chain == null) {
            return false;
        }
        for (String prefix : SERVICE_CHAIN_PREFIXES) {
            if (chain.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static void kubeService(Rule r, Map<String, List<Rule>> chains, String node, Instant timestamp,
                                    Map<String, ServiceEntry> byKey) {
        Target target = Target.of(r);
        if (target == null) {
            return;
        }
        String key = ServiceKeys.key(target.protocol, target.vip, target.port);
        if (byKey.containsKey(key)) {
            return;
        }
        Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        collectEndpoints(r.jump, chains, target.port, new HashSet<>(), endpoints);
        // The comment is "ns/name:port cluster IP" (or "... external IP", or just "ns/name:port").
        String first = r.comment == null ? "" : r.comment.strip().split("\\s+", 2)[0];
        ServiceName name = ServiceName.parse(first);
        String id = name != null ? first : ServiceKeys.defaultId(target.protocol, target.vip, target.port);
        byKey.put(key, new ServiceEntry(id, name == null ? null : name.namespace(), name == null ? null : name.name(),
            name == null ? null : name.portName(), ByteBuffer.wrap(target.vip), target.port, target.protocol,
            new ArrayList<>(endpoints.values()), null, SOURCE_IPTABLES, node, timestamp));
    }

    /** A filter-table REJECT of a Service without endpoints: an entry with none, unless NAT rules name the address. */
    private static void withoutEndpoints(Rule r, String node, Instant timestamp, Map<String, ServiceEntry> byKey) {
        Target target = Target.of(r);
        if (target == null) {
            return; // a NodePort (-m addrtype --dst-type LOCAL, no -d)
        }
        String key = ServiceKeys.key(target.protocol, target.vip, target.port);
        if (byKey.containsKey(key)) {
            return;
        }
        String first = r.comment.strip().split("\\s+", 2)[0];
        ServiceName name = ServiceName.parse(first);
        String id = name != null ? first : ServiceKeys.defaultId(target.protocol, target.vip, target.port);
        byKey.put(key, new ServiceEntry(id, name == null ? null : name.namespace(), name == null ? null : name.name(),
            name == null ? null : name.portName(), ByteBuffer.wrap(target.vip), target.port, target.protocol,
            new ArrayList<>(), null, SOURCE_IPTABLES, node, timestamp));
    }

    // Depth-first through the jumps, in rule order; a chain is visited once (cycles, shared chains).
    private static void collectEndpoints(String chain, Map<String, List<Rule>> chains, int servicePort,
                                         Set<String> visited, Map<String, Endpoint> out) {
        if (chain == null || !visited.add(chain)) {
            return;
        }
        for (Rule r : chains.getOrDefault(chain, List.of())) {
            if ("DNAT".equals(r.jump)) {
                for (String to : r.toDestinations) {
                    Endpoint e = dnatEndpoint(to, servicePort, r.line);
                    out.putIfAbsent(Addresses.withPort(Addresses.bytes(e.getAddress()), e.getPort()), e);
                }
            } else if (chains.containsKey(r.jump)) {
                collectEndpoints(r.jump, chains, servicePort, visited, out);
            }
        }
    }

    private static void plainDnat(Rule r, String node, Instant timestamp, Map<String, ServiceEntry> byKey) {
        Target target = Target.of(r);
        if (target == null || r.toDestinations.isEmpty()) {
            return;
        }
        String key = ServiceKeys.key(target.protocol, target.vip, target.port);
        ServiceEntry entry = byKey.get(key);
        if (entry == null) {
            entry = new ServiceEntry(ServiceKeys.defaultId(target.protocol, target.vip, target.port), null, null, null,
                ByteBuffer.wrap(target.vip), target.port, target.protocol, new ArrayList<>(), null, SOURCE_DNAT, node,
                timestamp);
            byKey.put(key, entry);
        } else if (!SOURCE_DNAT.equals(entry.getSource())) {
            return;
        }
        for (String to : r.toDestinations) {
            Endpoint e = dnatEndpoint(to, target.port, r.line);
            if (!entry.getEndpoints().contains(e)) {
                entry.getEndpoints().add(e);
            }
        }
    }

    /**
     * {@code --to-destination} value: {@code ip[:port]}, {@code [ip6][:port]} or a bare IPv6
     * address; of a range ({@code a-b:p1-p2}) the first address and port are taken.
     */
    static Endpoint dnatEndpoint(String to, int servicePort, int line) {
        String host;
        String port = null;
        if (to.startsWith("[")) {
            int close = to.indexOf(']');
            if (close < 0) {
                throw bad(line, "bad --to-destination '" + to + "'");
            }
            host = to.substring(1, close);
            String rest = to.substring(close + 1);
            if (rest.startsWith("-[")) { // address range [a]-[b]
                int close2 = rest.indexOf(']');
                rest = close2 < 0 ? rest : rest.substring(close2 + 1);
            }
            if (rest.startsWith(":")) {
                port = rest.substring(1);
            } else if (!rest.isEmpty()) {
                throw bad(line, "bad --to-destination '" + to + "'");
            }
        } else if (to.indexOf(':') != to.lastIndexOf(':')) {
            host = to; // IPv6 without brackets has no port
        } else {
            int colon = to.indexOf(':');
            host = colon < 0 ? to : to.substring(0, colon);
            port = colon < 0 ? null : to.substring(colon + 1);
        }
        int dash = host.indexOf('-');
        if (dash >= 0) {
            host = host.substring(0, dash);
        }
        if (port != null && port.indexOf('-') >= 0) {
            port = port.substring(0, port.indexOf('-'));
        }
        byte[] address = IpLiteral.parse(host);
        int p = port == null ? servicePort : HostPort.parsePort(port);
        if (address == null || p < 1) {
            throw bad(line, "bad --to-destination '" + to + "'");
        }
        return new Endpoint(ByteBuffer.wrap(address), p);
    }

    /** What a rule matches when it names one address, protocol and port; else null. */
    private static final class Target {
        final byte[] vip;
        final Protocol protocol;
        final int port;

        private Target(byte[] vip, Protocol protocol, int port) {
            this.vip = vip;
            this.protocol = protocol;
            this.port = port;
        }

        static Target of(Rule r) {
            if (r.destination == null || r.protocol == null || r.dport == null || r.negated) {
                return null;
            }
            Protocol protocol = Protocols.byName(r.protocol);
            if (protocol == null || r.dport.indexOf(':') >= 0 || r.dport.indexOf(',') >= 0) {
                return null; // unknown protocol ("all"), port range
            }
            String address = r.destination;
            int slash = address.indexOf('/');
            String prefix = slash < 0 ? null : address.substring(slash + 1);
            if (slash >= 0) {
                address = address.substring(0, slash);
            }
            byte[] vip = IpLiteral.parse(address);
            if (vip == null) {
                throw bad(r.line, "bad address '" + r.destination + "'");
            }
            if (prefix != null && !prefix.equals(vip.length == 4 ? "32" : "128")
                && !prefix.equals(vip.length == 4 ? "255.255.255.255" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) {
                return null; // a network, not one virtual address
            }
            int port = HostPort.parsePort(r.dport);
            if (port < 1) {
                throw bad(r.line, "bad port '" + r.dport + "'");
            }
            return new Target(vip, protocol, port);
        }
    }

    // ---- reading the rules ----

    /** The options of one {@code -A} rule that matter here. */
    private static final class Rule {
        final String chain;
        final int line;
        String destination;
        String protocol;
        String dport;
        String jump;
        String comment;
        /** Whether -d, -p or --dport is negated: such a rule does not name a Service. */
        boolean negated;
        final List<String> toDestinations = new ArrayList<>(1);

        Rule(String chain, int line) {
            this.chain = chain;
            this.line = line;
        }
    }

    /** A word of a rule line, and whether it was (partly) quoted: a quoted "-x" is not an option. */
    private record Word(String text, boolean quoted) {
        boolean isOption() {
            return !quoted && text.length() > 1 && text.charAt(0) == '-';
        }

        boolean isBang() {
            return !quoted && text.equals("!");
        }
    }

    /** Rules of one table by chain, in order (all rules when there is no table header). */
    private static Map<String, List<Rule>> readChains(String save, String wanted) {
        Map<String, List<Rule>> chains = new LinkedHashMap<>();
        String table = null;
        String[] lines = save.split("\n", -1);
        for (int n = 1; n <= lines.length; n++) {
            String line = lines[n - 1].strip();
            if (line.startsWith("*")) {
                table = line.substring(1).strip();
            } else if (line.equals("COMMIT")) {
                table = null;
            } else if (table != null && !table.equals(wanted)) {
                continue;
            } else if (line.startsWith(":")) {
                int space = line.indexOf(' ');
                chains.computeIfAbsent(space < 0 ? line.substring(1) : line.substring(1, space), k -> new ArrayList<>());
            } else if (line.startsWith("-A ") || line.startsWith("-A\t")) {
                Rule r = rule(words(line, n), n);
                if (r != null) {
                    chains.computeIfAbsent(r.chain, k -> new ArrayList<>()).add(r);
                }
            }
        }
        return chains;
    }

    private static Rule rule(List<Word> words, int n) {
        if (words.size() < 2) {
            return null;
        }
        Rule r = new Rule(words.get(1).text(), n);
        boolean negate = false;
        for (int i = 2; i < words.size(); i++) {
            Word w = words.get(i);
            if (w.isBang()) {
                negate = true;
                continue;
            }
            if (!w.isOption()) {
                continue; // an argument of an option we skip
            }
            List<String> args = new ArrayList<>(2);
            int j = i + 1;
            for (; j < words.size() && !words.get(j).isOption(); j++) {
                if (words.get(j).isBang()) {
                    if (args.isEmpty() && j + 1 < words.size() && !words.get(j + 1).isOption()) {
                        negate = true; // old syntax: -d ! 10.0.0.1
                        continue;
                    }
                    break; // "!" of the next option
                }
                args.add(words.get(j).text());
            }
            option(r, w.text(), args, negate);
            negate = false;
            i = j - 1;
        }
        return r;
    }

    private static void option(Rule r, String option, List<String> args, boolean negate) {
        String arg = args.isEmpty() ? null : args.get(0);
        switch (option) {
            case "-d": case "--destination": case "--dst":
                r.destination = arg;
                r.negated |= negate;
                break;
            case "-p": case "--protocol":
                r.protocol = arg;
                r.negated |= negate;
                break;
            case "--dport": case "--destination-port":
                r.dport = arg;
                r.negated |= negate;
                break;
            case "-j": case "--jump": case "-g": case "--goto":
                r.jump = arg;
                break;
            case "--to-destination":
                if (arg != null) {
                    r.toDestinations.add(arg);
                }
                break;
            case "--comment":
                r.comment = arg;
                break;
            default:
                break;
        }
    }

    /**
     * Splits a rule line like iptables-save quotes it: words separated by blanks, double quotes
     * around words with blanks, backslash escaping a quote or backslash inside quotes.
     */
    private static List<Word> words(String line, int n) {
        List<Word> out = new ArrayList<>();
        int i = 0;
        int len = line.length();
        StringBuilder sb = new StringBuilder();
        while (i < len) {
            while (i < len && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i >= len) {
                break;
            }
            sb.setLength(0);
            boolean quoted = false;
            while (i < len && !Character.isWhitespace(line.charAt(i))) {
                char c = line.charAt(i);
                if (c == '"') {
                    quoted = true;
                    i++;
                    while (i < len && line.charAt(i) != '"') {
                        if (line.charAt(i) == '\\' && i + 1 < len) {
                            i++;
                        }
                        sb.append(line.charAt(i++));
                    }
                    if (i >= len) {
                        throw bad(n, "unterminated quote");
                    }
                    i++; // closing quote
                } else {
                    sb.append(c);
                    i++;
                }
            }
            out.add(new Word(sb.toString(), quoted));
        }
        return out;
    }

    private static IllegalArgumentException bad(int line, String reason) {
        return new InputError(line, reason);
    }
}
