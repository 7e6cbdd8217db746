package io.ctflow.cli.lab;

import io.ctflow.cli.lab.LabTopology.Node;
import io.ctflow.cli.lab.LabTopology.Pod;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab of testdata/captures/README.md, built for one {@link Scenario} in network namespaces
 * of its own: node1 and node2 (bridge cni0, a routed veth link, kube-proxy-style NAT in iptables
 * or nftables, the scenario's sysctls), pods a, b (on node1) and c (on node2), servers in b and c.
 *
 * <p>Everything is named {@code ctl-<pid>-<name>} ({@link #tag()}); only those namespaces are
 * touched, every sysctl is written inside them, never in the root namespace. {@link #close()}
 * stops every process it started and deletes every namespace; so does a shutdown hook (Ctrl-C),
 * and {@link #create} first removes leftovers of lab runs whose process is gone.
 */
public final class LabNetwork implements AutoCloseable {
    /** Every lab namespace's name starts with this. */
    public static final String PREFIX = "ctl-";
    private static final Pattern LAB_NS = Pattern.compile("^" + Pattern.quote(PREFIX) + "(\\d+)-(node1|node2|a|b|c)$");
    /** Upper bound of a server's life (it also exits when this JVM goes: its stdin closes). */
    static final Duration SERVER_LIFETIME = Duration.ofSeconds(300);

    private static final Set<LabNetwork> OPEN = Collections.synchronizedSet(new LinkedHashSet<>());
    private static boolean hookInstalled;

    private final Tools tools;
    private final Scenario scenario;
    private final ProxyMode proxyMode;
    private final PrintStream log;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Background> processes = new ArrayList<>();
    private final Map<String, String> natSaves = new TreeMap<>();
    private final Map<String, String> nftJsons = new TreeMap<>();
    private boolean closed;

    private LabNetwork(Tools tools, Scenario scenario, ProxyMode proxyMode, PrintStream log) {
        this.tools = tools;
        this.scenario = scenario;
        this.proxyMode = proxyMode;
        this.log = log;
    }

    /** {@code ctl-<pid>-}: this JVM's namespace prefix. */
    public static String tag() {
        return PREFIX + ProcessHandle.current().pid() + "-";
    }

    /**
     * Builds the lab for {@code scenario}; on any failure whatever was made is removed and the
     * {@link LabException} names the failing command and its stderr.
     */
    public static LabNetwork create(Scenario scenario, Tools tools, PrintStream log) {
        return create(scenario, ProxyMode.IPTABLES, tools, log);
    }

    /** Same, with the Services in kube-proxy's {@code proxyMode} dataplane. */
    public static LabNetwork create(Scenario scenario, ProxyMode proxyMode, Tools tools, PrintStream log) {
        if (proxyMode == ProxyMode.NFTABLES && tools.nft == null) {
            throw new LabException("missing " + Tools.NO_NFT);
        }
        cleanLeftovers(tools, log);
        LabNetwork net = new LabNetwork(tools, scenario, proxyMode, log);
        synchronized (OPEN) {
            if (!OPEN.isEmpty()) {
                throw new LabException("a lab (" + OPEN.iterator().next().scenario.id() + ") is already running in this process");
            }
            OPEN.add(net);
            installHook();
        }
        try {
            net.build();
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    public Scenario scenario() {
        return scenario;
    }

    public ProxyMode proxyMode() {
        return proxyMode;
    }

    Tools tools() {
        return tools;
    }

    /**
     * {@code iptables-save -t nat} of a node (comment lines removed) or, in nftables mode,
     * {@code nft list table ip kube-proxy}, taken when the rules were loaded, before the node had
     * any interface: a capture's nat-NODE.txt.
     */
    public String natSave(String node) {
        String s = natSaves.get(node);
        if (s == null) {
            throw new IllegalArgumentException("no node " + node);
        }
        return s;
    }

    /** In nftables mode {@code nft -j list table ip kube-proxy} of a node (a capture's nat-NODE.json), else null. */
    public String nftJson(String node) {
        return nftJsons.get(node);
    }

    /** The real namespace name of a node or pod ("node1", "a"). */
    public String ns(String name) {
        return tag() + name;
    }

    /** {@code ip netns exec <ns(name)> command...} as an argument list. */
    List<String> inNs(String name, String... command) {
        List<String> c = new ArrayList<>(List.of(tools.ip, "netns", "exec", ns(name)));
        c.addAll(List.of(command));
        return c;
    }

    /** Runs a command inside a node's or pod's namespace, requiring success. */
    Exec.Result exec(String name, String... command) {
        return Exec.run(inNs(name, command));
    }

    /** Starts a process inside a namespace; {@link #close()} stops it. */
    synchronized Background start(String name, String what, Path stdoutFile, String... command) {
        return start(name, what, stdoutFile, null, command);
    }

    /** Likewise, each line of its stderr also to {@code stderrLines}. */
    synchronized Background start(String name, String what, Path stdoutFile, Consumer<String> stderrLines, String... command) {
        if (closed) {
            throw new LabException("lab already closed");
        }
        Background b = Background.start(what, inNs(name, command), stdoutFile, stderrLines);
        processes.add(b);
        return b;
    }

    private void ip(String... args) {
        List<String> c = new ArrayList<>(List.of(tools.ip));
        c.addAll(List.of(args));
        Exec.run(c);
    }

    private void sysctl(String name, Map<String, String> values) {
        List<String> c = new ArrayList<>(List.of(tools.sysctl, "-q", "-w"));
        new TreeMap<>(values).forEach((k, v) -> c.add(k + "=" + v));
        try {
            exec(name, c.toArray(String[]::new));
        } catch (LabException e) {
            if (e.getMessage().contains("net/bridge") || e.getMessage().contains("net.bridge")) {
                throw new LabException(e.getMessage() + "\n  (the bridge netfilter sysctls are missing: the br_netfilter module is"
                        + " not loaded, or this kernel has them only in the root namespace. `modprobe br_netfilter` loads it;"
                        + " note that loading it turns bridge-nf-call-iptables on for the root namespace's bridges)", e);
            }
            throw e;
        }
    }

    private void build() {
        long t0 = System.nanoTime();
        List<String> all = new ArrayList<>();
        LabTopology.NODES.forEach(n -> all.add(n.name()));
        LabTopology.PODS.forEach(p -> all.add(p.name()));
        for (String name : all) {
            synchronized (this) {
                if (closed) {
                    throw new LabException("lab closed while it was being built");
                }
                namespaces.add(ns(name)); // before it exists: close() may run at any time
            }
            ip("netns", "add", ns(name));
            ip("-n", ns(name), "link", "set", "lo", "up");
            // No IPv6: its router/multicast chatter would only add noise (best effort: -e).
            Exec.runAllowingFailure(inNs(name, tools.sysctl, "-q", "-e", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1"), null, Exec.SHORT);
        }
        for (Node n : LabTopology.NODES) {
            Map<String, String> s = new TreeMap<>(LabTopology.CONNTRACK_TIMEOUTS);
            s.put("net.ipv4.ip_forward", "1");
            s.put("net.bridge.bridge-nf-call-iptables", Integer.toString(scenario.bridgeNfCallIptables(n.name())));
            // A node routing a pod's packet back out of cni0 (Service DNAT to a pod on the same bridge)
            // would send ICMP redirects to the client; kube nodes' CNIs see the same, but a redirect
            // makes the client bypass the node for the rest of the connection: keep the path fixed.
            s.put("net.ipv4.conf.all.send_redirects", "0");
            s.put("net.ipv4.conf.default.send_redirects", "0");
            sysctl(n.name(), s);
            // The Services' rules exist before any interface does, as on a node where kube-proxy runs
            // before pods start; saved right away, their counters are all 0 (the bridge's first IGMP
            // report would count otherwise).
            if (proxyMode == ProxyMode.NFTABLES) {
                Exec.run(inNs(n.name(), tools.nft, "-f", "-"), LabTopology.nftRules(), Exec.SHORT);
                natSaves.put(n.name(), exec(n.name(), tools.nft, "list", "table", LabTopology.NFT_FAMILY, LabTopology.NFT_TABLE).out());
                nftJsons.put(n.name(), exec(n.name(), tools.nft, "-j", "list", "table", LabTopology.NFT_FAMILY,
                        LabTopology.NFT_TABLE).out());
            } else {
                Exec.run(inNs(n.name(), tools.iptablesRestore), LabTopology.natRules(), Exec.SHORT);
                natSaves.put(n.name(), LabTopology.stripSaveComments(exec(n.name(), tools.iptablesSave, "-t", "nat").out()));
            }
            String nodeNs = ns(n.name());
            ip("-n", nodeNs, "link", "add", LabTopology.BRIDGE, "type", "bridge");
            ip("-n", nodeNs, "addr", "add", n.bridgeAddr(), "dev", LabTopology.BRIDGE);
            ip("-n", nodeNs, "link", "set", LabTopology.BRIDGE, "up");
            for (Pod p : LabTopology.podsOf(n.name())) {
                String podNs = ns(p.name());
                ip("-n", nodeNs, "link", "add", p.veth(), "type", "veth", "peer", "name", "eth0", "netns", podNs);
                ip("-n", nodeNs, "link", "set", p.veth(), "master", LabTopology.BRIDGE);
                ip("-n", nodeNs, "link", "set", p.veth(), "up");
                ip("-n", podNs, "addr", "add", p.ip() + "/" + LabTopology.POD_PREFIX, "dev", "eth0");
                ip("-n", podNs, "link", "set", "eth0", "up");
                ip("-n", podNs, "route", "add", "default", "via", p.gateway());
            }
        }
        Node n1 = LabTopology.NODE1;
        Node n2 = LabTopology.NODE2;
        ip("-n", ns(n1.name()), "link", "add", n1.linkIf(), "type", "veth", "peer", "name", n2.linkIf(), "netns", ns(n2.name()));
        for (Node n : LabTopology.NODES) {
            String nodeNs = ns(n.name());
            ip("-n", nodeNs, "addr", "add", n.linkAddr() + "/" + LabTopology.LINK_PREFIX, "dev", n.linkIf());
            ip("-n", nodeNs, "link", "set", n.linkIf(), "up");
            ip("-n", nodeNs, "route", "add", n.peerPodCidr(), "via", n.peerLinkAddr());
        }
        startServer(LabTopology.B, "8080", "5353");
        startServer(LabTopology.C, "8080");
        log.printf("ctflow lab: %s: namespaces %s{node1,node2,a,b,c} ready (kube-proxy %s mode) in %d ms%n", scenario.id(), tag(),
                proxyMode.label(), (System.nanoTime() - t0) / 1_000_000);
    }

    private void startServer(Pod pod, String... ports) {
        List<String> c = new ArrayList<>(List.of(tools.python, "-c", PodScripts.SERVER,
                Long.toString(SERVER_LIFETIME.toSeconds()), pod.name()));
        c.addAll(List.of(ports));
        Background b = start(pod.name(), "server in pod " + pod.name(), null, c.toArray(String[]::new));
        b.awaitLine("ready", Duration.ofSeconds(10));
    }

    /**
     * Stops every process, deletes every namespace this lab made; idempotent, safe from a
     * shutdown hook. Failures are printed, not thrown: cleanup goes on.
     */
    @Override
    public void close() {
        List<Background> procs;
        List<String> nss;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            procs = new ArrayList<>(processes);
            nss = new ArrayList<>(namespaces);
        }
        for (Background b : procs) {
            b.stop(Duration.ofSeconds(2));
        }
        Collections.reverse(nss);
        for (String name : nss) {
            deleteNamespace(tools, name, log);
        }
        OPEN.remove(this);
    }

    /** Kills whatever still runs in a lab namespace (by pid) and deletes it. */
    private static void deleteNamespace(Tools tools, String name, PrintStream log) {
        try {
            Exec.Result pids = Exec.runAllowingFailure(List.of(tools.ip, "netns", "pids", name), null, Exec.SHORT);
            for (String pid : pids.out().split("\\s+")) {
                if (pid.matches("\\d+")) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            Exec.Result r = Exec.runAllowingFailure(List.of(tools.ip, "netns", "del", name), null, Exec.SHORT);
            if (!r.ok() && namespaces(tools).contains(name)) {
                log.println("ctflow lab: could not delete namespace " + name + ": " + r.err().strip());
            }
        } catch (LabException e) {
            log.println("ctflow lab: cleanup of " + name + ": " + e.getMessage());
        }
    }

    /** Names from {@code ip netns list}. */
    public static List<String> namespaces(Tools tools) {
        Exec.Result r = Exec.run(List.of(tools.ip, "netns", "list"));
        List<String> out = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            String t = line.strip();
            if (!t.isEmpty()) {
                out.add(t.split("\\s+")[0]);
            }
        }
        return out;
    }

    /**
     * Deletes lab namespaces ({@code ctl-<pid>-*}) left by runs whose process is gone (killed
     * hard), or by an earlier lab of this very process. Labs of other live processes are left alone.
     */
    static void cleanLeftovers(Tools tools, PrintStream log) {
        long self = ProcessHandle.current().pid();
        Set<LabNetwork> open;
        synchronized (OPEN) {
            open = Set.copyOf(OPEN);
        }
        for (String name : namespaces(tools)) {
            long pid = labPid(name);
            if (pid < 0) {
                continue;
            }
            boolean mine = pid == self;
            if (mine && !open.isEmpty()) {
                continue; // a lab of this process is running: its close() owns them
            }
            if (mine || ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
                log.println("ctflow lab: removing leftover namespace " + name);
                deleteNamespace(tools, name, log);
            }
        }
    }

    /** The pid in a lab namespace's name ({@code ctl-<pid>-node1}), or -1 for any other name. */
    static long labPid(String namespace) {
        Matcher m = LAB_NS.matcher(namespace);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static void installHook() {
        if (hookInstalled) {
            return;
        }
        hookInstalled = true;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            List<LabNetwork> open;
            synchronized (OPEN) {
                open = new ArrayList<>(OPEN);
            }
            for (LabNetwork n : open) {
                n.log.println("ctflow lab: interrupted: removing namespaces " + tag() + "*");
                n.close();
            }
        }, "ctflow-lab-cleanup"));
    }
}
