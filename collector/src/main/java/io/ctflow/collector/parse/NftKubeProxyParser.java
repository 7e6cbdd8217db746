package io.ctflow.collector.parse;

import io.ctflow.avro.Endpoint;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.flow.Protocols;
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
 * Services from kube-proxy's nftables mode: {@code nft list table ip kube-proxy} text or
 * {@code nft -j list table ip kube-proxy} JSON (and the {@code ip6} table; detected from content).
 *
 * <p>kube-proxy (pkg/proxy/nftables) puts every ClusterIP, external IP and load-balancer IP in the
 * verdict map {@code service-ips} ({@code VIP . PROTO . PORT : goto service-HASH-NS/NAME/PROTO/PORTNAME},
 * or {@code external-…}/{@code local-…}) and every NodePort in {@code service-nodeports}
 * ({@code PROTO . PORT : goto …}, matched for the addresses in the set {@code nodeport-ips}).
 * Every {@code dnat to} reachable from that chain is an endpoint: through
 * {@code numgen random mod N vmap { 0 : goto endpoint-… }}, a direct {@code goto endpoint-…}, or an
 * inline {@code dnat to numgen random mod N map { 0 : IP . PORT, … }}. Names come from the chain
 * names; a chain name that is not of that form (truncated, not kube-proxy's) gives the default id.
 * Entries have source {@value #SOURCE}.
 *
 * <p>A Service without endpoints is not in {@code service-ips}: kube-proxy puts its addresses in the
 * verdict map {@code no-endpoint-services} ({@code VIP . PROTO . PORT comment "ns/name:port" : goto
 * reject-chain}); such an element gives an entry with zero endpoints, named by its comment. Elements
 * with {@code : drop} (externalTrafficPolicy: Local without a local endpoint) are not: other nodes
 * still have endpoints.
 */
public final class NftKubeProxyParser {
    public static final String SOURCE = "nftables";
    public static final String TABLE = "kube-proxy";
    private static final String REJECT_CHAIN = "reject-chain";
    private static final String[] CHAIN_PREFIXES = {"service-", "local-", "external-", "endpoint-", "firewall-"};

    /** The Services, the number of rules in the kube-proxy tables, and whether there was such a table. */
    public record Result(List<ServiceEntry> services, int rules, boolean hasTable) {}

    private NftKubeProxyParser() {}

    /** Whether the text is nft output (JSON or a {@code table ...} listing) rather than iptables-save. */
    public static boolean isNft(String text) {
        return NftJsonReader.looksLikeJson(text) || NftTextReader.looksLikeNft(text);
    }

    /**
     * @return entries sorted by id, then by topic key
     * @throws IllegalArgumentException naming the line, for text or JSON that does not parse or a
     *                                  bad address in a Service element or DNAT
     */
    public static Result parse(String text, String node, Instant timestamp) {
        List<NftTable> tables = NftJsonReader.looksLikeJson(text) ? NftJsonReader.read(text) : NftTextReader.read(text);
        Map<String, ServiceEntry> byKey = new LinkedHashMap<>();
        int rules = 0;
        boolean found = false;
        for (NftTable t : tables) {
            if (!TABLE.equals(t.name) || !(t.family.equals("ip") || t.family.equals("ip6") || t.family.equals("inet"))) {
                continue;
            }
            found = true;
            rules += t.ruleCount();
            for (NftTable.Element e : t.maps.getOrDefault("service-ips", List.of())) {
                if (e.key().size() == 3 && e.target() != null) {
                    add(t, e.key().get(0), e.key().get(1), e.key().get(2), e.target(), node, timestamp, byKey);
                }
            }
            for (NftTable.Element e : t.maps.getOrDefault("service-nodeports", List.of())) {
                if (e.key().size() == 2 && e.target() != null) {
                    for (String address : t.sets.getOrDefault("nodeport-ips", List.of())) {
                        if (IpLiteral.parse(address) != null) {
                            add(t, address, e.key().get(0), e.key().get(1), e.target(), node, timestamp, byKey);
                        }
                    }
                }
            }
            for (NftTable.Element e : t.maps.getOrDefault("no-endpoint-services", List.of())) {
                if (e.key().size() == 3 && REJECT_CHAIN.equals(e.target())) {
                    withoutEndpoints(e, node, timestamp, byKey);
                }
            }
        }
        List<ServiceEntry> out = new ArrayList<>(byKey.values());
        out.sort(Comparator.comparing(ServiceEntry::getId).thenComparing(ServiceKeys::key));
        return new Result(out, rules, found);
    }

    private static void add(NftTable t, String vipText, String protoText, String portText, String chain, String node,
                            Instant timestamp, Map<String, ServiceEntry> byKey) {
        byte[] vip = IpLiteral.parse(vipText);
        Protocol protocol = Protocols.byName(protoText);
        int port = HostPort.parsePort(portText);
        if (vip == null || port < 1) {
            throw new IllegalArgumentException("map element '" + vipText + " . " + protoText + " . " + portText
                    + "': bad address or port");
        }
        if (protocol == null) {
            return;
        }
        String key = ServiceKeys.key(protocol, vip, port);
        if (byKey.containsKey(key)) {
            return;
        }
        Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        collect(t, chain, port, new HashSet<>(), endpoints);
        ServiceName name = nameOf(chain);
        String id = name != null ? name.id() : ServiceKeys.defaultId(protocol, vip, port);
        byKey.put(key, new ServiceEntry(id, name == null ? null : name.namespace(), name == null ? null : name.name(),
                name == null ? null : name.portName(), ByteBuffer.wrap(vip), port, protocol,
                new ArrayList<>(endpoints.values()), null, SOURCE, node, timestamp));
    }

    private static void withoutEndpoints(NftTable.Element e, String node, Instant timestamp, Map<String, ServiceEntry> byKey) {
        byte[] vip = IpLiteral.parse(e.key().get(0));
        Protocol protocol = Protocols.byName(e.key().get(1));
        int port = HostPort.parsePort(e.key().get(2));
        if (vip == null || port < 1) {
            throw new IllegalArgumentException("no-endpoint-services element '" + String.join(" . ", e.key()) + "': bad address or port");
        }
        String key = protocol == null ? null : ServiceKeys.key(protocol, vip, port);
        if (key == null || byKey.containsKey(key)) {
            return;
        }
        ServiceName name = e.comment() == null ? null : ServiceName.parse(e.comment().strip());
        String id = name != null ? name.id() : ServiceKeys.defaultId(protocol, vip, port);
        byKey.put(key, new ServiceEntry(id, name == null ? null : name.namespace(), name == null ? null : name.name(),
                name == null ? null : name.portName(), ByteBuffer.wrap(vip), port, protocol, new ArrayList<>(), null, SOURCE, node,
                timestamp));
    }

    // Depth-first through jumps and gotos in rule order; a chain is visited once.
    private static void collect(NftTable t, String chain, int servicePort, Set<String> visited, Map<String, Endpoint> out) {
        if (!visited.add(chain)) {
            return;
        }
        for (NftTable.Rule r : t.chains.getOrDefault(chain, List.of())) {
            for (String to : r.dnats()) {
                Endpoint e = IptablesNatParser.dnatEndpoint(to, servicePort, r.line());
                out.putIfAbsent(Addresses.withPort(Addresses.bytes(e.getAddress()), e.getPort()), e);
            }
            for (String next : r.targets()) {
                collect(t, next, servicePort, visited, out);
            }
        }
    }

    /**
     * The Service port of a kube-proxy chain name {@code PREFIX-HASH-NS/NAME/PROTO/PORTNAME[__IP/PORT]}
     * (an empty PORTNAME is an unnamed port); null for other names.
     */
    static ServiceName nameOf(String chain) {
        for (String prefix : CHAIN_PREFIXES) {
            if (chain.startsWith(prefix)) {
                String rest = chain.substring(prefix.length());
                if (rest.length() < 10 || rest.charAt(8) != '-' || rest.endsWith("...")) {
                    return null;
                }
                String base = rest.substring(9);
                int ep = base.indexOf("__");
                if (ep >= 0) {
                    base = base.substring(0, ep);
                }
                String[] parts = base.split("/", -1);
                if (parts.length != 4 || Protocols.byName(parts[2]) == null) {
                    return null;
                }
                return ServiceName.parse(parts[0] + "/" + parts[1] + (parts[3].isEmpty() ? "" : ":" + parts[3]));
            }
        }
        return null;
    }
}
