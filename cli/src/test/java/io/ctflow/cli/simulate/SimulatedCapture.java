package io.ctflow.cli.simulate;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A simulated capture read back with the collector's parser: every node's events and loss lines. */
final class SimulatedCapture {
    final Path dir;
    final Fleet fleet;
    final Truth truth;
    /** Node name to its events in file order. */
    final Map<String, List<ConntrackEvent>> events = new LinkedHashMap<>();
    /** Node name to the timestamps (micros) of its loss lines. */
    final Map<String, List<Long>> lossLines = new LinkedHashMap<>();

    private SimulatedCapture(Path dir, Fleet fleet, Truth truth) {
        this.dir = dir;
        this.fleet = fleet;
        this.truth = truth;
    }

    static SimulatedCapture simulate(SimulationSpec spec, Path dir) throws IOException, ParseException {
        Simulation.run(spec, dir, null);
        SimulatedCapture c = new SimulatedCapture(dir, Simulation.fleet(spec), Truth.read(dir.resolve("truth.json")));
        for (SimNode n : c.fleet.nodes) {
            ConntrackLineParser parser = new ConntrackLineParser(n.name, true);
            List<ConntrackEvent> list = new ArrayList<>();
            List<Long> lost = new ArrayList<>();
            long seq = 0;
            for (String line : Files.readAllLines(dir.resolve("events-" + n.name + ".txt"), StandardCharsets.US_ASCII)) {
                if (line.endsWith("] lost events (ENOBUFS)")) {
                    String ts = line.substring(1, line.indexOf(']'));
                    int dot = ts.indexOf('.');
                    lost.add(Long.parseLong(ts.substring(0, dot)) * 1_000_000L + Long.parseLong(ts.substring(dot + 1)));
                } else {
                    list.add(parser.parse(line, Instant.EPOCH, ++seq));
                }
            }
            c.events.put(n.name, list);
            c.lossLines.put(n.name, lost);
        }
        return c;
    }

    String read(String name) throws IOException {
        return Files.readString(dir.resolve(name), StandardCharsets.US_ASCII);
    }

    List<ConntrackEvent> all() {
        List<ConntrackEvent> out = new ArrayList<>();
        events.values().forEach(out::addAll);
        return out;
    }

    static long micros(ConntrackEvent e) {
        return Timestamps.micros(e.getTimestamp());
    }
}
