package io.ctflow.cli.lab;

import io.ctflow.cli.lab.LabTopology.Node;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Records a scenario of the lab into a capture directory in the format of testdata/captures
 * (README there): build the network, start a conntrack recorder per node, write facts, NAT and
 * stats, run the traffic, wait for the unreplied entries' DESTROY events, stop, tear down.
 * No Kafka here: feed the directory to {@code Capture.open} / {@code ctflow demo --capture DIR}.
 */
public final class LabRecorder {
    /** Bound of the wait for the last DESTROY events (entries expire after 6 s, reaped lazily). */
    public static final Duration DESTROY_WAIT = Duration.ofSeconds(20);
    private static final Pattern CAPTURE_FILE = Pattern.compile(
            "(events|facts|nat|proc|stats-before|stats-after|count-before|count-after)-[^/]+\\.txt|nat-[^/]+\\.json");

    private LabRecorder() {}

    /** What a recording gave: the capture directory, the flows as the clients saw them, timings. */
    public record Recording(Scenario scenario, Path dir, List<Traffic.Result> flows, Map<String, Set<Long>> undestroyed,
                            Duration setup, Duration traffic, Duration destroyWait, Duration total) {
        /** Whether every TCP/UDP entry that got a NEW event also got its DESTROY before the recorders stopped. */
        public boolean complete() {
            return undestroyed.values().stream().allMatch(Set::isEmpty);
        }
    }

    /**
     * Records {@code scenario} ("bridge-on", "bridge-off", "hairpin") into {@code outDir/<scenario>/}
     * and returns that directory. Needs root; progress goes nowhere.
     */
    public static Path record(String scenario, Path outDir) {
        return record(Scenario.of(scenario), outDir.resolve(scenario), nullStream()).dir();
    }

    /**
     * Records {@code scenario} into {@code dir} itself (created; capture files of an earlier
     * recording there are replaced), with progress and per-flow lines on {@code log}.
     */
    public static Recording record(Scenario scenario, Path dir, PrintStream log) {
        return record(scenario, ProxyMode.IPTABLES, dir, log);
    }

    /** Same, with the nodes' Services in kube-proxy's {@code proxyMode} dataplane. */
    public static Recording record(Scenario scenario, ProxyMode proxyMode, Path dir, PrintStream log) {
        if (!Tools.isRoot()) {
            throw new LabException(Tools.NEEDS_ROOT);
        }
        Tools tools = Tools.resolve();
        if (!Tools.brNetfilterLoaded()) {
            throw new LabException(Tools.NO_BR_NETFILTER);
        }
        prepare(dir);
        long t0 = System.nanoTime();
        try (LabNetwork net = LabNetwork.create(scenario, proxyMode, tools, log)) {
            long tSetup = System.nanoTime();
            for (Node n : LabTopology.NODES) {
                write(dir, "nat-" + n.name(), net.natSave(n.name()));
                if (net.nftJson(n.name()) != null) {
                    writeFile(dir.resolve("nat-" + n.name() + ".json"), net.nftJson(n.name()));
                }
                // iptables captures predate proxy_mode and stay as they were recorded
                write(dir, "facts-" + n.name(), facts(net, n) + (proxyMode == ProxyMode.IPTABLES ? "" : "proxy_mode=" + proxyMode.label() + "\n"));
            }
            List<ConntrackRecorder> recorders = new ArrayList<>();
            for (Node n : LabTopology.NODES) {
                recorders.add(ConntrackRecorder.start(net, n.name(), dir.resolve("events-" + n.name() + ".txt")));
            }
            for (Node n : LabTopology.NODES) {
                write(dir, "stats-before-" + n.name(), net.exec(n.name(), tools.conntrack, "-S").out());
                write(dir, "count-before-" + n.name(), net.exec(n.name(), tools.conntrack, "-C").out());
            }
            log.printf("ctflow lab: %s: traffic (each flow at most %d s):%n", scenario.id(), Traffic.FLOW_TIMEOUT.toSeconds());
            long tTraffic0 = System.nanoTime();
            List<Traffic.Result> flows = Traffic.run(net, scenario.flows(), log);
            long tTraffic1 = System.nanoTime();
            for (Node n : LabTopology.NODES) {
                Exec.Result proc = Exec.runAllowingFailure(net.inNs(n.name(), "cat", "/proc/net/nf_conntrack"), null, Exec.SHORT);
                if (proc.ok()) { // optional: kernels without CONFIG_NF_CONNTRACK_PROCFS have none
                    write(dir, "proc-" + n.name(), proc.out());
                }
            }
            log.printf("ctflow lab: %s: waiting for the entries to expire and their DESTROY events (at most %d s) ...%n",
                    scenario.id(), DESTROY_WAIT.toSeconds());
            Map<String, Set<Long>> pending = awaitDestroys(net, recorders, DESTROY_WAIT);
            long tWait = System.nanoTime();
            for (Node n : LabTopology.NODES) {
                write(dir, "stats-after-" + n.name(), net.exec(n.name(), tools.conntrack, "-S").out());
                write(dir, "count-after-" + n.name(), net.exec(n.name(), tools.conntrack, "-C").out());
            }
            for (ConntrackRecorder r : recorders) {
                r.stop();
                if (r.losses() > 0) {
                    log.printf("ctflow lab: %s: warning: conntrack on %s lost events %d times (loss lines in %s)%n",
                            scenario.id(), r.node, r.losses(), r.file.getFileName());
                }
            }
            if (!pending.values().stream().allMatch(Set::isEmpty)) {
                log.printf("ctflow lab: %s: warning: no DESTROY event within %d s for conntrack ids %s%n",
                        scenario.id(), DESTROY_WAIT.toSeconds(), pending);
            }
            net.close();
            long tEnd = System.nanoTime();
            Recording rec = new Recording(scenario, dir, flows, pending, Duration.ofNanos(tSetup - t0),
                    Duration.ofNanos(tTraffic1 - tTraffic0), Duration.ofNanos(tWait - tTraffic1), Duration.ofNanos(tEnd - t0));
            log.printf("ctflow lab: %s: recorded %s (setup %d ms, traffic %d ms, DESTROY wait %d ms, total %d ms)%n",
                    scenario.id(), dir, rec.setup().toMillis(), rec.traffic().toMillis(), rec.destroyWait().toMillis(),
                    rec.total().toMillis());
            return rec;
        }
    }

