package io.ctflow.cli.simulate;

import java.util.List;

/**
 * Picks and opens the next healthy connection: mostly TCP to Services, DNS-like UDP and UDP streams
 * to Services, some direct pod-to-pod TCP and ICMP echo. Everything is replied. On a node with
 * bridge-nf-call-iptables=0 it never pairs a client with a backend on the same node, since that
 * traffic would bypass conntrack (that is the anomaly injector's business).
 */
final class TrafficMix {
    private static final int DIRECT_PORT = 8080;
    private final ConnectionFactory f;

    TrafficMix(ConnectionFactory factory) {
        this.f = factory;
    }

    /** The Service kind of the next connection, or null for a pod-to-pod one; draws from the random. */
    SimService.Kind nextKind() {
        int p = f.r.nextInt(100);
        Fleet fleet = f.fleet;
        if (p < 70 && !fleet.tcpServices.isEmpty()) {
            return SimService.Kind.TCP;
        }
        if (p < 80 && !fleet.udpRequestResponse.isEmpty()) {
            return SimService.Kind.UDP_REQUEST_RESPONSE;
        }
        if (p < 85 && !fleet.udpStreams.isEmpty()) {
            return SimService.Kind.UDP_STREAM;
        }
        return null;
    }

    /** A healthy connection to a Service of this kind starting at {@code t0}, or null when no port was free. */
    Connection service(SimService.Kind kind, long t0) {
        List<SimService> list = switch (kind) {
            case TCP -> f.fleet.tcpServices;
            case UDP_REQUEST_RESPONSE -> f.fleet.udpRequestResponse;
            case UDP_STREAM -> f.fleet.udpStreams;
        };
        // A few popular Services and a long tail.
        double u = f.r.nextDouble();
        SimService s = list.get((int) (u * u * list.size()));
        SimPod backend = s.endpoints.get(f.r.nextInt(s.endpoints.size()));
        SimPod client = client(backend);
        Connection c = f.viaService(s, client, backend);
        f.natView(c);
        long delay = 0;
        if (backend.node != client.node) {
            f.podView(c, backend.node);
            delay = f.life.crossNodeDelay();
        }
        switch (kind) {
            case TCP -> f.life.tcp(c, t0, delay);
            case UDP_REQUEST_RESPONSE -> f.life.udpRequestResponse(c, t0, delay);
            case UDP_STREAM -> f.life.udpStream(c, t0, delay);
        }
        return f.assignPort(c, t0) ? c : null;
    }

    /** A healthy pod-to-pod TCP connection or ICMP echo starting at {@code t0}, or null when no port was free. */
    Connection podToPod(long t0) {
        boolean icmp = f.r.nextInt(2) == 0;
        boolean ipv6 = f.r.nextInt(8) == 0;
        SimPod server = f.randomPod(f.randomNode());
        SimPod client = client(server);
        Connection c = icmp ? f.direct(ipv6 ? Connection.ICMPV6 : Connection.ICMP, ipv6, client, server, 0)
            : f.direct(Connection.TCP, ipv6, client, server, DIRECT_PORT);
        f.podView(c, client.node);
        long delay = 0;
        if (server.node != client.node) {
            f.podView(c, server.node);
            delay = f.life.crossNodeDelay();
        }
        if (icmp) {
            f.life.icmpEcho(c, t0, delay);
        } else {
            f.life.tcp(c, t0, delay);
        }
        return f.assignPort(c, t0) ? c : null;
    }

    /** A client pod for this server: not the server itself, not beside it on a bypass node. */
    private SimPod client(SimPod server) {
        for (int attempt = 0; attempt < 20; attempt++) {
            SimNode n = f.randomNode();
            SimPod p = f.randomPod(n);
            if (p != server && (n.bridgeNf || n.index != server.node)) {
                return p;
            }
        }
        SimNode other = f.otherNode(server.node);
        SimPod p = f.randomPod(other);
        return p != server ? p : other.pods.get((other.pods.indexOf(p) + 1) % other.pods.size());
    }
}
