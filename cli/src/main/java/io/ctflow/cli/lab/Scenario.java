package io.ctflow.cli.lab;

import static io.ctflow.cli.lab.LabTopology.A;
import static io.ctflow.cli.lab.LabTopology.API;
import static io.ctflow.cli.lab.LabTopology.B;
import static io.ctflow.cli.lab.LabTopology.C;
import static io.ctflow.cli.lab.LabTopology.KUBE_DNS;
import static io.ctflow.cli.lab.LabTopology.LEGACY;
import static io.ctflow.cli.lab.LabTopology.WEB;

import io.ctflow.config.UsageException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The scenarios of testdata/captures/README.md: node sysctls, the flows, what the pipeline must find. */
public enum Scenario {
    BRIDGE_ON("bridge-on", true, podFlows(),
            "no anomalies (a->legacy: no event at all, the unconfirmed SYN never leaves the bridge)"),
    BRIDGE_OFF("bridge-off", false, podFlows(),
            "node1: a->web, a->kube-dns, a->legacy REPLY_BYPASSED_CONNTRACK; a->api, c->web, a->b fine"),
    HAIRPIN("hairpin", false,
            List.of(Traffic.Flow.toService(B, WEB), Traffic.Flow.toService(C, WEB)),
            "node1: b->web HAIRPIN; c->web fine");

    private final String id;
    private final boolean node1BridgeNfCallIptables;
    private final List<Traffic.Flow> flows;
    private final String expected;

    Scenario(String id, boolean node1BridgeNfCallIptables, List<Traffic.Flow> flows, String expected) {
        this.id = id;
        this.node1BridgeNfCallIptables = node1BridgeNfCallIptables;
        this.flows = flows;
        this.expected = expected;
    }

    /** bridge-on and bridge-off: in the captures' order. */
    private static List<Traffic.Flow> podFlows() {
        return List.of(Traffic.Flow.toService(A, WEB), Traffic.Flow.toService(A, API), Traffic.Flow.toService(A, KUBE_DNS),
                Traffic.Flow.toService(C, WEB), Traffic.Flow.toService(A, LEGACY), Traffic.Flow.direct(A, B, 8080));
    }

    /** The name used on the command line and as the capture directory's name. */
    public String id() {
        return id;
    }

    /** {@code net.bridge.bridge-nf-call-iptables} of a node (node2 always 1). */
    public int bridgeNfCallIptables(String node) {
        return node.equals(LabTopology.NODE1.name()) && !node1BridgeNfCallIptables ? 0 : 1;
    }

    public List<Traffic.Flow> flows() {
        return flows;
    }

    /** What testdata/captures/README.md says the pipeline finds, one line. */
    public String expected() {
        return expected;
    }

    /** Parses "bridge-on", "bridge-off", "hairpin"; an {@link IllegalArgumentException} listing them otherwise. */
    public static Scenario of(String id) {
        for (Scenario s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        throw new UsageException("unknown scenario '" + id + "' (one of " + ids() + ", or all)");
    }

    /** "all" or one scenario. */
    public static List<Scenario> parseList(String spec) {
        return spec.equals("all") ? List.of(values()) : List.of(of(spec));
    }

    static String ids() {
        return Arrays.stream(values()).map(Scenario::id).collect(Collectors.joining(", "));
    }
}
