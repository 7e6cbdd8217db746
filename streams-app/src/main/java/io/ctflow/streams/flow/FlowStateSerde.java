package io.ctflow.streams.flow;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The flows store's value codec: a fixed, versioned binary layout written by hand. The flow state is
 * read and written on nearly every event, and Avro's generic writer and reader (schema walk,
 * resolution, boxing) were the largest cost in the app's profile. Numbers are varints (times as
 * deltas), enums are written as explicit codes (never ordinals; NAT kinds and protocol states declare theirs in
 * {@link NatKind} and {@link ConntrackState}), strings as length-prefixed
 * UTF-8. Only a view's evidence (kept while a view is unreplied, rare on a healthy node) stays Avro.
 *
 * <p>Layout v2: version, primary (view index), service, serviceAddress, counted flags, expireAt,
 * views; a view: node, conntrackId, origin, firstSeen, lastSeen, nat, origSrc, origDst, sport,
 * dport, replied, state (by code when known), timeout, destroyed, judgement, judgeAt, cause,
 * evidence. Times are deltas from the first view's firstSeen (a view's own times from its firstSeen).
 */
public final class FlowStateSerde implements Serde<FlowState> {
    static final byte VERSION = 2;
    private static final int COUNTED_REPLIED = 1;
    private static final int COUNTED_UNREPLIED = 2;
    private static final int COUNTED_END = 4;

    private final SpecificDatumWriter<ConntrackEvent> evidenceWriter = new SpecificDatumWriter<>(ConntrackEvent.class);
    private final SpecificDatumReader<ConntrackEvent> evidenceReader = new SpecificDatumReader<>(ConntrackEvent.class);
    private final ThreadLocal<FlowStateWriter> out = ThreadLocal.withInitial(FlowStateWriter::new);
    private final ThreadLocal<FlowStateReader.Repeats> repeats = ThreadLocal.withInitial(FlowStateReader.Repeats::create);

    @Override
    public Serializer<FlowState> serializer() {
        return (topic, st) -> st == null ? null : encode(st);
    }

    @Override
    public Deserializer<FlowState> deserializer() {
        return (topic, data) -> data == null ? null : decode(data);
    }

    byte[] encode(FlowState st) {
        FlowStateWriter o = out.get();
        o.reset();
        o.write(VERSION);
        o.varlong(primaryIndex(st)); // the primary is one of the views: its index, not its name again
        o.string(st.getService());
        o.string(st.getServiceAddress());
        o.write((st.getCountedReplied() ? COUNTED_REPLIED : 0) | (st.getCountedUnreplied() ? COUNTED_UNREPLIED : 0)
                | (st.getCountedEnd() ? COUNTED_END : 0));
        long base = st.getViews().isEmpty() ? 0 : st.getViews().get(0).getFirstSeen();
        o.varlong(st.getExpireAt() == 0 ? 0 : st.getExpireAt() - base + 1); // times as deltas: 2-4 bytes, not 8
        o.varlong(st.getViews().size());
        for (NodeView v : st.getViews()) {
            o.string(v.getNode());
            o.varlong(v.getConntrackId() == null ? 0 : v.getConntrackId() + 1);
            o.write(FlowStateCodes.code(v.getOrigin()));
            o.varlong(v == st.getViews().get(0) ? v.getFirstSeen() : v.getFirstSeen() - base);
            o.varlong(v.getLastSeen() - v.getFirstSeen());
            o.write(FlowStateCodes.code(v.getNat()));
            o.bytes(v.getOrigSrc());
            o.bytes(v.getOrigDst());
            o.varlong(v.getOrigSport());
            o.varlong(v.getOrigDport());
            o.varlong(v.getReplied() < 0 ? 0 : v.getReplied() - v.getFirstSeen() + 1);
            o.state(v.getState());
            o.varlong(v.getTimeout());
            o.write(v.getDestroyed() ? 1 : 0);
            o.write(FlowStateCodes.code(v.getJudgement()));
            o.varlong(v.getJudgeAt() == 0 ? 0 : v.getJudgeAt() - v.getFirstSeen() + 1);
            o.string(v.getCause());
            List<ConntrackEvent> ev = v.getEvidence();
            o.varlong(ev.size());
            for (ConntrackEvent e : ev) {
                o.avro(evidenceWriter, e);
            }
        }
        return o.toByteArray();
    }

