package io.ctflow.cli.lab;

import io.ctflow.cli.lab.LabTopology.Pod;
import io.ctflow.cli.lab.LabTopology.Service;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A scenario's flows, one bounded exchange each, run from inside the client pods' namespaces. */
public final class Traffic {
    /** Bound of one flow's whole exchange (connect, request, answer). */
    public static final Duration FLOW_TIMEOUT = Duration.ofSeconds(2);

    private Traffic() {}

    /** One client → destination exchange; {@code service} is null for a direct pod-to-pod flow. */
    public record Flow(String name, Pod client, String proto, String host, int port, Service service) {
        static Flow toService(Pod client, Service s) {
            String shortName = s.id().substring(s.id().indexOf('/') + 1, s.id().indexOf(':'));
            return new Flow(client.name() + "->" + shortName, client, s.proto(), s.clusterIp(), s.port(), s);
        }

        static Flow direct(Pod client, Pod server, int port) {
            return new Flow(client.name() + "->" + server.name() + " direct", client, "tcp", server.ip(), port, null);
        }

        public String destination() {
            return proto + " " + host + ":" + port;
        }
    }

    /** How a flow went, as the client saw it. */
    public record Result(Flow flow, boolean ok, String detail, long millis) {
        @Override
        public String toString() {
            return String.format("%-16s %-20s %-6s %5d ms  %s", flow.name(), flow.destination(), ok ? "ok" : "failed", millis, detail);
        }
    }

    /** Runs the flows in order, each to its end; prints one line per flow to {@code log}. */
    public static List<Result> run(LabNetwork net, List<Flow> flows, PrintStream log) {
        List<Result> out = new ArrayList<>();
        for (Flow f : flows) {
            Result r = run(net, f);
            log.println("  " + r);
            out.add(r);
        }
        return out;
    }

    static Result run(LabNetwork net, Flow f) {
        long t0 = System.nanoTime();
        List<String> cmd = net.inNs(f.client().name(), net.tools().python, "-c", PodScripts.CLIENT, f.proto(), f.host(),
                Integer.toString(f.port()), Double.toString(FLOW_TIMEOUT.toMillis() / 1000.0));
        // python's own deadline is FLOW_TIMEOUT; the process bound only catches a hang at start.
        Exec.Result r = Exec.runAllowingFailure(cmd, null, FLOW_TIMEOUT.plusSeconds(8));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String out = r.out().strip();
        boolean ok = r.ok() && out.startsWith("ok");
        String detail = out.isEmpty() ? r.err().strip() : out.replaceFirst("^(ok|failed): ?", "");
        if (!out.startsWith("ok") && !out.startsWith("failed")) {
            detail = "client exited " + r.exit() + ": " + (r.err().isBlank() ? out : r.err().strip());
        }
        return new Result(f, ok, detail, ms);
    }
}
