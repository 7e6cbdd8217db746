package io.ctflow.collector.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.collector.CollectorException;
import io.ctflow.collector.testing.FakeConntrack;
import io.ctflow.collector.testing.ManualTime;
import io.ctflow.testing.Poll;
import io.ctflow.collector.testing.RecordingSink;
import io.ctflow.process.Launcher;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The live collector against a fake conntrack: loss handling, restarts, snapshots, errors. */
class LiveCollectorTest extends FakeConntrackTestBase {
    LiveCollectorTest() {
        super(Duration.ofMillis(100));
    }

    @Test
    void restartsWithBackoffCountsTheLossAndSendsGapAndSnapshot() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "exit", "exit", "exit", "run");
        ManualTime time = new ManualTime(true); // backoffs are asked of the clock: no real waiting
        LiveCollector c = new LiveCollector(options(fake), sink, null, metrics, time, Launcher.SYSTEM);
        Future<LiveCollector.Summary> run = pool.submit(c::run);
        // heartbeats run on the wall clock (every 100 ms here): wait for one rather than hope the run lasted that long
        Poll.until(WAIT, () -> fake.starts().size() == 4 && count(EventType.NEW) == 4 && count(EventType.SNAPSHOT) == 8
                        && !sink.markers(EventType.HEARTBEAT).isEmpty(),
                () -> "starts " + sink.all().size());
        c.stop();
        LiveCollector.Summary s = run.get(10, TimeUnit.SECONDS);

        assertEquals("-E -o timestamp,id,extended -b 8388608", fake.lastArgs());
        assertEquals(3, s.restarts());
        assertEquals(3, s.lostEvents());
        assertEquals(3, s.gaps());
        assertEquals(3, (long) metrics.conntrackRestarts.get());
        assertEquals(3, (long) metrics.lostEvents.get());
        assertEquals(4, s.deadLetters(), "the garbage line of each run");
        assertEquals(12, s.eventsRead(), "2 events + 1 garbage line, 4 runs");

        assertEquals(List.of(100L, 200L, 400L), time.waitsMs(), "backoff doubles: 100, 200, 400 ms before the restarts");

        // every GAP is followed by a fresh snapshot
        List<Object> all = sink.all();
        List<RecordingSink.Marker> gaps = sink.markers(EventType.GAP);
        assertEquals(3, gaps.size());
        int lastGap = all.lastIndexOf(gaps.get(2));
        long snapshotAfter = all.subList(lastGap, all.size()).stream()
                .filter(o -> o instanceof ConntrackEvent e && e.getType() == EventType.SNAPSHOT).count();
        // Snapshots run on their own thread: on a loaded machine the previous restart's snapshot may
        // still land after the last GAP; what must hold is that a whole fresh one follows it.
        assertTrue(snapshotAfter >= 2 && snapshotAfter % 2 == 0, "a whole snapshot after the last loss: " + snapshotAfter + " lines");
        assertEquals("n1", gaps.get(0).node());

        DeadLetter d = sink.of(DeadLetter.class).get(0);
        assertEquals("conntrack -E", d.getSource());
        assertEquals(3, d.getPosition());
        assertEquals("n1", d.getNode());

        // sequence numbers: unique, from 1, events and snapshot lines alike
        List<Long> seqs = sink.of(ConntrackEvent.class).stream().map(ConntrackEvent::getSequence).sorted().toList();
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals(i + 1, seqs.get(i));
        }
        assertTrue(sink.markers(EventType.HEARTBEAT).size() > 0);
    }

    @Test
    void enobufsWarningWhileRunningIsALossWithGapAndSnapshotButNoRestart() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "warn");
        LiveCollector c = new LiveCollector(options(fake), sink, null, metrics);
        Future<LiveCollector.Summary> run = pool.submit(c::run);
        Poll.until(WAIT, () -> c.lostEvents() == 1 && count(EventType.SNAPSHOT) == 4, () -> sink.all().toString());
        c.stop();
        LiveCollector.Summary s = run.get(10, TimeUnit.SECONDS);
        assertEquals(0, s.restarts());
        assertEquals(1, s.lostEvents());
        assertEquals(1, sink.markers(EventType.GAP).size());
        assertEquals(1, fake.starts().size());
    }

    @Test
    void enobufsExitIsOneLossAndARestart() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "enobufs", "run");
        LiveCollector c = new LiveCollector(options(fake), sink, null, metrics);
        Future<LiveCollector.Summary> run = pool.submit(c::run);
        Poll.until(WAIT, () -> fake.starts().size() == 2 && count(EventType.SNAPSHOT) == 4, () -> sink.all().toString());
        c.stop();
        LiveCollector.Summary s = run.get(10, TimeUnit.SECONDS);
        assertEquals(1, s.restarts());
        assertEquals(1, s.lostEvents());
        assertEquals(1, sink.markers(EventType.GAP).size());
    }

    @Test
    void statsCarryTheLossCounters() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "exit", "run");
        LiveCollector c = new LiveCollector(options(fake).statsInterval(Duration.ofMillis(200)), sink, null, metrics);
        Future<LiveCollector.Summary> run = pool.submit(c::run);
        Poll.until(WAIT, () -> sink.of(NodeStats.class).stream().anyMatch(st -> st.getLostEvents() == 1),
                () -> sink.of(NodeStats.class).toString());
        c.stop();
        run.get(10, TimeUnit.SECONDS);
        NodeStats st = sink.of(NodeStats.class).stream().filter(x -> x.getLostEvents() == 1).findFirst().orElseThrow();
        assertEquals(1, st.getGaps());
        assertEquals(3L, st.getCount());
        assertEquals(2, st.getCpus().size());
        assertEquals(2, st.getCpus().get(0).getInvalid());
        assertEquals("n1", st.getNode());
        assertNotNull(sink.of(NodeFacts.class).get(0), "facts read at start");
    }

    @Test
    void conntrackMissingIsOneClearError() {
        LiveOptions o = new LiveOptions().node("n1").conntrack("ctflow-no-such-conntrack").searchPath(tmp.toString());
        CollectorException e = assertThrows(CollectorException.class, () -> new LiveCollector(o, sink, null, metrics).run());
        assertEquals("conntrack not found: install conntrack-tools (apt-get install conntrack)", e.getMessage());
        assertEquals(1, e.exitCode());
    }

    @Test
    void notPermittedIsOneClearError() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "run");
        fake.deny();
        CollectorException e = assertThrows(CollectorException.class, () -> new LiveCollector(options(fake), sink, null, metrics).run());
        assertEquals(NodeAccess.NOT_PERMITTED, e.getMessage());
        assertTrue(e.getMessage().contains("Operation not permitted"));
    }

    @Test
    void notPermittedForEventsStopsTheCollector() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "eperm");
        LiveCollector c = new LiveCollector(options(fake), sink, null, metrics);
        Future<LiveCollector.Summary> run = pool.submit(c::run);
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> run.get(20, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof CollectorException, String.valueOf(e.getCause()));
        assertEquals(NodeAccess.NOT_PERMITTED, e.getCause().getMessage());
        assertEquals(0, c.restarts(), "no restart loop on a permission error");
    }

    @Test
    void missingNamespaceIsOneClearError() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "run");
        LiveOptions o = options(fake).netns("ctft-no-such-ns-" + ProcessHandle.current().pid());
        CollectorException e = assertThrows(CollectorException.class, () -> new LiveCollector(o, sink, null, metrics).run());
        assertTrue(e.getMessage().startsWith("network namespace 'ctft-no-such-ns-"), e.getMessage());
    }

    @Test
    void lossMessages() {
        assertTrue(LiveCollector.isLossMessage("WARNING: We have hit ENOBUFS! We are losing events."));
        assertTrue(!LiveCollector.isLossMessage("conntrack v1.4.7 (conntrack-tools): Operation failed: No buffer space available"));
        assertTrue(!LiveCollector.isLossMessage("Please, check --buffer-size in conntrack(8) manpage."));
    }
}
