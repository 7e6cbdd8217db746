package io.ctflow.collector.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.collector.testing.FakeConntrack;
import io.ctflow.collector.testing.ManualTime;
import io.ctflow.testing.Poll;
import io.ctflow.collector.testing.RecordingLauncher;
import io.ctflow.collector.testing.RecordingSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Supervision of conntrack -E on the collector's own clock (Kafka's Time): backoffs are asked of
 * the clock, not slept, and a conntrack killed under the collector is one loss, one GAP, one restart
 * and exactly one fresh snapshot.
 */
class ConntrackSupervisionTest extends FakeConntrackTestBase {
    final RecordingLauncher launcher = new RecordingLauncher();

    ConntrackSupervisionTest() {
        super(Duration.ofHours(1));
    }

    @Test
    void backoffDoublesUpToItsMaximumOnTheCollectorsClock() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "exit", "exit", "exit", "exit", "run");
        ManualTime time = new ManualTime(true);
        LiveCollector c = new LiveCollector(options(fake), sink, null, metrics, time, launcher);
        Future<LiveCollector.Summary> run = pool.submit(c::run);
        Poll.until(WAIT, () -> fake.starts().size() == 5 && count(EventType.SNAPSHOT) == 10, () -> sink.all().toString());
        c.stop();
        LiveCollector.Summary s = run.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(100L, 200L, 400L, 400L), time.waitsMs(), "100 ms doubling, capped at 400 ms");
        assertEquals(4, s.restarts());
        assertEquals(4, s.gaps());
    }

    @Test
    void conntrackKilledIsRestartedWithOneGapAndExactlyOneSnapshotAfterIt() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "run");
        ManualTime time = new ManualTime(false);
        LiveCollector c = new LiveCollector(options(fake), sink, null, metrics, time, launcher);
        Future<LiveCollector.Summary> run = pool.submit(c::run);
        Poll.until(WAIT, () -> c.awaitStarted(Duration.ZERO) && count(EventType.SNAPSHOT) == 2 && count(EventType.NEW) == 1,
                () -> sink.all().toString());
        long lastSequenceBefore = sink.of(ConntrackEvent.class).stream().mapToLong(ConntrackEvent::getSequence).max().orElseThrow();

        launcher.last("-E").toHandle().destroyForcibly(); // kill -9, as the OOM killer or an operator would
        Poll.until(WAIT, () -> time.waiting() == 1 && sink.markers(EventType.GAP).size() == 1, () -> sink.all().toString());
        // conntrack is down and waits for its backoff: the loss is reported, no snapshot is taken yet
        assertEquals(1, c.restarts());
        assertEquals(1, c.lostEvents());
        assertEquals(1, launcher.argsOf(fake.path()).stream().filter(a -> a.get(0).equals("-L")).count());
        RecordingSink.Marker gap = sink.markers(EventType.GAP).get(0);
        assertEquals(lastSequenceBefore, gap.sequence(), "the GAP says where the stream broke");
        assertEquals(Duration.ofMillis(100).toMillis(), time.waitsMs().get(0));

        time.advance(100);
        Poll.until(WAIT, () -> fake.starts().size() == 2 && count(EventType.SNAPSHOT) == 4, () -> sink.all().toString());
        c.stop();
        run.get(10, TimeUnit.SECONDS);

        assertEquals(2, launcher.argsOf(fake.path()).stream().filter(a -> a.get(0).equals("-L")).count(),
                "one snapshot at start, one after the restart");
        List<Object> all = sink.all();
        List<Long> snapshotAfterGap = all.subList(all.indexOf(gap), all.size()).stream()
                .filter(o -> o instanceof ConntrackEvent e && e.getType() == EventType.SNAPSHOT)
                .map(o -> ((ConntrackEvent) o).getConntrackId()).sorted().toList();
        assertEquals(List.of(7L, 8L), snapshotAfterGap, "each entry of the table once after the gap");
        assertEquals(1, sink.markers(EventType.GAP).size());
        List<Long> seqs = sink.of(ConntrackEvent.class).stream().map(ConntrackEvent::getSequence).toList();
        assertEquals(seqs.size(), seqs.stream().distinct().count(), "no event published twice");
    }
}
