package io.ctflow.collector.cli;

import io.ctflow.collector.CollectorKeys;
import io.ctflow.collector.live.LiveOptions;
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

    @Option(names = "--buffer", paramLabel = "BYTES", descriptionKey = CollectorKeys.BUFFER)
    String buffer;

    @Option(names = "--conntrack", paramLabel = "PATH", descriptionKey = CollectorKeys.CONNTRACK)
    String conntrack;

    @Option(names = "--services-from", paramLabel = "MODE", descriptionKey = CollectorKeys.SERVICES_FROM)
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

    /** The node's identity on options taken from the settings (which hold --buffer, --conntrack, --services-from). */
    LiveOptions apply(LiveOptions o) {
        List<String> cidrs = new ArrayList<>();
        for (String c : podCidrs) {
            cidrs.add(checkCidr(c.strip()));
        }
        return o.node(CliSupport.nodeName(node)).netns(netns).podCidrs(cidrs);
    }
}
