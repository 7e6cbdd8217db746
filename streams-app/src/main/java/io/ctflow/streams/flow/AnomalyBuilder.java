package io.ctflow.streams.flow;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.Protocols;
import io.ctflow.net.Addresses;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Builds the {@link NatAnomaly} records of the flow join: a raised incomplete NAT, and its resolution by a late reply. */
final class AnomalyBuilder {
    /** What ended the wait for a reply. */
    enum Trigger { REPLY_TIMEOUT, DESTROYED, EXPIRED }

    private final ReplyTimeout timeout;

    AnomalyBuilder(ReplyTimeout timeout) {
        this.timeout = timeout;
    }

    /** The anomaly of node view {@code v}, judged at event time {@code at}. */
    NatAnomaly raised(FlowKey key, FlowState st, NodeView v, ServiceEntry svc, CauseClassifier.Verdict verdict, long at, Trigger trigger) {
        int proto = key.protocolNumber();
        String client = endpoint(proto, Addresses.bytes(v.getOrigSrc()), v.getOrigSport());
        String serviceAddress = endpoint(proto, Addresses.bytes(v.getOrigDst()), v.getOrigDport());
        String backend = endpoint(proto, key.replySrc(), key.replySrcPort());
        String service = svc != null ? svc.getId() : FlowViews.serviceAddress(proto, v);
        List<ConntrackEvent> evidence = new ArrayList<>();
        st.getViews().forEach(x -> evidence.addAll(x.getEvidence()));
        evidence.sort(Comparator.comparing(ConntrackEvent::getTimestamp));
        String why = switch (trigger) {
            case REPLY_TIMEOUT -> "no reply within " + (timeout.micros(proto) / 1000) + " ms";
            case DESTROYED -> "destroyed without a reply";
            case EXPIRED -> "no reply seen before its entry expired";
        };
        String detail = Protocols.name(proto) + " " + client + " -> " + serviceAddress + " NATed to " + backend
                + " on " + v.getNode() + (key.zone() == 0 ? "" : " in conntrack zone " + key.zone()) + ": " + why;
        return NatAnomaly.newBuilder()
                .setType(AnomalyType.INCOMPLETE_NAT)
                .setStatus(AnomalyStatus.OPEN)
                .setNode(v.getNode())
                .setProtocol(Protocols.of(proto))
                .setClient(client)
                .setService(service)
                .setServiceAddress(serviceAddress)
                .setBackend(backend)
                .setCause(verdict.cause())
                .setHint(verdict.hint())
                .setFirstSeen(instant(v.getFirstSeen()))
                .setDetectedAt(instant(at))
                .setFlowKey(key.text())
                .setDetail(detail)
                .setEvidence(evidence)
                .setFacts(verdict.facts())
                .setZone(key.zone() == 0 ? null : key.zone())
                .build();
    }

    /** The same anomaly, closed by a reply seen at {@code at}. */
    static NatAnomaly resolved(NatAnomaly open, long at) {
        return NatAnomaly.newBuilder(open).setStatus(AnomalyStatus.RESOLVED)
                .setDetectedAt(instant(at)).setDetail(open.getDetail() + "; reply seen at " + instant(at)).build();
    }

    public static String key(FlowKey key, String node) {
        return key.text() + "@" + node;
    }

    private static String endpoint(int proto, byte[] addr, int port) {
        return Protocols.hasPorts(proto) ? Addresses.withPort(addr, port) : Addresses.format(addr);
    }

    static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000);
    }
}
