package io.ctflow.streams.flow;

import io.ctflow.avro.Bridge;
import io.ctflow.avro.Cause;
import io.ctflow.avro.Endpoint;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.Protocols;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides why a NATed entry on node N saw no reply: the first rule that holds, in the order the
 * issue fixes (HAIRPIN, REPLY_BYPASSED_CONNTRACK, ASYMMETRIC_RETURN, BACKEND_NOT_ENDPOINT, NO_REPLY),
 * with a hint and the facts it was decided on. Pure: everything it needs is passed in.
 */
public final class CauseClassifier {
    private final Set<String> requestResponseUdpPorts;

    public CauseClassifier(Set<String> requestResponseUdpPorts) {
        this.requestResponseUdpPorts = requestResponseUdpPorts;
    }

    /** The decision: whether to raise an anomaly, why, what to do, and on what evidence. */
    public record Verdict(boolean raise, Cause cause, String hint, Map<String, String> facts) {}

    public Verdict classify(FlowKey key, NodeView view, List<NodeView> allViews, NodeFacts facts, ServiceEntry service) {
        String node = view.getNode();
        NatKind nat = NatKind.of(view.getNat());
        byte[] client = Addresses.bytes(view.getOrigSrc());
        byte[] backend = key.replySrc();
        String backendText = Addresses.withPort(backend, key.replySrcPort());
        Map<String, String> used = new LinkedHashMap<>();
        used.put("node", node);
        used.put("nat", nat.name());

        Cause cause;
        String hint;
        List<String> cidrs = localNetworks(facts);
        String sysctl = backend.length == 16 ? "net.bridge.bridge-nf-call-ip6tables" : "net.bridge.bridge-nf-call-iptables";
        String bridgeNf = facts == null ? null : facts.getSysctls().get(sysctl);
        boolean backendLocal = cidrs.stream().anyMatch(c -> Addresses.inCidr(backend, c));
        boolean clientLocal = cidrs.stream().anyMatch(c -> Addresses.inCidr(client, c));
        String otherReplied = allViews.stream()
                .filter(v -> !v.getNode().equals(node) && v.getReplied() >= 0)
                .map(NodeView::getNode).sorted().collect(Collectors.joining(","));

        if (Arrays.equals(client, backend) && !nat.snat()) {
            cause = Cause.HAIRPIN;
            used.put("client", Addresses.format(client));
            used.put("backend", backendText);
            hint = "pod " + Addresses.format(client) + " reaches itself through its Service without SNAT, so the reply never"
                    + " returns through conntrack on " + node + ": turn on hairpin mode for the pod's bridge port"
                    + " (kubelet --hairpin-mode=hairpin-veth, or hairpin_mode=1) and masquerade hairpin traffic"
                    + " (kube-proxy masquerade for hairpin / --masquerade-all)";
        } else if ("0".equals(bridgeNf) && backendLocal && clientLocal) {
            cause = Cause.REPLY_BYPASSED_CONNTRACK;
            used.put(sysctl, bridgeNf);
            used.put("localNetworks", String.join(",", cidrs));
            used.put("backend", backendText);
            used.put("client", Addresses.format(client));
            hint = "set " + sysctl + "=1 on " + node + " (modprobe br_netfilter; sysctl -w " + sysctl + "=1):"
                    + " client and backend share a bridge, so the reply is bridged at layer 2 and never un-NATed";
        } else if (!otherReplied.isEmpty()) {
            cause = Cause.ASYMMETRIC_RETURN;
            used.put("repliedOn", otherReplied);
            hint = "the reply returned through " + otherReplied + ", not through " + node + " which did the NAT:"
                    + " make the return path symmetric (routes, rp_filter, source-based routing) or SNAT the traffic on " + node;
        } else if (service != null && !isEndpoint(service, backend, key.replySrcPort())) {
            cause = Cause.BACKEND_NOT_ENDPOINT;
            used.put("service", service.getId());
            used.put("endpoints", endpoints(service));
            used.put("backend", backendText);
            hint = backendText + " is no longer an endpoint of " + service.getId() + ": the NAT is stale;"
                    + " check that kube-proxy is syncing and clear the stale entries (conntrack -D -r " + Addresses.format(backend) + ")";
        } else {
            cause = Cause.NO_REPLY;
            if (service != null) {
                used.put("endpoints", endpoints(service));
            }
            used.put("backend", backendText);
            hint = "nobody saw a reply from " + backendText + ": check that the backend is running and listening,"
                    + " and NetworkPolicies or firewalls on the path";
        }
        if (bridgeNf != null) {
            used.putIfAbsent(sysctl, bridgeNf);
        }
        boolean raise = true;
        int proto = key.protocolNumber();
        if (cause == Cause.NO_REPLY && (proto == Protocols.UDP || proto == Protocols.UDPLITE)) {
            // Fire-and-forget UDP is normal; only request/response Services (DNS) expect an answer.
            raise = service != null && service.getRequestResponse() != null
                    ? service.getRequestResponse()
                    : requestResponseUdpPorts.contains(Integer.toString(view.getOrigDport()));
        }
        return new Verdict(raise, cause, hint, used);
    }

    /** The node's pod CIDRs and its bridges' networks. */
    static List<String> localNetworks(NodeFacts facts) {
        List<String> out = new ArrayList<>();
        if (facts == null) {
            return out;
        }
        out.addAll(facts.getPodCidrs());
        for (Bridge b : facts.getBridges()) {
            for (String a : b.getAddresses()) {
                try {
                    String net = Addresses.networkOf(a);
                    if (!out.contains(net)) {
                        out.add(net);
                    }
                } catch (IllegalArgumentException ignored) {
                    // an address without a prefix length names no network
                }
            }
        }
        return out;
    }

    static boolean isEndpoint(ServiceEntry s, byte[] addr, int port) {
        ByteBuffer a = ByteBuffer.wrap(addr);
        for (Endpoint e : s.getEndpoints()) {
            if (e.getAddress().equals(a) && e.getPort() == port) {
                return true;
            }
        }
        return false;
    }

    private static String endpoints(ServiceEntry s) {
        return s.getEndpoints().stream().map(e -> Addresses.withPort(Addresses.bytes(e.getAddress()), e.getPort()))
                .collect(Collectors.joining(","));
    }
}
