package io.ctflow.collector.parse;

/**
 * Says when a node's rules look like kube-proxy is not what serves its Services. Cilium's kube-proxy
 * replacement and other socket-level load balancers translate the Service address in eBPF before
 * netfilter sees the packet: conntrack then shows the pod address as the destination (or nothing),
 * so ctflow finds no NAT to judge. Silence from such a node is not health, and the collector says
 * so on start and in {@code NodeFacts.dataplaneNotice}.
 */
public final class DataplaneNotice {
    private DataplaneNotice() {}

    /**
     * @param iptablesText iptables-save output (nat, filter), null when it could not be read
     * @param mode         the kube-proxy dataplane found ({@code nftables}, {@code ipvs}, {@code iptables}), or null
     * @return null when kube-proxy's rules are there or the rules could not be read
     */
    public static String of(String iptablesText, String mode) {
        if (NftKubeProxyParser.SOURCE.equals(mode) || IpvsParser.SOURCE.equals(mode) || iptablesText == null
                || iptablesText.contains("KUBE-SERVICES")) {
            return null;
        }
        String cilium = ciliumChain(iptablesText);
        String none = "no kube-proxy rules (no KUBE-SERVICES chain, no nftables table ip kube-proxy, no IPVS virtual server)";
        if (cilium != null) {
            return none + " but Cilium's chains (" + cilium + "): Cilium's kube-proxy replacement translates Service addresses in eBPF "
                    + "before netfilter, so conntrack shows pod addresses or nothing for Service connections and ctflow cannot judge "
                    + "this node's Service NAT; no anomaly from it does not mean healthy";
        }
        return none + ": ctflow knows no Service of this node (unless --services-yaml names them); if a socket-level load balancer "
                + "(Cilium, Calico eBPF, kube-router's IPVS elsewhere) serves them, conntrack does not see the translation and no "
                + "anomaly from this node does not mean healthy";
    }

    /** The first Cilium chain iptables-save declares ({@code :CILIUM_POST_nat - [0:0]}), else null. */
    static String ciliumChain(String save) {
        for (String line : save.split("\n")) {
            String l = line.strip();
            if (l.startsWith(":CILIUM_") || l.startsWith("-A CILIUM_")) {
                String rest = l.substring(l.indexOf("CILIUM_"));
                int space = rest.indexOf(' ');
                return space < 0 ? rest : rest.substring(0, space);
            }
        }
        return null;
    }
}
