package io.ctflow.cli.simulate;

import java.util.ArrayList;
import java.util.List;

/** A node of the simulated fleet: its pod networks, sysctls that matter, clock offset and pods. */
final class SimNode {
    final int index;
    final String name;
    /** The /24 of its IPv4 pods and the /64 of its IPv6 pods (network address bytes). */
    final byte[] v4Net;
    final byte[] v6Net;
    final long skewMicros;
    /** bridge-nf-call-iptables and -ip6tables: 0 on the nodes chosen for REPLY_BYPASSED_CONNTRACK. */
    final boolean bridgeNf;
    final List<SimPod> pods = new ArrayList<>();

    SimNode(int index, String name, byte[] v4Net, byte[] v6Net, long skewMicros, boolean bridgeNf) {
        this.index = index;
        this.name = name;
        this.v4Net = v4Net;
        this.v6Net = v6Net;
        this.skewMicros = skewMicros;
        this.bridgeNf = bridgeNf;
    }

    /** An address of this node's pod network: host {@code host} (1 is the bridge). */
    byte[] host(boolean ipv6, int host) {
        byte[] a = (ipv6 ? v6Net : v4Net).clone();
        if (ipv6) {
            a[14] = (byte) (host >>> 8);
        }
        a[a.length - 1] = (byte) host;
        return a;
    }
}
