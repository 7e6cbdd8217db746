package io.ctflow.collector.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeStats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a capture: loss lines, count files and the stats samples made of them. */
class CaptureTest {
    static final String NEW_1 = "[100.100000]\t    [NEW] tcp 6 120 SYN_SENT src=10.0.0.1 dst=10.96.0.1 sport=1 dport=80 [UNREPLIED] "
            + "src=10.0.0.2 dst=10.0.0.1 sport=8080 dport=1";
    static final String DESTROY_1 = "[103.000000]\t[DESTROY] tcp 6 src=10.0.0.1 dst=10.96.0.1 sport=1 dport=80 [UNREPLIED] "
            + "src=10.0.0.2 dst=10.0.0.1 sport=8080 dport=1";
    static final String NEW_2 = "[101.000000]\t    [NEW] tcp 6 120 SYN_SENT src=10.0.1.1 dst=10.96.0.1 sport=2 dport=80 [UNREPLIED] "
            + "src=10.0.1.2 dst=10.0.1.1 sport=8080 dport=2";
    static final String STATS = "cpu=0   \tfound=0 invalid=0 insert=0 insert_failed=2 drop=0 early_drop=0 error=0 search_restart=0 "
            + "clash_resolve=0 chaintoolong=0 \n";

    @TempDir
    Path dir;

    void write(String name, String... lines) throws Exception {
        Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    @Test
    void aLossLineIsAGapEventOfItsNodeAtItsTimeWithTheLastSequence() throws Exception {
        write("events-a.txt", NEW_1, "[102.250000] lost events (ENOBUFS)", DESTROY_1);
        write("events-b.txt", NEW_2);
        List<DeadLetter> dead = new ArrayList<>();
        List<ConntrackEvent> merged = new ArrayList<>();
        Capture.open(dir).events(false, dead::add).forEachRemaining(merged::add);

        assertEquals(List.of(EventType.NEW, EventType.NEW, EventType.GAP, EventType.DESTROY),
                merged.stream().map(ConntrackEvent::getType).toList());
        ConntrackEvent gap = merged.get(2);
        assertEquals("a", gap.getNode());
        assertEquals(Instant.ofEpochSecond(102, 250_000_000), gap.getTimestamp());
        assertEquals(1, gap.getSequence(), "a marker carries the node's last sequence, as the live collector's");
        assertEquals(2, merged.get(3).getSequence(), "the next event goes on from there");
        assertTrue(dead.isEmpty(), dead.toString());

        Capture c = Capture.open(dir);
        assertEquals(3, c.nodeEvents("a").size());
        assertEquals(Instant.ofEpochSecond(103), c.end("a"));
    }

    @Test
    void aMalformedLossLineIsADeadLetter() throws Exception {
        write("events-a.txt", NEW_1, "[102.25] lost events", "lost events (ENOBUFS)", DESTROY_1);
        List<DeadLetter> dead = new ArrayList<>();
        List<ConntrackEvent> events = new ArrayList<>();
        Capture.open(dir).events(false, dead::add).forEachRemaining(events::add);

        assertEquals(List.of(EventType.NEW, EventType.DESTROY), events.stream().map(ConntrackEvent::getType).toList());
        assertEquals(2, dead.size());
        assertEquals(2, dead.get(0).getPosition());
        assertEquals("events-a.txt", dead.get(0).getSource());
        assertTrue(dead.get(0).getReason().startsWith("malformed loss line"), dead.get(0).getReason());
        assertTrue(dead.get(1).getReason().startsWith("loss line without a timestamp"), dead.get(1).getReason());
    }

    @Test
    void statsTakeTheCountOfTheirPhaseAndMaxFromTheFacts() throws Exception {
        write("events-a.txt", NEW_1, DESTROY_1);
        write("facts-a.txt", "node=a", "net.netfilter.nf_conntrack_max=1000");
        write("stats-before-a.txt", STATS.strip());
        write("stats-after-a.txt", STATS.strip());
        write("count-before-a.txt", "12");
        write("count-after-a.txt", "950");
        List<NodeStats> stats = Capture.open(dir).stats();

        assertEquals(2, stats.size());
        NodeStats before = stats.get(0);
        NodeStats after = stats.get(1);
        assertEquals(Instant.ofEpochSecond(100, 100_000_000), before.getTimestamp());
        assertEquals(12L, before.getCount());
        assertEquals(1000L, before.getMax());
        assertEquals(2, before.getCpus().get(0).getInsertFailed());
        assertEquals(Instant.ofEpochSecond(103), after.getTimestamp());
        assertEquals(950L, after.getCount());
        assertEquals(1000L, after.getMax());
        assertEquals(0, after.getLostEvents());
    }

    @Test
    void aCountFileAloneIsASampleAndNoFactsMeansNoMax() throws Exception {
        write("events-a.txt", NEW_1, DESTROY_1);
        write("count-after-a.txt", "7");
        List<NodeStats> stats = Capture.open(dir).stats();

        assertEquals(1, stats.size());
        assertEquals(7L, stats.get(0).getCount());
        assertNull(stats.get(0).getMax());
        assertEquals(List.of(), stats.get(0).getCpus());
        assertEquals(Instant.ofEpochSecond(103), stats.get(0).getTimestamp());
    }

    @Test
    void lossLinesAreTheLostEventsOfTheAfterSample() throws Exception {
        write("events-a.txt", NEW_1, "[102.0] lost events (ENOBUFS)", "[102.5] lost events (conntrack -E ended)", DESTROY_1);
        write("events-b.txt", NEW_2);
        List<NodeStats> stats = Capture.open(dir).stats();

        assertEquals(2, stats.size(), "both samples for the node with losses, none for the other: " + stats);
        assertEquals(0, stats.get(0).getLostEvents());
        assertEquals(2, stats.get(1).getLostEvents());
        assertEquals(2, stats.get(1).getGaps());
        assertNull(stats.get(1).getCount());
        assertEquals("a", stats.get(1).getNode());
    }

    @Test
    void aBadCountFileIsAClearError() throws Exception {
        write("events-a.txt", NEW_1);
        write("count-before-a.txt", "many");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Capture.open(dir).stats());
        assertEquals(dir.resolve("count-before-a.txt") + ": bad conntrack count 'many'", e.getMessage());
    }
}
