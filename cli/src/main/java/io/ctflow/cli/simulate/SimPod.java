package io.ctflow.cli.simulate;

import io.ctflow.net.Addresses;
import java.nio.charset.StandardCharsets;

/** A pod of the simulated fleet: dual-stack, on one node's bridge {@code cni0}. */
final class SimPod {
    final int node;
    final String veth;
    final byte[] v4;
    final byte[] v6;
    /** The addresses as conntrack prints them, pre-rendered for the line renderer. */
    final byte[] v4Text;
    final byte[] v6Text;
    final PortPool ports = new PortPool();
    final PortPool icmpIds = new PortPool(1, 65535);

    SimPod(int node, String veth, byte[] v4, byte[] v6) {
        this.node = node;
        this.veth = veth;
        this.v4 = v4;
        this.v6 = v6;
        this.v4Text = Addresses.format(v4).getBytes(StandardCharsets.US_ASCII);
        this.v6Text = Addresses.format(v6).getBytes(StandardCharsets.US_ASCII);
    }

    byte[] address(boolean ipv6) {
        return ipv6 ? v6 : v4;
    }

    byte[] text(boolean ipv6) {
        return ipv6 ? v6Text : v4Text;
    }
}
