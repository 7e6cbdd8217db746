package io.ctflow.cli.simulate;

import io.ctflow.avro.Cause;
import io.ctflow.net.Addresses;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens broken Service connections, each shaped so that the streams app's CauseClassifier, given
 * the capture's facts and NAT rules, names exactly the cause injected:
 * <ul>
 * <li>HAIRPIN: a pod reaches itself through its Service, no SNAT; the entry stays unreplied.
 * <li>REPLY_BYPASSED_CONNTRACK: client and backend on one node with bridge-nf-call-iptables=0;
 *     the reply is bridged, the entry stays unreplied.
 * <li>ASYMMETRIC_RETURN: the backend's node sees the reply, the client's (NAT) node never does.
 * <li>BACKEND_NOT_ENDPOINT: DNAT to a removed pod of another node, no longer in the NAT rules;
 *     nobody else has an entry.
 * <li>NO_REPLY: the backend is an endpoint on a node with bridge-nf=1; nobody sees a reply.
 * </ul>
 * UDP ones only for request/response (port 53) Services: the app ignores unanswered fire-and-forget UDP.
 */
final class AnomalyInjector {
    /** One injected anomaly, as truth.json lists it. */
    @com.fasterxml.jackson.annotation.JsonPropertyOrder({"node", "protocol", "client", "serviceAddress", "service", "backend",
        "cause", "firstSeen"})
    record Injected(String node, String protocol, String client, String serviceAddress, String service, String backend,
                    String cause, String firstSeen) {}

    private final ConnectionFactory f;
    private final List<Cause> causes = new ArrayList<>();
    private final List<SimService> eligible = new ArrayList<>();
    /** Services and their endpoints on bypass nodes: where REPLY_BYPASSED_CONNTRACK can happen. */
    private final List<SimService> bypassServices = new ArrayList<>();
    private final List<SimPod> bypassBackends = new ArrayList<>();
    private final List<SimNode> bridgedNodes = new ArrayList<>();

    AnomalyInjector(ConnectionFactory factory) {
        this.f = factory;
        Fleet fleet = factory.fleet;
        eligible.addAll(fleet.tcpServices);
        eligible.addAll(fleet.udpRequestResponse);
        for (SimService s : eligible) {
            for (SimPod p : s.endpoints) {
                if (!fleet.nodes.get(p.node).bridgeNf) {
                    bypassServices.add(s);
                    bypassBackends.add(p);
                }
            }
        }
        for (SimNode n : fleet.nodes) {
            if (n.bridgeNf) {
                bridgedNodes.add(n);
            }
        }
        if (!eligible.isEmpty()) {
            causes.add(Cause.HAIRPIN);
            if (!bypassServices.isEmpty()) {
                causes.add(Cause.REPLY_BYPASSED_CONNTRACK);
            }
            if (fleet.nodes.size() > 1) {
                causes.add(Cause.ASYMMETRIC_RETURN);
            }
            causes.add(Cause.BACKEND_NOT_ENDPOINT);
            causes.add(Cause.NO_REPLY);
        }
    }

    boolean possible() {
        return !causes.isEmpty();
    }

    /** A broken connection starting at {@code t0} with its cause, or null when its client had no free port. */
    Connection inject(long t0, List<Injected> truth) {
        Cause cause = causes.get(f.r.nextInt(causes.size()));
        SimService s;
        SimPod backend;
        SimPod client;
        byte[] backendAddress;
        if (cause == Cause.REPLY_BYPASSED_CONNTRACK) {
            int i = f.r.nextInt(bypassServices.size());
            s = bypassServices.get(i);
            backend = bypassBackends.get(i);
        } else {
            s = eligible.get(f.r.nextInt(eligible.size()));
            backend = s.endpoints.get(f.r.nextInt(s.endpoints.size()));
        }
        backendAddress = backend.address(s.ipv6);
        switch (cause) {
            case HAIRPIN -> client = backend;
            case REPLY_BYPASSED_CONNTRACK -> client = sibling(backend);
            case ASYMMETRIC_RETURN -> client = f.randomPod(f.otherNode(backend.node));
            default -> {
                // The NAT node must bridge-nf its pods, or the classifier would blame the bypass first.
                SimNode n = bridgedNodes.get(f.r.nextInt(bridgedNodes.size()));
                client = f.randomPod(n);
                if (cause == Cause.BACKEND_NOT_ENDPOINT) {
                    // A pod that is gone: an address of another node's pod network no pod has.
                    backendAddress = f.otherNode(n.index).host(s.ipv6, 200 + f.r.nextInt(50));
                } else if (client == backend) {
                    client = sibling(backend);
                }
            }
        }
        Connection c = f.viaService(s, client, backendAddress,
            Addresses.format(backendAddress).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        f.natView(c);
        boolean tcp = s.tcp();
        if (tcp) {
            f.life.tcpUnreplied(c, 0, t0);
        } else {
            f.life.udpUnreplied(c, 0, t0);
        }
        if ((cause == Cause.ASYMMETRIC_RETURN || cause == Cause.NO_REPLY) && backend.node != client.node) {
            int v = f.podView(c, backend.node);
            long t = t0 + f.life.crossNodeDelay();
            if (cause == Cause.NO_REPLY) {
                if (tcp) {
                    f.life.tcpUnreplied(c, v, t);
                } else {
                    f.life.udpUnreplied(c, v, t);
                }
            } else if (tcp) {
                f.life.tcpReset(c, v, t);
            } else {
                f.life.udpReplied(c, v, t);
            }
        }
        if (!f.assignPort(c, t0)) {
            return null;
        }
        SimNode nat = f.fleet.nodes.get(client.node);
        c.anomaly = truth.size();
        truth.add(new Injected(nat.name, s.protocol().name(), Addresses.withPort(client.address(s.ipv6), c.clientPort),
            Addresses.withPort(s.vip, s.port), s.id(), Addresses.withPort(backendAddress, s.targetPort), cause.name(),
            Timestamps.instant(t0 + nat.skewMicros).toString()));
        return c;
    }

    /** Another pod on the same node. */
    private SimPod sibling(SimPod p) {
        List<SimPod> pods = f.fleet.nodes.get(p.node).pods;
        int i = pods.indexOf(p);
        return pods.get((i + 1 + f.r.nextInt(pods.size() - 1)) % pods.size());
    }
}
