package io.ctflow.collector.publish;

import io.ctflow.collector.parse.ConntrackEntry;
import io.ctflow.flow.FlowKey;
import java.nio.ByteBuffer;

/**
 * The Kafka key of a parsed line: the binary {@link FlowKey} of the event it becomes, written
 * straight from the parse (no event, no buffers, no key object: the key is only sent).
 * {@code EventKeysTest} proves it equal to {@code FlowKey.of(event).rawBytes()}.
 */
final class EventKeys {
    private EventKeys() {}

    /** {@code FlowKey.of(entry.toEvent(s)).rawBytes()}; the same layout and the same range checks. */
    static byte[] flowKey(ConntrackEntry entry) {
        ConntrackEntry.Side r = entry.reply();
        int sport;
        int dport;
        if (r.icmpId() >= 0) {
            sport = r.icmpId();
            dport = 0;
        } else {
            sport = Math.max(0, r.srcPort());
            dport = Math.max(0, r.dstPort());
        }
        int proto = entry.protocolNumber();
        int zone = entry.zone();
        byte[] src = r.src();
        byte[] dst = r.dst();
        int alen = r.addressLength();
        if (proto < 0 || proto > 255 || sport > 0xffff || dport > 0xffff || zone > 0xffff || (alen != 4 && alen != 16)) {
            // what FlowKey refuses (the parser never makes it): its own error
            return FlowKey.of(proto, ByteBuffer.wrap(src, 0, alen), ByteBuffer.wrap(dst, 0, alen), sport, dport, zone).rawBytes();
        }
        byte[] b = new byte[2 + 2 * alen + 4 + (zone == 0 ? 0 : 2)];
        b[0] = (byte) proto;
        b[1] = (byte) alen;
        System.arraycopy(src, 0, b, 2, alen);
        System.arraycopy(dst, 0, b, 2 + alen, alen);
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
}
