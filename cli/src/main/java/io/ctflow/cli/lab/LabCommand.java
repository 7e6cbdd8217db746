package io.ctflow.cli.lab;

import io.ctflow.cli.DemoCommand;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ctflow lab}: rebuilds the lab of the shipped captures on this machine (network
 * namespaces, bridges, kube-proxy-style NAT), records a capture per scenario from the kernel,
 * and replays it through the product ({@code ctflow demo --capture DIR --once}).
 */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = {"Record the shipped captures' scenarios live on this kernel, then",
                "show what ctflow finds.",
                "",
                "Builds namespaces ctl-<pid>-{node1,node2,a,b,c}: bridge cni0, veth pods,",
                "a routed link, kube-proxy-style DNAT without masquerade (iptables chains,",
                "or with --proxy-mode nftables a table ip kube-proxy); sysctls are set",
                "only inside them. Runs a few bounded flows, records conntrack events per",
                "node, removes everything, then replays the capture through an embedded",
                "Kafka broker and the streams app (ctflow demo --capture DIR --once).",
                "Needs root, ip, iptables, conntrack, python3 and the br_netfilter module.",
                ""})
public final class LabCommand implements Callable<Integer> {
    @Option(names = "--scenario", paramLabel = "NAME", defaultValue = "all",
            description = "bridge-on, bridge-off, hairpin or all (default ${DEFAULT-VALUE}).")
    String scenario = "all";
    @Option(names = "--record", paramLabel = "DIR",
            description = "Write the captures to DIR/<scenario>/ (DIR/<scenario>-nft/ in nftables mode; default: a new "
                    + "temporary directory, kept).")
    Path record;
    @Option(names = "--proxy-mode", paramLabel = "MODE", defaultValue = "iptables",
            description = "kube-proxy dataplane of the nodes: iptables (KUBE-SVC/KUBE-SEP chains) or nftables "
                    + "(table ip kube-proxy with the service-ips verdict map; needs nft) (default ${DEFAULT-VALUE}).")
    String proxyMode = "iptables";
    @Option(names = "--keep-going", description = "Go on with the next scenario when one fails.")
    boolean keepGoing;
    @Option(names = "--no-replay", description = "Only record; do not start Kafka and the streams app.")
    boolean noReplay;

    private final PrintStream out;
    private final PrintStream err;

    public LabCommand() {
        this(System.out, System.err);
    }

    LabCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        List<Scenario> scenarios;
        ProxyMode mode;
        try {
            scenarios = Scenario.parseList(scenario);
            mode = ProxyMode.of(proxyMode);
        } catch (IllegalArgumentException e) {
            err.println("ctflow lab: " + e.getMessage());
            return 2;
        }
        if (!Tools.isRoot()) {
            err.println(Tools.NEEDS_ROOT);
            return 2;
        }
        List<String> missing = Tools.missing();
        if (!missing.isEmpty()) {
            err.println("ctflow lab: missing " + String.join(", ", missing));
            return 2;
        }
        if (!Tools.brNetfilterLoaded()) {
            err.println("ctflow lab: " + Tools.NO_BR_NETFILTER);
            return 2;
        }
        if (mode == ProxyMode.NFTABLES && !Tools.hasNft()) {
            err.println("ctflow lab: missing " + Tools.NO_NFT);
            return 2;
        }
        Path base = record != null ? record : Files.createTempDirectory("ctflow-lab-");
        List<String> failed = new ArrayList<>();
        for (Scenario s : scenarios) {
            // nftables captures get their own name: never overwrite the iptables ones in the same DIR
            Path dir = base.resolve(s.id() + (mode == ProxyMode.NFTABLES ? "-nft" : ""));
            err.printf("%nctflow lab: === scenario %s -> %s%n", s.id(), dir);
            try {
                LabRecorder.Recording rec = LabRecorder.record(s, mode, dir, err);
                out.printf("ctflow lab: %s: capture %s%s%n", s.id(), rec.dir(),
                        rec.complete() ? "" : " (some entries had no DESTROY event yet: " + rec.undestroyed() + ")");
                if (!noReplay) {
                    err.printf("ctflow lab: %s: replaying the capture through ctflow; expected: %s%n", s.id(), s.expected());
                    int rc = replay(dir, out, err);
                    if (rc != 0) {
                        throw new LabException("the replay exited " + rc + "; the capture is kept: ctflow demo --capture " + dir + " --once");
                    }
                }
            } catch (LabException | java.io.UncheckedIOException e) {
                err.println("ctflow lab: " + s.id() + " failed: " + e.getMessage());
                failed.add(s.id());
                if (!keepGoing) {
                    break;
                }
            }
        }
        if (!failed.isEmpty()) {
            err.println("ctflow lab: failed: " + String.join(", ", failed));
            return 1;
        }
        return 0;
    }

    /** {@code ctflow demo --capture DIR --once} on free ports, its lines naming {@code ctflow lab}; its exit code. */
    static int replay(Path dir, PrintStream out, PrintStream err) {
        CommandLine demo = new CommandLine(new DemoCommand("ctflow lab", out, err));
        demo.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            err.println("ctflow lab: " + ex);
            return 1;
        });
        return demo.execute("--capture", dir.toString(), "--once", "--kafka-port", "0", "--registry-port", "0", "--http-port", "0");
    }
}
