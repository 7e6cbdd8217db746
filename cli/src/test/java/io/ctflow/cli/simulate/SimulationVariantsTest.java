package io.ctflow.cli.simulate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reproducibility, event loss and clock skew. */
class SimulationVariantsTest {
    private static SimulationSpec spec(long seed, double loss, Duration skew) {
        return new SimulationSpec(3, 8, 200, Duration.ofSeconds(20), 0.05, loss, skew, seed);
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedOthers(@TempDir Path tmp) throws Exception {
        Simulation.run(spec(3, 0.1, Duration.ofSeconds(2)), tmp.resolve("a"), null);
        Simulation.run(spec(3, 0.1, Duration.ofSeconds(2)), tmp.resolve("b"), null);
        Simulation.run(spec(4, 0.1, Duration.ofSeconds(2)), tmp.resolve("c"), null);
        List<String> names = names(tmp.resolve("a"));
        assertEquals(3 * 7 + 1, names.size());
        assertEquals(names, names(tmp.resolve("b")));
        for (String name : names) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(name)), Files.readAllBytes(tmp.resolve("b").resolve(name)), name);
        }
        String events = "events-node-001.txt";
        assertFalse(Files.readString(tmp.resolve("a").resolve(events)).equals(Files.readString(tmp.resolve("c").resolve(events))));
    }

    @Test
    void lossDropsBurstsOfAboutTheFractionAndMarksEachBurst(@TempDir Path tmp) throws Exception {
        SimulatedCapture c = SimulatedCapture.simulate(spec(5, 0.2, Duration.ZERO), tmp);
        long written = c.all().size();
        long lost = c.truth.lostEvents();
        assertEquals(written, c.truth.events());
        double share = (double) lost / (written + lost);
        assertTrue(share > 0.12 && share < 0.28, "lost share " + share);
        long bursts = c.lossLines.values().stream().mapToLong(List::size).sum();
        // bursts average 20 events: far fewer loss lines than lost events, but some on every node
        assertTrue(bursts > lost / 40 && bursts < lost / 10, bursts + " bursts for " + lost);
        for (SimNode n : c.fleet.nodes) {
            assertFalse(c.lossLines.get(n.name).isEmpty(), n.name);
        }
        // a loss line sits in time order among the node's events
        for (SimNode n : c.fleet.nodes) {
            String[] lines = c.read("events-" + n.name + ".txt").split("\n");
            String prev = "";
            for (String line : lines) {
                String ts = line.substring(0, line.indexOf(']') + 1);
                assertTrue(ts.compareTo(prev) >= 0, line);
                prev = ts;
            }
        }
        // loss hides events from the app, not what happened on the node: the truth is that of the same fleet without loss
        SimulatedCapture whole = SimulatedCapture.simulate(spec(5, 0, Duration.ZERO), tmp.resolve("whole"));
        assertEquals(whole.truth.anomalies(), c.truth.anomalies());
        assertEquals(whole.truth.events(), c.truth.events() + c.truth.lostEvents());
    }

    @Test
    void skewShiftsEachNodesTimestampsByOneOffsetWithinTheBound(@TempDir Path tmp) throws Exception {
        Duration skew = Duration.ofSeconds(5);
        SimulatedCapture plain = SimulatedCapture.simulate(spec(6, 0, Duration.ZERO), tmp.resolve("plain"));
        SimulatedCapture skewed = SimulatedCapture.simulate(spec(6, 0, skew), tmp.resolve("skewed"));
        Set<Long> offsets = new HashSet<>();
        for (SimNode n : plain.fleet.nodes) {
            List<ConntrackEvent> a = plain.events.get(n.name);
            List<ConntrackEvent> b = skewed.events.get(n.name);
            assertEquals(a.size(), b.size(), n.name);
            long offset = SimulatedCapture.micros(b.get(0)) - SimulatedCapture.micros(a.get(0));
            assertTrue(Math.abs(offset) <= 5_000_000, n.name + " offset " + offset);
            for (int i = 0; i < a.size(); i++) {
                assertEquals(offset, SimulatedCapture.micros(b.get(i)) - SimulatedCapture.micros(a.get(i)));
                assertEquals(a.get(i).getRaw().substring(19), b.get(i).getRaw().substring(19));
            }
            offsets.add(offset);
        }
        assertTrue(offsets.size() > 1, "nodes have different clocks: " + offsets);
        // truth's firstSeen is the skewed node's printed time
        for (AnomalyInjector.Injected a : skewed.truth.anomalies()) {
            long t = Timestamps.micros(Instant.parse(a.firstSeen()));
            assertTrue(skewed.events.get(a.node()).stream().anyMatch(e -> SimulatedCapture.micros(e) == t), a.toString());
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