    /**
     * Polls until every recorder's NEW entries have their DESTROY, listing the node's table
     * ({@code conntrack -L}) each round: a dump deletes expired entries at once, so the DESTROY
     * comes within a poll of the timeout instead of whenever the kernel's lazy GC gets there.
     */
    static Map<String, Set<Long>> awaitDestroys(LabNetwork net, List<ConntrackRecorder> recorders, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            Map<String, Set<Long>> pending = new LinkedHashMap<>();
            for (ConntrackRecorder r : recorders) {
                pending.put(r.node, r.pending());
            }
            if (pending.values().stream().allMatch(Set::isEmpty) || System.nanoTime() > deadline) {
                return pending;
            }
            for (ConntrackRecorder r : recorders) {
                Exec.runAllowingFailure(net.inNs(r.node, net.tools().conntrack, "-L"), null, Exec.SHORT);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LabException("interrupted");
            }
        }
    }

    /** facts-NODE.txt of a live node namespace. */
    static String facts(LabNetwork net, Node n) {
        Tools t = net.tools();
        List<String> sysctlCmd = new ArrayList<>(List.of(t.sysctl, "-n"));
        sysctlCmd.addAll(LabTopology.FACT_SYSCTLS);
        Exec.Result all = Exec.runAllowingFailure(net.inNs(n.name(), sysctlCmd.toArray(String[]::new)), null, Exec.SHORT);
        Map<String, String> sysctls;
        if (all.ok()) {
            sysctls = LabTopology.sysctlValues(LabTopology.FACT_SYSCTLS, all.out());
        } else { // a kernel without one of them in a namespace: list the others
            sysctls = new LinkedHashMap<>();
            for (String key : LabTopology.FACT_SYSCTLS) {
                Exec.Result one = Exec.runAllowingFailure(net.inNs(n.name(), t.sysctl, "-n", key), null, Exec.SHORT);
                if (one.ok()) {
                    sysctls.put(key, one.out().strip());
                }
            }
        }
        String ports = Exec.run(List.of(t.ip, "-n", net.ns(n.name()), "-o", "-d", "link", "show", "master", LabTopology.BRIDGE)).out();
        return LabTopology.factsText(n.name(), sysctls, n.podCidr(), LabTopology.BRIDGE, bridgeAddr(net, n),
                LabTopology.parseHairpin(ports));
    }

    /** The bridge's IPv4 address as the kernel has it ("10.244.1.1/24"). */
    private static String bridgeAddr(LabNetwork net, Node n) {
        String out = Exec.run(List.of(net.tools().ip, "-n", net.ns(n.name()), "-o", "-4", "addr", "show", "dev", LabTopology.BRIDGE)).out();
        String[] f = out.trim().split("\\s+");
        for (int i = 0; i + 1 < f.length; i++) {
            if (f[i].equals("inet")) {
                return f[i + 1];
            }
        }
        throw new LabException("no IPv4 address on " + LabTopology.BRIDGE + " in " + net.ns(n.name()) + ": " + out.strip());
    }

    private static void prepare(Path dir) {
        try {
            Files.createDirectories(dir);
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    if (CAPTURE_FILE.matcher(p.getFileName().toString()).matches()) {
                        Files.delete(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare capture directory " + dir, e);
        }
    }

    private static void write(Path dir, String base, String text) {
        writeFile(dir.resolve(base + ".txt"), text);
    }

    private static void writeFile(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static PrintStream nullStream() {
        return new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    }
}
