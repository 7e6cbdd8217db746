package io.ctflow.flow;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.Tuple;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.utils.Utils;

/**
 * Identity of one connection across every node that tracks it: the protocol plus the wire-level
 * <em>reply</em> tuple (for ICMP: the addresses plus the echo id).
 *
 * <p>Why the reply tuple: DNAT rewrites the original destination (Service IP on the NAT node, pod IP
 * on the backend's node), but the reply the backend sends is the same packet everywhere
 * (backend → client, or backend → SNAT address), so the NAT node's entry and the backend node's entry
 * of one connection get the same key. Keying {@code ctflow.events} by it puts every node's view of a
 * connection on one partition, so the streams app joins them without a repartition.
 *
 * <p>Binary form (the Kafka key: 14 bytes for IPv4, 38 for IPv6): protocol number, address length (4|16),
 * reply source, reply destination, reply source port, reply destination port (big-endian u16;
 * ICMP: id and 0; GRE: the keys' low 16 bits; no ports: 0). Text form, for humans and URLs:
 * {@code tcp,10.244.1.3:8080,10.244.1.2:49502}.
 *
 * <p>The conntrack zone is part of the identity: the same tuple in two zones is two connections
 * (Antrea, OVS, Istio's CNI put pod traffic in zones). A key in zone 0 has exactly the form above,
 * so keys written before zones were known stay the same; another zone appends it as a big-endian u16
 * (16 / 40 bytes) and as {@code ,zone=N} in the text form. The zone is a node's own setting, so
 * views of one connection on two nodes join when those nodes put it in the same zone (as a CNI does
 * on every node).
 */
public final class FlowKey {
    private final byte[] bytes;
    private final int hash;

    private FlowKey(byte[] bytes) {
        this.bytes = bytes;
        // murmur2 (Kafka's partitioner hash), not Arrays.hashCode: the bytes are addresses and ports
        // side by side, which the polynomial hash folds together (the production bench's 2 M keys had
        // 839,800 distinct Arrays.hashCode values, 1,999,550 with murmur2), so hash maps of flows
        // walked chains and the flow join's stored-keys filter answered "maybe" for most new keys. In
        // memory only: partitions and stores see the bytes.
        this.hash = Utils.murmur2(bytes);
    }

    /** The key of a conntrack entry; null for markers (HEARTBEAT, GAP) that have no reply tuple. */
    public static FlowKey of(ConntrackEvent e) {
        Tuple r = e.getReply();
        if (r == null) {
            return null;
        }
        int proto = e.getProtocolNumber();
        int sport;
        int dport;
        if (r.getIcmpId() != null) {
            sport = r.getIcmpId();
            dport = 0;
        } else {
            sport = r.getSrcPort() == null ? 0 : r.getSrcPort();
            dport = r.getDstPort() == null ? 0 : r.getDstPort();
        }
        return of(proto, r.getSrc(), r.getDst(), sport, dport, e.getZone());
    }

    /** Builds a key in zone 0 from the reply tuple's parts. */
    public static FlowKey of(int protocolNumber, ByteBuffer replySrc, ByteBuffer replyDst, int sport, int dport) {
        return of(protocolNumber, replySrc, replyDst, sport, dport, 0);
    }

    /** Builds a key from the reply tuple's parts and the conntrack zone (0-65535). */
    public static FlowKey of(int protocolNumber, ByteBuffer replySrc, ByteBuffer replyDst, int sport, int dport, int zone) {
        ByteBuffer s = heap(replySrc);
        ByteBuffer d = heap(replyDst);
        return new FlowKey(bytes(protocolNumber, s.array(), s.arrayOffset() + s.position(), s.remaining(),
                d.array(), d.arrayOffset() + d.position(), d.remaining(), sport, dport, zone));
    }

    private static ByteBuffer heap(ByteBuffer b) {
        if (b.hasArray()) {
            return b;
        }
        byte[] copy = new byte[b.remaining()];
        b.duplicate().get(copy);
        return ByteBuffer.wrap(copy);
    }

    /**
     * The binary form of a key from the reply addresses' bytes (both 4 or 16), ports and zone: what
     * {@link #rawBytes()} of such a key holds. The collector sends it without building a key.
     */
    public static byte[] bytes(int protocolNumber, byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen,
                               int sport, int dport, int zone) {
        // Out-of-range values would be truncated into a key of another flow; the parser never makes them.
        if (protocolNumber < 0 || protocolNumber > 255 || sport < 0 || sport > 0xffff || dport < 0 || dport > 0xffff) {
            throw new IllegalArgumentException("flow key out of range: protocol " + protocolNumber + ", ports " + sport + "/" + dport);
        }
        if (zone < 0 || zone > 0xffff) {
            throw new IllegalArgumentException("conntrack zone out of range: " + zone);
        }
        int alen = srcLen;
        if ((alen != 4 && alen != 16) || dstLen != alen) {
            throw new IllegalArgumentException("reply addresses must both be 4 or 16 bytes");
        }
        byte[] b = new byte[2 + 2 * alen + 4 + (zone == 0 ? 0 : 2)];
        b[0] = (byte) protocolNumber;
        b[1] = (byte) alen;
        System.arraycopy(src, srcOff, b, 2, alen);
        System.arraycopy(dst, dstOff, b, 2 + alen, alen);
        int p = 2 + 2 * alen;
        b[p] = (byte) (sport >>> 8);
        b[p + 1] = (byte) sport;
        b[p + 2] = (byte) (dport >>> 8);
        b[p + 3] = (byte) dport;
        if (zone != 0) {
            b[p + 4] = (byte) (zone >>> 8);
            b[p + 5] = (byte) zone;
        }
        return b;
    }