    FlowState decode(byte[] data) {
        FlowStateReader in = new FlowStateReader(data, repeats.get());
        try {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new SerializationException("flows store: unknown flow state layout version " + version
                        + " (expected " + VERSION + "); reset the app's state (kafka-streams-application-reset) after an incompatible upgrade");
            }
            FlowState st = new FlowState();
            int primary = (int) in.varlong();
            st.setService(in.repeatedString());
            st.setServiceAddress(in.repeatedString());
            int counted = in.readByte();
            st.setCountedReplied((counted & COUNTED_REPLIED) != 0);
            st.setCountedUnreplied((counted & COUNTED_UNREPLIED) != 0);
            st.setCountedEnd((counted & COUNTED_END) != 0);
            long expireAt = in.varlong();
            int n = in.count();
            long base = 0;
            List<NodeView> views = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                NodeView v = new NodeView();
                v.setNode(in.repeatedString());
                long id = in.varlong();
                v.setConntrackId(id == 0 ? null : id - 1);
                v.setOrigin(FlowStateCodes.origin(in.readByte()));
                v.setFirstSeen(i == 0 ? in.varlong() : base + in.varlong());
                if (i == 0) {
                    base = v.getFirstSeen();
                }
                v.setLastSeen(v.getFirstSeen() + in.varlong());
                v.setNat(FlowStateCodes.nat(in.readByte()));
                v.setOrigSrc(in.address());
                v.setOrigDst(in.address());
                v.setOrigSport((int) in.varlong());
                v.setOrigDport((int) in.varlong());
                long replied = in.varlong();
                v.setReplied(replied == 0 ? -1 : v.getFirstSeen() + replied - 1);
                v.setState(in.state());
                v.setTimeout(in.varlong());
                v.setDestroyed(in.readByte() != 0);
                v.setJudgement(FlowStateCodes.judgement(in.readByte()));
                long judgeAt = in.varlong();
                v.setJudgeAt(judgeAt == 0 ? 0 : v.getFirstSeen() + judgeAt - 1);
                v.setCause(in.repeatedString());
                int ne = in.count();
                List<ConntrackEvent> ev = ne == 0 ? FlowViews.NO_EVIDENCE : new ArrayList<>(ne);
                for (int j = 0; j < ne; j++) {
                    ev.add(in.avro(evidenceReader));
                }
                v.setEvidence(ev);
                views.add(v);
            }
            st.setViews(views);
            st.setExpireAt(expireAt == 0 ? 0 : base + expireAt - 1);
            if (primary < -1 || primary >= n) {
                throw new SerializationException("flows store: bad primary view index " + primary);
            }
            st.setPrimary(primary < 0 ? null : views.get(primary).getNode());
            if (in.position() != data.length) {
                throw new SerializationException("flows store: " + (data.length - in.position()) + " trailing bytes after a flow state");
            }
            return st;
        } catch (ArrayIndexOutOfBoundsException | IOException e) {
            throw new SerializationException("flows store: truncated or corrupt flow state (" + data.length + " bytes)", e);
        }
    }

    private static int primaryIndex(FlowState st) {
        if (st.getPrimary() == null) {
            return -1;
        }
        List<NodeView> views = st.getViews();
        for (int i = 0; i < views.size(); i++) {
            if (views.get(i).getNode().equals(st.getPrimary())) {
                return i;
            }
        }
        throw new SerializationException("flow state names primary " + st.getPrimary() + " but has no view of it");
    }

}
