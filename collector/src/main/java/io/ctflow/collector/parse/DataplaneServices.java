package io.ctflow.collector.parse;

import io.ctflow.avro.ServiceEntry;
import io.ctflow.config.UsageException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node's Services from whatever its kube-proxy dataplane left to read, as the live collector
 * reads it and a capture stores it: iptables-save or {@code nft list} text (told apart by content),
 * {@code nft -j} JSON, and {@code ipvsadm -Ln} / {@code /proc/net/ip_vs} output. For one key the
 * nftables entry wins, then IPVS, then iptables; IPVS entries take their names from iptables
 * comments for the same key. {@link #mode} says which dataplane was found.
 *
 * @param services entries sorted by id, then by topic key
 * @param mode     {@value NftKubeProxyParser#SOURCE}, {@value IpvsParser#SOURCE} (a virtual server
 *                 exists), {@value IptablesNatParser#SOURCE} (NAT rules were given), or null
 * @param rules    rules (nft rules, iptables {@code -A} lines, IPVS virtual and real servers) read
 *                 from that dataplane
 */
public record DataplaneServices(List<ServiceEntry> services, String mode, int rules) {

    /**
     * @param natText  iptables-save / ip6tables-save output or {@code nft list} text, or null
     * @param nftJson  {@code nft -j list ...} output (several documents may follow each other), or null
     * @param ipvsText {@code ipvsadm -Ln} or {@code /proc/net/ip_vs}, or null
     * @throws IllegalArgumentException naming the input ("nft JSON: line 3: ...") when one does not parse
     */
    public static DataplaneServices parse(String natText, String nftJson, String ipvsText, String node, Instant timestamp) {
        Map<String, ServiceEntry> byKey = new LinkedHashMap<>();
        String mode = null;
        int rules = 0;
        if (nftJson != null) {
            NftKubeProxyParser.Result r = named("nft JSON", () -> NftKubeProxyParser.parse(nftJson, node, timestamp));
            if (r.hasTable()) {
                mode = NftKubeProxyParser.SOURCE;
                rules += r.rules();
            }
            add(byKey, r.services());
        }
        List<ServiceEntry> iptables = List.of();
        int iptablesRules = 0;
        if (natText != null) {
            if (NftKubeProxyParser.isNft(natText)) {
                NftKubeProxyParser.Result r = named("nft rules", () -> NftKubeProxyParser.parse(natText, node, timestamp));
                if (r.hasTable()) {
                    mode = NftKubeProxyParser.SOURCE;
                    rules += r.rules();
                }
                add(byKey, r.services());
            } else {
                iptables = named("iptables rules", () -> IptablesNatParser.parse(natText, node, timestamp));
                iptablesRules = appendRules(natText);
            }
        }
        if (ipvsText != null && IpvsParser.hasServices(ipvsText)) {
            List<ServiceEntry> names = iptables;
            IpvsParser.Result r = named("IPVS table", () -> IpvsParser.parse(ipvsText, IpvsParser.byKey(names), node, timestamp));
            if (mode == null) {
                mode = IpvsParser.SOURCE;
                rules = r.rules();
            }
            add(byKey, r.services());
        }
        if (mode == null && natText != null) {
            mode = IptablesNatParser.SOURCE_IPTABLES;
            rules = iptablesRules;
        }
        add(byKey, iptables);
        List<ServiceEntry> out = new ArrayList<>(byKey.values());
        out.sort(Comparator.comparing(ServiceEntry::getId).thenComparing(ServiceKeys::key));
        return new DataplaneServices(out, mode, rules);
    }

    /** iptables-save's {@code -A} lines in the nat table (all of them without table headers). */
    static int appendRules(String save) {
        int n = 0;
        boolean nat = true;
        for (String line : save.split("\n")) {
            if (line.startsWith("*")) {
                nat = line.strip().equals("*nat");
            } else if (nat && line.startsWith("-A ")) {
                n++;
            }
        }
        return n;
    }

    private static void add(Map<String, ServiceEntry> byKey, List<ServiceEntry> entries) {
        for (ServiceEntry e : entries) {
            byKey.putIfAbsent(ServiceKeys.key(e), e);
        }
    }

    private static <T> T named(String what, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(what + ": " + e.getMessage(), e);
        }
    }
}
