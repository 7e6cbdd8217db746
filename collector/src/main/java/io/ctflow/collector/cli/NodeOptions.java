package io.ctflow.collector.cli;

import io.ctflow.collector.live.LiveOptions;
import io.ctflow.collector.live.ServicesMode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Which node to read and how (a picocli mixin of collect and record). */
public final class NodeOptions {
    @Option(names = "--netns", paramLabel = "NAME",
            description = "Read the node from this network namespace (ip netns exec NAME ...); default: this host.")
    String netns;

    @Option(names = "--node", paramLabel = "NAME", description = "Node name (default: $NODE_NAME, else the host name).")
    String node;

    @Option(names = "--pod-cidr", paramLabel = "CIDR", split = ",",
            description = "Pod CIDR(s) of this node, repeatable (default: the bridges' networks).")
    List<String> podCidrs = new ArrayList<>();

    @Option(names = "--buffer", paramLabel = "BYTES", converter = Converters.SizeConverter.class, defaultValue = "8M",
            description = "Netlink receive buffer of conntrack -E (-b), e.g. 8M (default), 64M; 0 = conntrack's default.")
    long buffer;

    @Option(names = "--conntrack", paramLabel = "PATH", defaultValue = "conntrack",
            description = "The conntrack program (default: conntrack on the PATH).")
    String conntrack;

    @Option(names = "--services-from", paramLabel = "MODE", defaultValue = "${env:CTFLOW_SERVICES_FROM:-auto}",
            description = {"Where Services are read: auto (default; nftables table ip kube-proxy, else IPVS virtual servers, "
                    + "else iptables), iptables (iptables-save -t nat), nftables (nft -j list table ip|ip6 kube-proxy), "
                    + "ipvs (ipvsadm -Ln or /proc/net/ip_vs, names from iptables comments), yaml (--services-yaml only).",
                    "Also CTFLOW_SERVICES_FROM."})
    String servicesFrom;

    static String checkCidr(String c) {
        int slash = c.indexOf('/');
        try {
            if (slash > 0) {
                byte[] a = io.ctflow.net.Addresses.parse(c.substring(0, slash));
                int bits = Integer.parseInt(c.substring(slash + 1));
                if (bits >= 0 && bits <= a.length * 8) {
                    return c;
                }
            }
        } catch (IllegalArgumentException e) {
            // the message below
        }
        throw new IllegalArgumentException("--pod-cidr: expected a CIDR like 10.244.1.0/24, got '" + c + "'");
    }

    LiveOptions apply(LiveOptions o) {
        List<String> cidrs = new ArrayList<>();
        for (String c : podCidrs) {
            cidrs.add(checkCidr(c.strip()));
        }
        return o.node(CliSupport.nodeName(node)).netns(netns).podCidrs(cidrs).bufferBytes(buffer).conntrack(conntrack)
                .servicesFrom(ServicesMode.parse(servicesFrom));
    }
}
