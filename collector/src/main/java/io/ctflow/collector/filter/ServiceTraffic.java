package io.ctflow.collector.filter;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.Endpoint;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.Tuple;
import io.ctflow.collector.parse.ConntrackEntry;
import io.ctflow.flow.Protocols;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;

/**
 * Which conntrack entries a node's Services table could have touched, decided per entry without
 * allocation. An entry is a Service's when
 * <ul>
 * <li>the kernel DNATed it (original destination ≠ reply source, address or port): the streams app
 *     takes every DNAT for a Service connection (one the table does not name gets the id
 *     {@code vip:port/proto}), and this also covers what the table cannot list: NodePorts on any
 *     local address (iptables mode has no entry for them), a Service created since the last read,
 *     an endpoint removed since (its connections live on);</li>
 * <li>or its original destination (address, port, protocol) is a Service frontend (ClusterIP,
 *     external or load-balancer IP, an nftables NodePort address) or one of the Services' endpoints:
 *     the backend node's own view of a DNATed connection has no NAT, and the app joins it to the
 *     NAT node's view by the reply tuple.</li>
 * </ul>
 * Without DNAT the reply source is the original destination, so checking it too would add nothing.
 * Immutable: a new table is a new instance. Frontends and endpoints share one set: IPv4 keys are one
 * packed long (marker bit, address, port, protocol), IPv6 keys three.
 */
public final class ServiceTraffic {
    private static final long MARK = 1L << 56;

    private final PackedKeySet v4;
    private final PackedKeySet v6;
    private final int services;

    private ServiceTraffic(PackedKeySet v4, PackedKeySet v6, int services) {
        this.v4 = v4;
        this.v6 = v6;
        this.services = services;
    }

    /** The frontends and endpoints of {@code table}. */
    public static ServiceTraffic of(Collection<ServiceEntry> table) {
        PackedKeySet.Builder b4 = new PackedKeySet.Builder(1);
        PackedKeySet.Builder b6 = new PackedKeySet.Builder(3);
        for (ServiceEntry s : table) {
            int proto = Protocols.number(s.getProtocol());
            add(b4, b6, s.getVip(), s.getPort(), proto);
            for (Endpoint e : s.getEndpoints()) {
                add(b4, b6, e.getAddress(), e.getPort(), proto);
            }
        }
        return new ServiceTraffic(b4.build(), b6.build(), table.size());
    }

    private static void add(PackedKeySet.Builder b4, PackedKeySet.Builder b6, ByteBuffer address, int port, int proto) {
        int len = address.remaining();
        int at = address.position();
        if (len == 4) {
            b4.add(key4(address.getInt(at), port, proto));
        } else if (len == 16) {
            b6.add(address.getLong(at), address.getLong(at + 8), tail6(port, proto));
        }
    }

    /** Services of the table. */
    public int services() {
        return services;
    }

    /** Distinct frontend and endpoint addresses (with port and protocol). */
    public int addresses() {
        return v4.size() + v6.size();
    }

    /** Whether a Service could have touched this parsed line (the parser's reused state). */
    public boolean touches(ConntrackEntry e) {
        ConntrackEntry.Side o = e.original();
        ConntrackEntry.Side r = e.reply();
        int len = o.addressLength();
        byte[] dst = o.dst();
        int dport = o.dstPort();
        if (dport != r.srcPort() || !Arrays.equals(dst, 0, len, r.src(), 0, len)) {
            return true; // DNAT
        }
        if (dport < 0) {
            return false; // no ports (ICMP, GRE, ...): no Service has such an address
        }
        int proto = e.protocolNumber();
        if (len == 4) {
            return v4.contains(key4(int32(dst, 0), dport, proto));
        }
        return len == 16 && v6.contains(int64(dst, 0), int64(dst, 8), tail6(dport, proto));
    }

    /** The same decision for an event (a replayed capture's). */
    public boolean touches(ConntrackEvent e) {
        Tuple o = e.getOriginal();
        Tuple r = e.getReply();
        if (o == null || r == null) {
            return true; // a marker
        }
        ByteBuffer dst = o.getDst();
        Integer dport = o.getDstPort();
        if (!Objects.equals(dport, r.getSrcPort()) || !dst.equals(r.getSrc())) {
            return true; // DNAT
        }
        if (dport == null) {
            return false;
        }
        int proto = e.getProtocolNumber();
        int at = dst.position();
        if (dst.remaining() == 4) {
            return v4.contains(key4(dst.getInt(at), dport, proto));
        }
        return dst.remaining() == 16 && v6.contains(dst.getLong(at), dst.getLong(at + 8), tail6(dport, proto));
    }

    private static long key4(int address, int port, int proto) {
        return MARK | (address & 0xffffffffL) << 24 | (port & 0xffffL) << 8 | (proto & 0xff);
    }

    private static long tail6(int port, int proto) {
        return MARK | (port & 0xffffL) << 8 | (proto & 0xff);
    }

    private static int int32(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static long int64(byte[] b, int at) {
        return (long) int32(b, at) << 32 | (int32(b, at + 4) & 0xffffffffL);
    }

    @Override
    public String toString() {
        return "ServiceTraffic[" + services + " Services, " + addresses() + " addresses]";
    }
}
