package io.ctflow.collector.parse;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.L3Protocol;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.Tuple;
import io.ctflow.flow.Protocols;
import io.ctflow.net.Addresses;
import java.time.Instant;

/**
 * Writes an event back as the line {@code conntrack -E -o timestamp,id,extended} would print for it,
 * for tests: what the parser accepted must read back to the same event.
 */
final class ConntrackLineRenderer {
    private ConntrackLineRenderer() {}

    static String render(ConntrackEvent e) {
        StringBuilder sb = new StringBuilder(256);
        Instant t = e.getTimestamp();
        sb.append('[').append(t.getEpochSecond()).append('.').append(t.getNano() / 1000).append("]\t");
        if (e.getType() != EventType.SNAPSHOT) {
            sb.append('[').append(e.getType()).append("] ");
        }
        if (e.getL3() == L3Protocol.IPV4) {
            sb.append("ipv4 2 ");
        } else if (e.getL3() == L3Protocol.IPV6) {
            sb.append("ipv6 10 ");
        }
        sb.append(e.getProtocol() == Protocol.OTHER ? "unknown" : Protocols.name(e.getProtocol())).append(' ').append(e.getProtocolNumber());
        if (e.getTimeout() != null) {
            sb.append(' ').append(e.getTimeout());
        }
        if (e.getState() != null) {
            sb.append(' ').append(e.getState());
        }
        tuple(sb, e.getOriginal(), e.getProtocol());
        tuple(sb, e.getReply(), e.getProtocol());
        for (StatusFlag f : e.getFlags()) {
            sb.append(" [").append(f).append(']');
        }
        sb.append(" mark=").append(e.getMark());
        if (e.getSecctx() != null) {
            sb.append(" secctx=").append(e.getSecctx());
        }
        sb.append(" zone=").append(e.getZone());
        if (e.getUse() != null) {
            sb.append(" use=").append(e.getUse());
        }
        if (e.getConntrackId() != null) {
            sb.append(" id=").append(e.getConntrackId());
        }
        if (e.getLabels() != null) {
            sb.append(" labels=").append(e.getLabels());
        }
        return sb.toString();
    }

    private static void tuple(StringBuilder sb, Tuple t, Protocol p) {
        sb.append(" src=").append(Addresses.format(t.getSrc())).append(" dst=").append(Addresses.format(t.getDst()));
        if (p == Protocol.GRE) {
            appendHex(sb, " srckey=", t.getSrcPort());
            appendHex(sb, " dstkey=", t.getDstPort());
        } else {
            append(sb, " sport=", t.getSrcPort());
            append(sb, " dport=", t.getDstPort());
        }
        append(sb, " type=", t.getIcmpType());
        append(sb, " code=", t.getIcmpCode());
        append(sb, " id=", t.getIcmpId());
        append(sb, " packets=", t.getPackets());
        append(sb, " bytes=", t.getBytes());
    }

    private static void append(StringBuilder sb, String key, Object v) {
        if (v != null) {
            sb.append(key).append(v);
        }
    }

    private static void appendHex(StringBuilder sb, String key, Integer v) {
        if (v != null) {
            sb.append(key).append("0x").append(Integer.toHexString(v));
        }
    }
}
