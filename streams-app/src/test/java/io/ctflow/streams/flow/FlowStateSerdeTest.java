package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.Tuple;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.Judgement;
import io.ctflow.avro.internal.NatType;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.avro.internal.ViewOrigin;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class FlowStateSerdeTest {
    final FlowStateSerde serde = new FlowStateSerde();

    static FlowState random(SplittableRandom r) {
        List<NodeView> views = new ArrayList<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            long first = 1_700_000_000_000_000L + r.nextLong(1L << 40);
            List<ConntrackEvent> ev = new ArrayList<>();
            for (int j = r.nextInt(3); j > 0; j--) {
                ev.add(event(r));
            }
            views.add(NodeView.newBuilder()
                    .setNode("node-" + r.nextInt(1000) + (r.nextBoolean() ? "-ü" : ""))
                    .setConntrackId(r.nextBoolean() ? null : r.nextLong(1L << 32))
                    .setOrigin(ViewOrigin.values()[r.nextInt(3)])
                    .setFirstSeen(first).setLastSeen(first + r.nextLong(1L << 30))
                    .setNat(NatType.values()[r.nextInt(4)])
                    .setOrigSrc(ByteBuffer.wrap(addr(r))).setOrigDst(ByteBuffer.wrap(addr(r)))
                    .setOrigSport(r.nextInt(65536)).setOrigDport(r.nextInt(65536))
                    .setReplied(r.nextBoolean() ? -1 : first + r.nextInt(1_000_000))
                    .setState(switch (r.nextInt(3)) { case 0 -> null; case 1 -> "ESTABLISHED"; default -> "SOME_NEW_STATE"; })
                    .setTimeout(r.nextInt(432_001))
                    .setDestroyed(r.nextBoolean())
                    .setJudgement(Judgement.values()[r.nextInt(5)])
                    .setJudgeAt(r.nextBoolean() ? 0 : first + 3_000_000)
                    .setCause(r.nextBoolean() ? null : "NO_REPLY")
                    .setEvidence(ev).build());
        }
        return FlowState.newBuilder().setViews(views)
                .setPrimary(views.isEmpty() || r.nextBoolean() ? null : views.get(r.nextInt(views.size())).getNode()).setService(r.nextBoolean() ? null : "default/web:http")
                .setServiceAddress(r.nextBoolean() ? null : "10.96.0.10:80/tcp")
                .setCountedReplied(r.nextBoolean()).setCountedUnreplied(r.nextBoolean()).setCountedEnd(r.nextBoolean())
                .setExpireAt(r.nextBoolean() ? 0 : r.nextLong(Long.MAX_VALUE)).build();
    }

    static byte[] addr(SplittableRandom r) {
        byte[] a = new byte[r.nextBoolean() ? 4 : 16];
        r.nextBytes(a);
        return a;
    }

    static ConntrackEvent event(SplittableRandom r) {
        Tuple t = Tuple.newBuilder().setSrc(ByteBuffer.wrap(new byte[] {10, 0, 0, 1})).setDst(ByteBuffer.wrap(new byte[] {10, 0, 0, 2}))
                .setSrcPort(r.nextInt(65536)).setDstPort(80).build();
        return ConntrackEvent.newBuilder().setNode("node1").setType(EventType.NEW).setTimestamp(Instant.ofEpochSecond(1_700_000_000, 123_000))
                .setOriginal(t).setReply(t).setState("SYN_SENT").setTimeout(120L).build();
    }

    @Test
    void everyStateRoundTrips() {
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < 5_000; i++) {
            FlowState st = random(r);
            assertEquals(st, serde.deserializer().deserialize("t", serde.serializer().serialize("t", st)));
        }
    }

    @Test
    void aTypicalOpenFlowIsSmall() {
        NodeView v = NodeView.newBuilder().setNode("node-001").setConntrackId(3_000_000_000L).setOrigin(ViewOrigin.EVENT)
                .setFirstSeen(1_795_711_669_996_532L).setLastSeen(1_795_711_669_998_000L).setNat(NatType.DNAT)
                .setOrigSrc(ByteBuffer.wrap(new byte[] {10, 64, 1, 2})).setOrigDst(ByteBuffer.wrap(new byte[] {10, 96, 0, 10}))
                .setOrigSport(49502).setOrigDport(80).setReplied(1_795_711_669_997_000L).setState("ESTABLISHED").setTimeout(432000)
                .setDestroyed(false).setJudgement(Judgement.PENDING).setJudgeAt(1_795_711_672_996_532L).setCause(null).setEvidence(List.of()).build();
        FlowState st = FlowState.newBuilder().setViews(new ArrayList<>(List.of(v))).setPrimary("node-001").setService("default/web:http")
                .setServiceAddress("10.96.0.10:80/tcp").setCountedReplied(true).setExpireAt(1_795_711_909_996_532L).build();
        int size = serde.serializer().serialize("t", st).length;
        assertTrue(size <= 100, "bytes per one-node flow: " + size);
    }

    @Test
    void decodedFlowsShareTheirNodeNamesServicesAndAddresses() {
        FlowState st = random(new SplittableRandom(11));
        while (st.getViews().isEmpty() || st.getService() == null || st.getServiceAddress() == null) {
            st = random(new SplittableRandom(st.hashCode()));
        }
        byte[] bytes = serde.serializer().serialize("t", st);
        FlowState a = serde.deserializer().deserialize("t", bytes);
        FlowState b = serde.deserializer().deserialize("t", bytes.clone());
        assertEquals(a, b);
        assertSame(a.getService(), b.getService());
        assertSame(a.getServiceAddress(), b.getServiceAddress());
        assertSame(a.getViews().get(0).getNode(), b.getViews().get(0).getNode());
        assertSame(a.getViews().get(0).getOrigSrc(), b.getViews().get(0).getOrigSrc());
        assertSame(a.getViews().get(0).getOrigDst(), b.getViews().get(0).getOrigDst());
        assertEquals(0, a.getViews().get(0).getOrigDst().position());
    }

    @Test
    void aDecodedViewWithoutEvidenceHoldsTheSharedEmptyList() {
        FlowState st = FlowViews.newFlow(0);
        st.getViews().add(FlowViews.newView(event(new SplittableRandom(1)), 1_700_000_000_000_000L, ViewOrigin.EVENT));
        NodeView withEvidence = FlowViews.newView(event(new SplittableRandom(2)), 1_700_000_000_000_000L, ViewOrigin.EVENT);
        withEvidence.setNode("node2");
        FlowViews.addEvidence(withEvidence, event(new SplittableRandom(3)));
        st.getViews().add(withEvidence);
        FlowState back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", st));
        assertEquals(st, back);
        assertSame(FlowViews.NO_EVIDENCE, back.getViews().get(0).getEvidence());
        FlowViews.addEvidence(back.getViews().get(1), event(new SplittableRandom(4)));
        assertEquals(2, back.getViews().get(1).getEvidence().size());
    }

    @Test
    void unknownVersionsAndDamagedBytesAreRefusedClearly() {
        FlowState st = random(new SplittableRandom(7));
        byte[] good = serde.serializer().serialize("t", st);
        byte[] v1 = good.clone();
        v1[0] = 1;
        SerializationException e = assertThrows(SerializationException.class, () -> serde.deserializer().deserialize("t", v1));
        assertTrue(e.getMessage().contains("version 1"), e.getMessage());
        for (int cut = 1; cut < good.length; cut++) {
            byte[] part = Arrays.copyOf(good, cut);
            assertThrows(SerializationException.class, () -> serde.deserializer().deserialize("t", part), "cut at " + cut);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThrows(SerializationException.class, () -> serde.deserializer().deserialize("t", longer));
    }
}
