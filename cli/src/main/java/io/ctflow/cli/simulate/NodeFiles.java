package io.ctflow.cli.simulate;

import io.ctflow.avro.AnomalyType;
import io.ctflow.net.Addresses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A node's small capture files besides events: {@code facts-NODE.txt}, {@code nat-NODE.txt},
 * {@code stats-before/after-NODE.txt} ({@code conntrack -S}) and {@code count-before/after-NODE.txt}
 * ({@code conntrack -C}). Written after the events, when the table's size at the end is known.
 */
final class NodeFiles {
    static final long DEFAULT_MAX = 262_144;

    private NodeFiles() {}

    /**
     * @param liveAtEnd entries of the simulated traffic still in the node's table at the end
     * @param newEntries entries the node created during the capture
     */
    static void write(Path dir, SimNode node, NodeHealth health, long liveAtEnd, long newEntries,
                      SplittableRandom r) throws IOException {
        // Entries of the node's own traffic (kubelet, probes) that were there all along.
        long baseline = 50 + r.nextInt(950);
        long before = baseline;
        long after = baseline + liveAtEnd;
        long max = DEFAULT_MAX;
        while (after > max / 2) {
            max *= 2;
        }
        if (health.has(node.index, AnomalyType.TABLE_PRESSURE)) {
            max = 65_536;
            while (after > max * 0.97) {
                max *= 2;
            }
            after = Math.max(after, (long) Math.ceil(max * 0.92) + r.nextInt((int) (max / 50)));
            before = Math.max(before, (long) (max * 0.8));
        }
        write(dir.resolve("facts-" + node.name + ".txt"), facts(node, max));
        write(dir.resolve("count-before-" + node.name + ".txt"), before + "\n");
        write(dir.resolve("count-after-" + node.name + ".txt"), after + "\n");
        stats(dir, node, health, newEntries, r);
    }

    /**
     * The same rules on every node: written once, hard-linked for the others (a 1000-node fleet's
     * rules would otherwise be gigabytes); copied where the file system has no hard links.
     */
    static void writeNat(Path dir, java.util.List<SimNode> nodes, String rules) throws IOException {
        Path first = dir.resolve("nat-" + nodes.get(0).name + ".txt");
        write(first, rules);
        for (SimNode n : nodes.subList(1, nodes.size())) {
            Path file = dir.resolve("nat-" + n.name + ".txt");
            try {
                Files.createLink(file, first);
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(first, file);
            }
        }
    }

    static String facts(SimNode node, long max) {
        String bridgeNf = node.bridgeNf ? "1" : "0";
        StringBuilder sb = new StringBuilder(512 + node.pods.size() * 48);
        sb.append("node=").append(node.name).append('\n')
            .append("net.bridge.bridge-nf-call-iptables=").append(bridgeNf).append('\n')
            .append("net.bridge.bridge-nf-call-ip6tables=").append(bridgeNf).append('\n')
            .append("net.ipv4.ip_forward=1\n")
            .append("net.ipv6.conf.all.forwarding=1\n")
            .append("net.netfilter.nf_conntrack_max=").append(max).append('\n')
            .append("net.netfilter.nf_conntrack_tcp_be_liberal=0\n")
            .append("net.netfilter.nf_conntrack_tcp_timeout_established=432000\n")
            .append("net.netfilter.nf_conntrack_udp_timeout=30\n")
            .append("net.netfilter.nf_conntrack_udp_timeout_stream=120\n")
            .append("pod_cidr=").append(Addresses.format(node.v4Net)).append("/24\n")
            .append("pod_cidr=").append(Addresses.format(node.v6Net)).append("/64\n")
            .append("bridge.cni0.addr=").append(Addresses.format(node.host(false, 1))).append("/24\n")
            .append("bridge.cni0.addr=").append(Addresses.format(node.host(true, 1))).append("/64\n");
        for (SimPod p : node.pods) {
            sb.append("bridge.cni0.port.").append(p.veth).append(".hairpin_mode=0\n");
        }
        return sb.toString();
    }

    /** Per-CPU {@code conntrack -S} lines; only the node's troubled counters grow. */
    private static void stats(Path dir, SimNode node, NodeHealth health, long newEntries, SplittableRandom r)
        throws IOException {
        int cpus = 2 << r.nextInt(3);
        StringBuilder before = new StringBuilder(cpus * 160);
        StringBuilder after = new StringBuilder(cpus * 160);
        for (int cpu = 0; cpu < cpus; cpu++) {
            long found = r.nextInt(5_000);
            long invalid = r.nextInt(300);
            long restart = r.nextInt(2_000);
            long clash = r.nextInt(20);
            long insertFailed = grows(health, node, AnomalyType.INSERT_FAILED, cpu, r);
            long drop = grows(health, node, AnomalyType.DROP, cpu, r);
            long earlyDrop = grows(health, node, AnomalyType.EARLY_DROP, cpu, r);
            line(before, cpu, found, invalid, 0, 0, 0, restart, clash);
            line(after, cpu, found + newEntries / cpus / 4 + r.nextInt(50), invalid + r.nextInt(10), insertFailed, drop,
                earlyDrop, restart + r.nextInt(20), clash + r.nextInt(2));
        }
        write(dir.resolve("stats-before-" + node.name + ".txt"), before.toString());
        write(dir.resolve("stats-after-" + node.name + ".txt"), after.toString());
    }

    private static long grows(NodeHealth health, SimNode node, AnomalyType type, int cpu, SplittableRandom r) {
        return health.has(node.index, type) && (cpu == 0 || r.nextBoolean()) ? 1 + r.nextInt(500) : 0;
    }

    private static void line(StringBuilder sb, int cpu, long found, long invalid, long insertFailed, long drop,
                             long earlyDrop, long restart, long clash) {
        String c = Integer.toString(cpu);
        sb.append("cpu=").append(c).append(" ".repeat(Math.max(0, 4 - c.length()))).append('\t')
            .append("found=").append(found).append(" invalid=").append(invalid).append(" insert=0 insert_failed=")
            .append(insertFailed).append(" drop=").append(drop).append(" early_drop=").append(earlyDrop)
            .append(" error=0 search_restart=").append(restart).append(" clash_resolve=").append(clash)
            .append(" chaintoolong=0 \n");
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }
}
