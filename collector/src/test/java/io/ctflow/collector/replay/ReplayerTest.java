package io.ctflow.collector.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.testing.RecordingSink;
import io.ctflow.testing.Captures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayerTest {
    @Test
    void factsAndServicesFirstThenStatsThenEventsInTimeOrderWithHeartbeats() throws Exception {
        Capture capture = Capture.open(Captures.scenario("hairpin"));
        RecordingSink sink = new RecordingSink(6);
        Replayer.Result r = Replayer.replay(capture, sink, Replayer.Options.defaults());

        List<Object> all = sink.all();
        assertTrue(all.get(0) instanceof NodeFacts && all.get(1) instanceof NodeFacts);
        for (int i = 2; i < 6; i++) {
            assertTrue(all.get(i) instanceof ServiceEntry, "services after facts: " + all.get(i));
        }
        for (int i = 6; i < 10; i++) {
            assertTrue(all.get(i) instanceof NodeStats, "then stats: " + all.get(i));
        }
        assertEquals(16, r.events());
        assertEquals(2, r.facts());
        assertEquals(4, r.services());
        assertEquals(4, r.stats());
        assertEquals(0, r.deadLetters());

        // Time never goes backwards over events and heartbeats together.
        Instant last = Instant.EPOCH;
        for (Object o : all.subList(10, all.size())) {
            Instant t = o instanceof ConntrackEvent e ? e.getTimestamp() : ((RecordingSink.Marker) o).time();
            assertFalse(t.isBefore(last), "time went back at " + o);
            last = t;
        }
        List<RecordingSink.Marker> beats = sink.markers(EventType.HEARTBEAT);
        assertEquals(r.heartbeats(), beats.size());
        assertEquals(r.heartbeats() * 6, r.heartbeatRecords());
        Instant end = capture.end();
        Instant closing = end.plusSeconds(30);
        assertEquals(closing, r.finalHeartbeat());
        assertEquals(2, beats.stream().filter(b -> b.time().equals(closing)).count(), "one closing heartbeat per node");
        // node1 runs from 1795711722.99 to the end (~24.4 s): whole seconds 1795711723..1795711747
        long node1 = beats.stream().filter(b -> b.node().equals("node1") && !b.time().equals(closing)).count();
        assertEquals(25, node1);
        for (RecordingSink.Marker b : beats) {
            if (!b.time().equals(closing)) {
                assertEquals(0, b.time().getNano(), "heartbeats on whole seconds");
            }
        }
        // a heartbeat carries the node's last sequence sent
        RecordingSink.Marker lastNode1 = beats.stream().filter(b -> b.node().equals("node1")).reduce((a, b) -> b).orElseThrow();
        assertEquals(9, lastNode1.sequence());
    }

    @Test
    void pacedReplayTakesCaptureTimeOverSpeed() throws Exception {
        Capture capture = Capture.open(Captures.scenario("bridge-on")); // ~3.2 s of events
        long start = System.nanoTime();
        Replayer.Result r = Replayer.replay(capture, new RecordingSink(1), Replayer.Options.defaults().withSpeed(Speed.parse("8x")));
        double secs = (System.nanoTime() - start) / 1e9;
        double span = Duration.between(r.firstEvent(), r.lastEvent()).toNanos() / 1e9;
        assertTrue(secs >= span / 8 - 0.01, "took " + secs + " s for " + span + " s at 8x");
        assertTrue(secs < span / 8 + 5, "took " + secs + " s");
    }

    @Test
    void speedParsing() {
        assertTrue(Speed.parse("max").isMax());
        assertEquals(1.0, Speed.parse("1x").factor());
        assertEquals(2.5, Speed.parse("2.5x").factor());
        assertEquals(10.0, Speed.parse("10").factor());
        assertEquals("10x", Speed.parse("10X").toString());
        assertThrows(IllegalArgumentException.class, () -> Speed.parse("0x"));
        assertThrows(IllegalArgumentException.class, () -> Speed.parse("fast"));
    }

    @Test
    void progressPrintsLinesWhenNotATerminal() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ConsoleProgress p = new ConsoleProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), true);
        Replayer.replay(Capture.open(Captures.scenario("hairpin")), new RecordingSink(1), Replayer.Options.defaults().withProgress(p));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("100% 16/16 events"), out);
        assertTrue(out.endsWith("\n"));
    }

    @Test
    void aLossLineIsPublishedAsTheLiveCollectorsGapMarker(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("events-n.txt"), String.join("\n",
                "[100.5]\t[NEW] tcp 6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1",
                "[100.700000] lost events (ENOBUFS)",
                "[101.5]\t[DESTROY] tcp 6 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1",
                ""));
        RecordingSink sink = new RecordingSink(4);
        Replayer.Result r = Replayer.replay(Capture.open(tmp), sink, Replayer.Options.defaults().withSettle(Duration.ofSeconds(5)));

        assertEquals(2, r.events(), "the GAP is not an event");
        assertEquals(1, r.gaps());
        assertEquals(4, r.gapRecords(), "to every partition");
        assertEquals(0, r.deadLetters());
        assertTrue(r.summary().contains("1 gaps (4 records)"), r.summary());
        List<RecordingSink.Marker> gaps = sink.markers(EventType.GAP);
        assertEquals(List.of(new RecordingSink.Marker(EventType.GAP, "n", Instant.ofEpochSecond(100, 700_000_000), 1)), gaps);
        assertTrue(sink.events(e -> e.getType() == EventType.GAP).isEmpty(), "a marker, not an event");
        // in time order: after the NEW, before the heartbeat of 101 and the DESTROY
        List<Object> all = sink.all();
        int gapAt = all.indexOf(gaps.get(0));
        assertEquals(EventType.NEW, ((ConntrackEvent) all.get(gapAt - 1)).getType());
        assertEquals(new RecordingSink.Marker(EventType.HEARTBEAT, "n", Instant.ofEpochSecond(101), 1), all.get(gapAt + 1));
        assertEquals(EventType.DESTROY, ((ConntrackEvent) all.get(gapAt + 2)).getType());
        // and the after-sample carries the loss, as a live collector's stats would
        List<NodeStats> stats = sink.of(NodeStats.class);
        assertEquals(List.of(0L, 1L), stats.stream().map(NodeStats::getLostEvents).toList());
    }

    @Test
    void deadLettersAreCountedAndTheRestGoesOn(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("events-n.txt"), String.join("\n",
                "[100.5]\t[NEW] tcp 6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1",
                "garbage",
                "[101.5]\t[DESTROY] tcp 6 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1",
                ""));
        RecordingSink sink = new RecordingSink(2);
        Replayer.Result r = Replayer.replay(Capture.open(tmp), sink, Replayer.Options.defaults().withSettle(Duration.ofSeconds(5)));
        assertEquals(2, r.events());
        assertEquals(1, r.deadLetters());
        assertEquals(0, r.facts());
        assertEquals(Instant.ofEpochSecond(106, 5_000) /* usec 5: conntrack prints tv_usec unpadded */, r.finalHeartbeat());
        assertEquals(2, sink.markers(EventType.HEARTBEAT).size(), "101 and the closing one");
        assertEquals(2, sink.of(io.ctflow.avro.DeadLetter.class).get(0).getPosition());
    }
}
