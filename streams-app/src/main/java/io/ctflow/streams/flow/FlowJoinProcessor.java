package io.ctflow.streams.flow;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.Tuple;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.FlowUpdate;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.avro.internal.UpdateKind;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.Protocols;
import io.ctflow.net.Addresses;
import io.ctflow.streams.StoreNames;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The flow join: keeps every node's view of one connection (all share the flow key, so they are on
 * this partition), judges NATed entries that stay unreplied past the reply timeout, and tells the
 * per-Service stats what happened to each connection once, however many nodes saw it.
 *
 * <p>Time is event time only: timers fire when stream time minus the grace passes their deadline,
 * checked before each record and on stream-time punctuation, so a replay produces exactly what the
 * live run did. Outputs: {@link NatAnomaly} keyed {@code flowkey@node}, and {@link FlowUpdate} keyed
 * by Service id (TICKs, keyed "", carry this partition's watermark to every stats partition).
 */
public final class FlowJoinProcessor implements Processor<FlowKey, ConntrackEvent, String, SpecificRecord> {
    static final int MAX_EVIDENCE = 6;
    private static final int MAX_DUE_PER_PASS = 10_000;
    private static final int RECENT_FLOWS = 4096;
    private static final int REPLIED = 2;
    private static final int UNREPLIED = 4;
    private static final int END = 8;
    private static final int JUDGED_NONE = 3;
    private static final int DEFERRED = 4;

    private final ReplyTimeout timeout;
    private final CauseClassifier classifier;
    private final long graceMicros;
    private final long lingerMicros;

    private ProcessorContext<String, SpecificRecord> ctx;
    private KeyValueStore<FlowKey, FlowState> flows;
    private DeadlineIndex deadlines;
    private KeyValueStore<String, NatAnomaly> anomalies;
    private KeyValueStore<String, ServiceEntry> services;
    private KeyValueStore<String, NodeFacts> facts;
    private KeyValueStore<String, Long> gaps;
    private long lastTick = Long.MIN_VALUE;
    // The one connection update this event makes (NEW, STATE or REPLIED, carrying the first reply):
    // one repartition record and one stats update per event instead of up to two.
    private FlowUpdate pending;
    // Decoded states of the flows touched last: a connection's events come close together, and
    // decoding its state on each of them cost more than the join. The store stays the truth: every
    // change is written to it at once (changelog, exactly-once unaffected).
    private final Map<FlowKey, FlowState> recent = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<FlowKey, FlowState> eldest) {
            return size() > RECENT_FLOWS;
        }
    };
    // Event time of this processor's own input: the task's stream time may also count other sources.
    private long maxEventTime = Long.MIN_VALUE;
    private int partition;

    public FlowJoinProcessor(ReplyTimeout timeout, Duration grace, Duration linger, Set<String> requestResponseUdp) {
        this.timeout = timeout;
        this.classifier = new CauseClassifier(requestResponseUdp);
        this.graceMicros = grace.toNanos() / 1000;
        this.lingerMicros = linger.toNanos() / 1000;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.ctx = context;
        this.flows = context.getStateStore(StoreNames.FLOWS);
        KeyValueStore<Bytes, byte[]> d = context.getStateStore(StoreNames.FLOW_DEADLINES);
        this.deadlines = new DeadlineIndex(d);
        this.anomalies = context.getStateStore(StoreNames.ANOMALIES);
        this.services = context.getStateStore(StoreNames.SERVICES_GLOBAL);
        this.facts = context.getStateStore(StoreNames.NODE_FACTS_GLOBAL);
        this.gaps = context.getStateStore(StoreNames.NODE_GAPS);
        this.partition = context.taskId().partition();
        context.schedule(Duration.ofMillis(250), PunctuationType.STREAM_TIME, this::punctuate);
    }

    @Override
    public void process(Record<FlowKey, ConntrackEvent> record) {
        ConntrackEvent e = record.value();
        if (e == null) {
            return;
        }
        long ts = micros(e.getTimestamp());
        // Timers due before this record's time fire first, as they would have live.
        maxEventTime = Math.max(maxEventTime, ts);
        fireDue(maxEventTime - graceMicros);
        EventType type = e.getType();
        if (type == EventType.GAP) {
            gaps.put(e.getNode(), ts);
            return;
        }
        if (type == EventType.HEARTBEAT || type == EventType.UNKNOWN || e.getOriginal() == null || e.getReply() == null) {
            return;
        }
        FlowKey key = record.key() != null ? record.key() : FlowKey.of(e);
        pending = null;
        FlowState st = load(key);
        if (st == null) {
            st = new FlowState(new ArrayList<>(), null, null, null, 0, 0L);
        }
        String node = e.getNode();
        boolean unreplied = e.getFlags().contains(StatusFlag.UNREPLIED);
        NodeView v = view(st, node);
        boolean created = v == null;
        if (created) {
            v = newView(e, ts);
            st.getViews().add(v);
            NatKind nat = NatKind.ofOrdinal(v.getNat());
            if (nat.natted() && unreplied) {
                deadlines.add(ts + timeout.micros(e.getProtocolNumber()), DeadlineIndex.Kind.REPLY, key, node);
            }
            if (nat.dnat() && st.getPrimary() == null) {
                st.setPrimary(node);
                String addr = serviceAddress(key.protocolNumber(), v);
                ServiceEntry svc = services.get(serviceKey(key.protocolNumber(), v));
                st.setService(svc != null ? svc.getId() : addr);
                st.setServiceAddress(addr);
                pending = update(UpdateKind.NEW, ts, st);
                pending.setFresh(type != EventType.SNAPSHOT);
                pending.setClient(copy(v.getOrigSrc()));
                pending.setBackend(Addresses.withPort(key.replySrc(), key.replySrcPort()));
                pending.setToState(stateName(e.getState()));
            }
        }
        boolean primary = node.equals(st.getPrimary());
        String prevState = v.getState();
        v.setLastSeen(Math.max(v.getLastSeen(), ts));
        if (e.getTimeout() != null) {
            v.setTimeout(e.getTimeout());
        }
        if (e.getState() != null) {
            v.setState(e.getState());
        }
        if (!unreplied && v.getReplied() < 0) {
            onReply(key, st, v, ts, primary, type);
        } else if (unreplied && v.getReplied() < 0 && v.getNat() != 0) {
            addEvidence(v, e);
        }
        if (primary && !created && !v.getDestroyed() && !Objects.equals(prevState, v.getState())) {
            if (pending == null) {
                pending = update(UpdateKind.STATE, ts, st);
            }
            pending.setKind(UpdateKind.STATE);
            pending.setFromState(stateName(prevState));
            pending.setToState(stateName(v.getState()));
        }
        if (pending != null) {
            emit(st.getService(), pending);
        }
        if (type == EventType.DESTROY && !v.getDestroyed()) {
            v.setDestroyed(true);
            if (primary && (st.getCounted() & END) == 0) {
                st.setCounted(st.getCounted() | END);
                FlowUpdate u = update(UpdateKind.END, ts, st);
                u.setFromState(stateName(v.getState()));
                emit(st.getService(), u);
            }
            if (v.getNat() != 0 && v.getReplied() < 0 && (v.getAnomaly() == 0 || v.getAnomaly() == DEFERRED)) {
                judge(key, st, v, ts, false); // destroyed while still unreplied: judge now
            }
        }
        scheduleExpiry(key, st);
        save(key, st);
    }

    private void onReply(FlowKey key, FlowState st, NodeView v, long ts, boolean primary, EventType type) {
        v.setReplied(ts);
        v.getEvidence().clear(); // a replied view needs no evidence: keeps healthy flows small
        if (primary && (st.getCounted() & REPLIED) == 0) {
            st.setCounted(st.getCounted() | REPLIED);
            if (pending == null) {
                pending = update(UpdateKind.REPLIED, ts, st);
            }
            pending.setReplied(true);
            pending.setLatency(type == EventType.SNAPSHOT ? -1 : ts - v.getFirstSeen());
        }
        if (v.getAnomaly() == 1) {
            v.setAnomaly(2);
            String akey = anomalyKey(key, v.getNode());
            NatAnomaly open = anomalies.get(akey);
            if (open != null) {
                NatAnomaly resolved = NatAnomaly.newBuilder(open).setStatus(AnomalyStatus.RESOLVED)
                        .setDetectedAt(instant(ts)).setDetail(open.getDetail() + "; reply seen at " + instant(ts)).build();
                anomalies.put(akey, resolved);
                ctx.forward(new Record<>(akey, resolved, ts / 1000));
            }
        }
    }

    private void punctuate(long streamTimeMs) {
        if (maxEventTime == Long.MIN_VALUE) {
            return;
        }
        long wm = maxEventTime - graceMicros;
        fireDue(wm);
        if (wm > lastTick) {
            lastTick = wm;
            FlowUpdate tick = FlowUpdate.newBuilder().setKind(UpdateKind.TICK).setTime(wm).setSource(partition).build();
            ctx.forward(new Record<>("", tick, Math.max(0, wm / 1000)));
        }
    }

    private void fireDue(long watermarkMicros) {
        List<DeadlineIndex.Due> due;
        do {
            due = deadlines.pollDue(watermarkMicros, MAX_DUE_PER_PASS);
            for (DeadlineIndex.Due d : due) {
                FlowState st = load(d.flow());
                if (st == null) {
                    continue;
                }
                if (d.kind() == DeadlineIndex.Kind.REPLY) {
                    NodeView v = view(st, d.node());
                    if (v != null && v.getReplied() < 0 && (v.getAnomaly() == 0 || v.getAnomaly() == DEFERRED)) {
                        judge(d.flow(), st, v, d.at(), true);
                        save(d.flow(), st);
                    }
                } else {
                    expire(d.flow(), st, d.at());
                }
            }
        } while (due.size() == MAX_DUE_PER_PASS);
    }

    /** Judges one node's unreplied NATed entry at event time {@code at}. */
    private void judge(FlowKey key, FlowState st, NodeView v, long at, boolean byTimer) {
        Long gap = gaps.get(v.getNode());
        if (byTimer && v.getAnomaly() == 0 && gap != null && gap >= v.getFirstSeen() && gap <= at) {
            // The node lost events meanwhile: the reply may be in the hole. Wait one more timeout for the snapshot.
            v.setAnomaly(DEFERRED);
            deadlines.add(at + timeout.micros(key.protocolNumber()), DeadlineIndex.Kind.REPLY, key, v.getNode());
            return;
        }
        boolean primary = v.getNode().equals(st.getPrimary());
        if (primary && (st.getCounted() & UNREPLIED) == 0) {
            st.setCounted(st.getCounted() | UNREPLIED);
            emit(st.getService(), update(UpdateKind.UNREPLIED, at, st));
        }
        ServiceEntry svc = NatKind.ofOrdinal(v.getNat()).dnat() ? services.get(serviceKey(key.protocolNumber(), v)) : null;
        CauseClassifier.Verdict verdict = classifier.classify(key, v, st.getViews(), facts.get(v.getNode()), svc);
        if (!verdict.raise()) {
            v.setAnomaly(JUDGED_NONE);
            return;
        }
        v.setAnomaly(1);
        v.setCause(verdict.cause().name());
        String akey = anomalyKey(key, v.getNode());
        NatAnomaly a = anomaly(key, st, v, svc, verdict, at, byTimer);
        anomalies.put(akey, a);
        ctx.forward(new Record<>(akey, a, at / 1000));
        if (st.getService() != null) {
            FlowUpdate u = update(UpdateKind.INCOMPLETE, at, st);
            u.setCause(verdict.cause().name());
            emit(st.getService(), u);
        }
    }

    private NatAnomaly anomaly(FlowKey key, FlowState st, NodeView v, ServiceEntry svc, CauseClassifier.Verdict verdict,
                               long at, boolean byTimer) {
        int proto = key.protocolNumber();
        String client = endpoint(proto, Addresses.bytes(v.getOrigSrc()), v.getOrigSport());
        String serviceAddress = endpoint(proto, Addresses.bytes(v.getOrigDst()), v.getOrigDport());
        String backend = endpoint(proto, key.replySrc(), key.replySrcPort());
        String service = svc != null ? svc.getId() : serviceAddress(proto, v);
        List<ConntrackEvent> evidence = new ArrayList<>();
        st.getViews().forEach(x -> evidence.addAll(x.getEvidence()));
        evidence.sort(Comparator.comparing(ConntrackEvent::getTimestamp));
        String why = byTimer
                ? "no reply within " + (timeout.micros(proto) / 1000) + " ms"
                : "destroyed without a reply";
        String detail = Protocols.name(proto) + " " + client + " -> " + serviceAddress + " NATed to " + backend
                + " on " + v.getNode() + ": " + why;
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
                .build();
    }

    private void scheduleExpiry(FlowKey key, FlowState st) {
        long expiry = expiry(st);
        // Moving a timer costs a delete and a put: do it only to forget a finished flow sooner. A
        // shorter conntrack timeout on an UPDATE is left to the lazy re-check in expire().
        if (st.getExpireAt() == 0 || (allDestroyed(st) && expiry < st.getExpireAt())) {
            if (st.getExpireAt() != 0) {
                deadlines.remove(st.getExpireAt(), DeadlineIndex.Kind.EXPIRE, key, null);
            }
            deadlines.add(expiry, DeadlineIndex.Kind.EXPIRE, key, null);
            st.setExpireAt(expiry);
        }
    }

    /** When the flow can be forgotten: a while after every view is destroyed, or after its entries would have timed out. */
    private long expiry(FlowState st) {
        long last = 0;
        long maxTimeout = 0;
        for (NodeView v : st.getViews()) {
            last = Math.max(last, v.getLastSeen());
            maxTimeout = Math.max(maxTimeout, v.getTimeout());
        }
        return allDestroyed(st) ? last + lingerMicros : last + maxTimeout * 1_000_000 + lingerMicros;
    }

    private static boolean allDestroyed(FlowState st) {
        for (NodeView v : st.getViews()) {
            if (!v.getDestroyed()) {
                return false;
            }
        }
        return true;
    }

    private void expire(FlowKey key, FlowState st, long at) {
        st.setExpireAt(0);
        long expiry = expiry(st);
        if (expiry > at) {
            scheduleExpiry(key, st);
            save(key, st);
            return;
        }
        if (st.getPrimary() != null && (st.getCounted() & END) == 0) {
            NodeView p = view(st, st.getPrimary());
            FlowUpdate u = update(UpdateKind.END, at, st);
            u.setFromState(stateName(p == null ? null : p.getState()));
            emit(st.getService(), u);
        }
        forget(key);
    }

    private FlowState load(FlowKey key) {
        FlowState st = recent.get(key);
        if (st == null) {
            st = flows.get(key);
            if (st != null) {
                recent.put(key, st);
            }
        }
        return st;
    }

    private void save(FlowKey key, FlowState st) {
        flows.put(key, st);
        recent.put(key, st);
    }

    private void forget(FlowKey key) {
        flows.delete(key);
        recent.remove(key);
    }

    private void emit(String service, FlowUpdate u) {
        ctx.forward(new Record<>(service, u, u.getTime() / 1000));
    }

    private static FlowUpdate update(UpdateKind kind, long time, FlowState st) {
        return FlowUpdate.newBuilder().setKind(kind).setTime(time)
                .setServiceAddress(st.getServiceAddress() == null ? "" : st.getServiceAddress()).build();
    }

    private static NodeView newView(ConntrackEvent e, long ts) {
        Tuple o = e.getOriginal();
        NatKind nat = NatKind.of(o, e.getReply());
        boolean icmp = o.getIcmpId() != null;
        return NodeView.newBuilder()
                .setNode(e.getNode())
                .setFirstSeen(ts)
                .setLastSeen(ts)
                .setNat(nat.ordinal())
                .setOrigSrc(o.getSrc())
                .setOrigDst(o.getDst())
                .setOrigSport(icmp ? o.getIcmpId() : o.getSrcPort() == null ? 0 : o.getSrcPort())
                .setOrigDport(icmp ? 0 : o.getDstPort() == null ? 0 : o.getDstPort())
                .setReplied(-1)
                .setState(e.getState())
                .setTimeout(e.getTimeout() == null ? 0 : e.getTimeout())
                .setDestroyed(false)
                .setAnomaly(0)
                .setCause(null)
                .setEvidence(new ArrayList<>())
                .build();
    }

    private static void addEvidence(NodeView v, ConntrackEvent e) {
        List<ConntrackEvent> ev = v.getEvidence();
        if (ev.size() >= MAX_EVIDENCE) {
            ev.remove(ev.size() - 1); // keep the first ones and the latest
        }
        ev.add(e);
    }

    private static NodeView view(FlowState st, String node) {
        for (NodeView v : st.getViews()) {
            if (v.getNode().equals(node)) {
                return v;
            }
        }
        return null;
    }

    /** Key of ctflow.services: proto/vip:port. */
    static String serviceKey(int proto, NodeView v) {
        return Protocols.name(proto) + "/" + Addresses.withPort(Addresses.bytes(v.getOrigDst()), v.getOrigDport());
    }

    /** Default Service id when ctflow.services does not know the address: vip:port/proto. */
    static String serviceAddress(int proto, NodeView v) {
        return Addresses.withPort(Addresses.bytes(v.getOrigDst()), v.getOrigDport()) + "/" + Protocols.name(proto);
    }

    public static String anomalyKey(FlowKey key, String node) {
        return key.text() + "@" + node;
    }

    private static String endpoint(int proto, byte[] addr, int port) {
        return Protocols.hasPorts(proto) ? Addresses.withPort(addr, port) : Addresses.format(addr);
    }

    static String stateName(String s) {
        return s == null ? "NONE" : s;
    }

    private static ByteBuffer copy(ByteBuffer b) {
        return ByteBuffer.wrap(Addresses.bytes(b));
    }

    static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000 + i.getNano() / 1000;
    }

    static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000);
    }
}
