package io.ctflow.collector.publish;

import io.ctflow.collector.parse.ConntrackEntry;
import io.ctflow.flow.FlowKey;

/**
 * The Kafka key of a parsed line: the binary {@link FlowKey} of the event it becomes, written
 * straight from the parse (no event, no buffers, no key object: the key is only sent).
 * {@code EventKeysTest} proves it equal to {@code FlowKey.of(event).rawBytes()}.
 */
final class EventKeys {
    private EventKeys() {}

    /** {@code FlowKey.of(entry.toEvent(s)).rawBytes()}: the ports as the event would have them, laid out by {@link FlowKey#bytes}. */
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
        int alen = r.addressLength();
        return FlowKey.bytes(entry.protocolNumber(), r.src(), 0, alen, r.dst(), 0, alen, sport, dport, entry.zone());
    }
}
