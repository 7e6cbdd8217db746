package io.ctflow.collector.parse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What ctflow needs of one nftables table, read from {@code nft list} text ({@link NftTextReader})
 * or {@code nft -j list} JSON ({@link NftJsonReader}): the elements of its sets and verdict maps,
 * and per chain the rules' jump/goto targets and DNAT destinations. Everything else in a rule
 * (matches, marks, counters) is left out.
 */
final class NftTable {
    /**
     * A map element: its key parts ({@code 10.96.0.10 . tcp . 80} → three parts), the chain a
     * goto/jump verdict names (else null) and the element's comment (else null).
     */
    record Element(List<String> key, String target, String comment) {}

    /**
     * A rule: chains it may jump or go to (including through a {@code vmap}), and its DNAT
     * destinations as {@code --to-destination}-style text ({@code 10.0.0.1:80}, {@code [fd00::1]:80},
     * {@code 10.0.0.1}); several for {@code dnat to numgen ... map { ... }}.
     */
    record Rule(List<String> targets, List<String> dnats, int line) {}

    final String family;
    final String name;
    final Map<String, List<String>> sets = new LinkedHashMap<>();
    final Map<String, List<Element>> maps = new LinkedHashMap<>();
    final Map<String, List<Rule>> chains = new LinkedHashMap<>();

    NftTable(String family, String name) {
        this.family = family;
        this.name = name;
    }

    List<Rule> chain(String chain) {
        return chains.computeIfAbsent(chain, k -> new ArrayList<>());
    }

    int ruleCount() {
        int n = 0;
        for (List<Rule> rules : chains.values()) {
            n += rules.size();
        }
        return n;
    }

    /** {@code addr:port} ({@code [v6]:port} for IPv6) of a DNAT destination given as parts. */
    static String hostPort(String address, String port) {
        if (port == null || port.isEmpty()) {
            return address;
        }
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }
}