    /** Wraps the binary form (the Kafka key bytes); validates its shape. */
    public static FlowKey fromBytes(byte[] b) {
        if (b == null || b.length < 2 || (b[1] != 4 && b[1] != 16)
                || (b.length != 2 + 2 * b[1] + 4 && b.length != 2 + 2 * b[1] + 6)) {
            throw new IllegalArgumentException("not a flow key: " + (b == null ? "null" : b.length + " bytes"));
        }
        if (b.length == 2 + 2 * b[1] + 6 && b[b.length - 2] == 0 && b[b.length - 1] == 0) {
            throw new IllegalArgumentException("not a flow key: zone 0 is written without a zone");
        }
        return new FlowKey(b.clone());
    }

    /**
     * Parses the text form, e.g. {@code tcp,10.244.1.3:8080,10.244.1.2:49502}, {@code icmp,10.0.0.2,10.0.0.1,id=7}
     * or, in another zone than 0, {@code udp,10.244.1.3:53,10.244.1.2:40000,zone=5}.
     */
    public static FlowKey parse(String text) {
        String[] parts = text.trim().split(",");
        int zone = 0;
        if (parts.length > 3 && parts[parts.length - 1].trim().startsWith("zone=")) {
            String z = parts[parts.length - 1].trim().substring(5);
            try {
                zone = Integer.parseInt(z);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad zone '" + z + "' in '" + text + "'");
            }
            parts = Arrays.copyOf(parts, parts.length - 1);
        }
        if (parts.length < 3 || parts.length > 4) {
            throw new IllegalArgumentException("flow key must look like tcp,10.244.1.3:8080,10.244.1.2:49502; got '" + text + "'");
        }
        int proto = Protocols.number(parts[0]);
        boolean ports = Protocols.hasPorts(proto);
        HostPort src = HostPort.parse(parts[1], ports);
        HostPort dst = HostPort.parse(parts[2], ports);
        int sport = src.port;
        int dport = dst.port;
        if (parts.length == 4) {
            if (!parts[3].startsWith("id=")) {
                throw new IllegalArgumentException("expected id=N in '" + text + "'");
            }
            sport = Integer.parseInt(parts[3].substring(3));
            dport = 0;
        }
        return of(proto, ByteBuffer.wrap(src.addr), ByteBuffer.wrap(dst.addr), sport, dport, zone);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** The binary form without copying; callers must not modify it. */
    public byte[] rawBytes() {
        return bytes;
    }

    public int protocolNumber() {
        return bytes[0] & 0xff;
    }

    /** Reply source (the backend, on a DNATed connection). */
    public byte[] replySrc() {
        return Arrays.copyOfRange(bytes, 2, 2 + bytes[1]);
    }

    /** Reply destination (the client, or the SNAT address). */
    public byte[] replyDst() {
        return Arrays.copyOfRange(bytes, 2 + bytes[1], 2 + 2 * bytes[1]);
    }

    public int replySrcPort() {
        int p = 2 + 2 * bytes[1];
        return ((bytes[p] & 0xff) << 8) | (bytes[p + 1] & 0xff);
    }

    public int replyDstPort() {
        int p = 2 + 2 * bytes[1] + 2;
        return ((bytes[p] & 0xff) << 8) | (bytes[p + 1] & 0xff);
    }

    /** The conntrack zone (0 when the entry had none). */
    public int zone() {
        int p = 2 + 2 * bytes[1] + 4;
        return bytes.length == p ? 0 : ((bytes[p] & 0xff) << 8) | (bytes[p + 1] & 0xff);
    }

    /** Text form; {@link #parse} reads it back. */
    public String text() {
        int proto = protocolNumber();
        String name = Protocols.name(proto);
        String zone = zone() == 0 ? "" : ",zone=" + zone();
        if (Protocols.isIcmp(proto)) {
            return name + "," + Addresses.format(replySrc()) + "," + Addresses.format(replyDst()) + ",id=" + replySrcPort() + zone;
        }
        if (Protocols.hasPorts(proto)) {
            return name + "," + Addresses.withPort(replySrc(), replySrcPort()) + "," + Addresses.withPort(replyDst(), replyDstPort()) + zone;
        }
        return name + "," + Addresses.format(replySrc()) + "," + Addresses.format(replyDst()) + zone;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return text();
    }

    private record HostPort(byte[] addr, int port) {
        static HostPort parse(String s, boolean withPort) {
            s = s.trim();
            if (!withPort) {
                return new HostPort(Addresses.parse(s.startsWith("[") ? s.substring(1, s.length() - 1) : s), 0);
            }
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("expected address:port, got '" + s + "'");
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return new HostPort(Addresses.parse(host), port);
        }
    }
}
