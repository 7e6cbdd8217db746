package io.ctflow.cli.simulate;

import java.util.SplittableRandom;

/** Opens connections: their tuples, each node's entry (view) with its own conntrack id, the client port. */
final class ConnectionFactory {
    final Fleet fleet;
    final Lifecycles life;
    final SplittableRandom r;

    ConnectionFactory(Fleet fleet, SplittableRandom r) {
        this.fleet = fleet;
        this.r = r;
        this.life = new Lifecycles(r);
    }

    /** A connection of {@code client} through Service {@code s} to {@code backend}:{@code s.targetPort}. */
    Connection viaService(SimService s, SimPod client, byte[] backend) {
        return new Connection(s.tcp() ? Connection.TCP : Connection.UDP, s.ipv6, client, s, backend, s.targetPort);
    }

    /** A connection of {@code client} straight to a pod (no NAT anywhere). */
    Connection direct(int protocol, boolean ipv6, SimPod client, SimPod server, int port) {
        return new Connection(protocol, ipv6, client, null, server.address(ipv6), port);
    }

    /** The client's node entry of a Service connection: DNAT from the cluster IP to the backend. */
    int natView(Connection c) {
        return c.addView(c.client.node, id(), c.service.vipText, c.service.port);
    }

    /** An entry that sees the connection addressed to the backend pod itself. */
    int podView(Connection c, int node) {
        return c.addView(node, id(), c.replySrcText, c.replySport);
    }

    /** Gives the connection its client port (or echo id); false when the client has none free. */
    boolean assignPort(Connection c, long now) {
        PortPool pool = c.echo() ? c.client.icmpIds : c.client.ports;
        c.clientPort = pool.allocate(now, c.gone());
        return c.clientPort >= 0;
    }

    SimPod randomPod(SimNode n) {
        return n.pods.get(r.nextInt(n.pods.size()));
    }

    SimNode randomNode() {
        return fleet.nodes.get(r.nextInt(fleet.nodes.size()));
    }

    /** A node other than {@code not} (the same one in a one-node fleet). */
    SimNode otherNode(int not) {
        if (fleet.nodes.size() == 1) {
            return fleet.nodes.get(0);
        }
        int i = r.nextInt(fleet.nodes.size() - 1);
        return fleet.nodes.get(i >= not ? i + 1 : i);
    }

    /** Kernels derive ids from the entry's address: to a reader, a random 32-bit number. */
    private long id() {
        return 1 + r.nextLong(0xffff_fffeL);
    }
}
