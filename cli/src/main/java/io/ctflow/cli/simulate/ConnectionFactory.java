package io.ctflow.cli.simulate;

import java.util.SplittableRandom;

/** Opens connections: their tuples, each node's entry (view) with its own conntrack id, the client port. */
final class ConnectionFactory {
    final Fleet fleet;
    final Lifecycles life;
    final SplittableRandom r;
    private Connection[] free = new Connection[1024];
    private int freeCount;

    ConnectionFactory(Fleet fleet, SplittableRandom r) {
        this.fleet = fleet;
        this.r = r;
        this.life = new Lifecycles(r);
    }

    /** A connection of {@code client} through Service {@code s} to pod {@code backend}:{@code s.targetPort}. */
    Connection viaService(SimService s, SimPod client, SimPod backend) {
        return viaService(s, client, backend.address(s.ipv6), backend.text(s.ipv6));
    }

    /** A connection of {@code client} through Service {@code s} to an address (maybe no pod's). */
    Connection viaService(SimService s, SimPod client, byte[] backend, byte[] backendText) {
        return connection(s.tcp() ? Connection.TCP : Connection.UDP, s.ipv6, client, s, backend, backendText, s.targetPort);
    }

    /** A connection of {@code client} straight to a pod (no NAT anywhere). */
    Connection direct(int protocol, boolean ipv6, SimPod client, SimPod server, int port) {
        return connection(protocol, ipv6, client, null, server.address(ipv6), server.text(ipv6), port);
    }

    private Connection connection(int protocol, boolean ipv6, SimPod client, SimService service, byte[] replySrc,
                                  byte[] replySrcText, int replySport) {
        if (freeCount > 0) {
            Connection c = free[--freeCount];
            free[freeCount] = null;
            return c.init(protocol, ipv6, client, service, replySrc, replySrcText, replySport);
        }
        return new Connection(protocol, ipv6, client, service, replySrc, replySrcText, replySport);
    }

    /** Takes back a connection whose last event was written (or that was not started), for reuse. */
    void recycle(Connection c) {
        if (freeCount == free.length) {
            free = java.util.Arrays.copyOf(free, freeCount * 2);
        }
        free[freeCount++] = c;
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
        if (c.clientPort < 0) {
            recycle(c);
            return false;
        }
        return true;
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
