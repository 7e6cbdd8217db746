package io.ctflow.cli.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.ServiceStats;
import io.ctflow.cli.onlyservices.TopologySink;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.publish.Sink;
import io.ctflow.collector.replay.Replayer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flow.timers-per-record} bounds how many timers one record fires; the ones left fire on the
 * next records (a flow's own before its next event) and on wall-clock ticks. It changes when timers
 * fire, never what they find: a simulated fleet with loss (GAPs, resync snapshots) and skew, replayed
 * through the app's own topology with one timer per record, gives every anomaly and Service-stats
 * record that firing them all at once gives; with a node's clock stepping ahead mid-stream, every
 * anomaly and each Service's totals (the other nodes' events behind the watermark then count in the
 * windows still open for timers, not in the first window open after it).
 */
class TimerBudgetResultsTest {
    @Test
    void oneTimerPerRecordFindsExactlyWhatFiringThemAllAtOnceFinds(@TempDir Path tmp) throws Exception {
        Path capture = tmp.resolve("fleet");
        Simulation.run(new SimulationSpec(3, 6, 80, Duration.ofSeconds(60), 0.05, 0.02, Duration.ofMillis(500), 11), capture, null);

        Run all = replay(capture, Map.of());
        Run one = replay(capture, Map.of("flow.timers-per-record", "1"));

        assertTrue(all.anomalies.size() >= 5, "the comparison has anomalies to compare: " + all.anomalies.size());
        long windows = all.stats.values().stream().mapToLong(List::size).sum();
        assertTrue(all.stats.size() == 6 && windows >= 6 * 5, "and every Service's windows: " + windows);
        assertEquals(all.anomalies, one.anomalies, "each anomaly key's records, in order, every field");
        assertEquals(all.stats, one.stats, "each Service window's records, in order, every field");
    }

    @Test
    void aClockStepMidStreamJudgesEveryFlowAsFiringAllAtOnceDoes(@TempDir Path tmp) throws Exception {
        Path capture = tmp.resolve("fleet");
        Simulation.run(new SimulationSpec(3, 6, 400, Duration.ofSeconds(40), 0.05, 0.02, Duration.ofMillis(500), 12), capture, null);

        Run all = replay(capture, Map.of(), 6_000, Duration.ofSeconds(10));
        Run one = replay(capture, Map.of("flow.timers-per-record", "1"), 6_000, Duration.ofSeconds(10));

        assertTrue(all.anomalies.size() >= 5, "the comparison has anomalies to compare: " + all.anomalies.size());
        assertEquals(all.anomalies, one.anomalies, "each anomaly key's records, in order, every field");
        // Not window by window: the step puts the other nodes' events behind the watermark, late for
        // windows it closed at once; with timers still due in them, those windows wait and count them.
        assertEquals(all.totals, one.totals, "each Service's connections over the run: new, replied, unreplied, incomplete");
        assertTrue(one.totals.values().stream().mapToLong(t -> t.get(0)).sum() > 1000, "connections counted: " + one.totals);
    }

    /** Output records grouped by key (in key order), each key's in output order: what a consumer of a key sees. */
    private record Run(Map<String, List<String>> anomalies, Map<String, List<String>> stats, Map<String, List<Long>> totals) {}

    private static Run replay(Path capture, Map<String, String> settings) throws Exception {
        return replay(capture, settings, -1, Duration.ZERO);
    }

    /** Replays the capture; after its {@code stepAt}-th event, that event's node sends a heartbeat {@code step} ahead of it. */
    private static Run replay(Path capture, Map<String, String> settings, long stepAt, Duration step) throws Exception {
        try (TopologySink app = new TopologySink(settings)) {
            Sink sink = new Sink() {
                long n;

                @Override
                public void event(ConntrackEvent e) {
                    app.event(e);
                    if (++n == stepAt) {
                        app.marker(EventType.HEARTBEAT, e.getNode(), e.getTimestamp().plus(step), 0);
                    }
                }

                @Override
                public void deadLetter(DeadLetter d) {
                    app.deadLetter(d);
                }

                @Override
                public boolean facts(NodeFacts f) {
                    return app.facts(f);
                }

                @Override
                public int services(String scope, List<ServiceEntry> entries, Instant readAt) {
                    return app.services(scope, entries, readAt);
                }

                @Override
                public void stats(NodeStats s) {
                    app.stats(s);
                }

                @Override
                public int marker(EventType type, String node, Instant time, long sequence) {
                    return app.marker(type, node, time, sequence);
                }

                @Override
                public void flush() {
                    app.flush();
                }
            };
            Replayer.Result r = Replayer.replay(Capture.open(capture), sink, Replayer.Options.defaults());
            // The closing heartbeats leave the timers due by them to the wall-clock ticks: at one a
            // tick, fewer than one per event.
            app.wallClock((int) Math.min(Integer.MAX_VALUE, r.events()), Duration.ofMillis(100));
            List<ServiceStats> stats = app.serviceStatsRecords();
            return new Run(byKey(app.anomalies()), byKey(stats.stream().map(w -> w.getService() + "=" + w).toList()), totals(stats));
        }
    }

    /** Per Service, the sums over its windows (the last record of each) of new, replied, unreplied and incomplete-NAT connections. */
    private static Map<String, List<Long>> totals(List<ServiceStats> records) {
        Map<String, ServiceStats> lastOfWindow = new TreeMap<>();
        for (ServiceStats w : records) {
            lastOfWindow.put(w.getService() + "@" + w.getWindowStart(), w);
        }
        Map<String, List<Long>> out = new TreeMap<>();
        for (ServiceStats w : lastOfWindow.values()) {
            List<Long> t = out.computeIfAbsent(w.getService(), k -> new ArrayList<>(List.of(0L, 0L, 0L, 0L)));
            t.set(0, t.get(0) + w.getNewFlows());
            t.set(1, t.get(1) + w.getReplied());
            t.set(2, t.get(2) + w.getUnreplied());
            t.set(3, t.get(3) + w.getIncompleteNat().values().stream().mapToLong(Long::longValue).sum());
        }
        return out;
    }

    private static Map<String, List<String>> byKey(List<String> records) {
        Map<String, List<String>> out = new TreeMap<>();
        for (String r : records) {
            out.computeIfAbsent(r.substring(0, r.indexOf('=')), k -> new ArrayList<>()).add(r);
        }
        return out;
    }
}
