package io.ctflow.collector.live;

import io.ctflow.config.UsageException;
import java.util.Locale;

/** Where the collector reads a node's Services ({@code --services-from}). */
public enum ServicesMode {
    /** nftables table {@code ip kube-proxy} present → NFTABLES; else IPVS virtual servers → IPVS; else IPTABLES. */
    AUTO,
    /** {@code iptables-save -t nat} (and ip6tables-save): kube-proxy's iptables mode, plain DNAT rules. */
    IPTABLES,
    /** {@code nft -j list table ip kube-proxy} (and ip6): kube-proxy's nftables mode. */
    NFTABLES,
    /** /proc/net/ip_vs (as {@code ipvsadm -Ln} prints it when installed); names from iptables comments: kube-proxy's IPVS mode. */
    IPVS,
    /** Only the {@code --services-yaml} file. */
    YAML;

    /** The lower-case name used on the command line, in metrics and in NodeFacts.proxyMode. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException listing the valid names */
    public static ServicesMode parse(String text) {
        for (ServicesMode m : values()) {
            if (m.label().equals(text == null ? "" : text.strip().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new UsageException("--services-from: expected auto, iptables, nftables, ipvs or yaml, got '" + text + "'");
    }
}
