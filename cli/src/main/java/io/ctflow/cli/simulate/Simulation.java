package io.ctflow.cli.simulate;

import io.ctflow.avro.AnomalyType;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Runs a simulation into a capture directory. Event time advances through one queue: new
 * connections arrive (a Poisson stream paced so the fleet makes {@code rate} events a second) and
 * each queued connection's next event is written to its node's file as its time comes. Only the
 * connections alive are in memory. New connections stop a second before the end so that every one
 * started is seen replied (or not, as planned) inside the capture; entries alive at the end stay in
 * the tables, as in a real capture cut at that moment.
 */
final class Simulation {
    private static final long SECOND = 1_000_000L;

    /** What a run produced. */
    /** What a run produced; {@code cpuNanos} is the simulating thread's CPU time (the one core it used). */
    record Result(long events, long lost, long connections, int anomalies, int files, long wallNanos, long cpuNanos,
                  Truth truth) {
        double eventsPerSecond() {
            return wallNanos == 0 ? 0 : events * 1e9 / wallNanos;
        }

        double eventsPerCpuSecond() {
            return cpuNanos <= 0 ? 0 : events * 1e9 / cpuNanos;
        }
    }

    private Simulation() {}

    static Result run(SimulationSpec spec, Path dir, PrintStream progress) throws IOException {
        long wallStart = System.nanoTime();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuStart = threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : 0;
        java.nio.file.Files.createDirectories(dir);
        SplittableRandom root = new SplittableRandom(spec.seed());
        SplittableRandom fleetRandom = root.split();
        SplittableRandom trafficRandom = root.split();
        SplittableRandom lossRandom = root.split();
        SplittableRandom filesRandom = root.split();
        Fleet fleet = fleet(spec, fleetRandom);
        NodeHealth health = NodeHealth.plan(spec.nodes(), spec.anomalies() > 0, fleetRandom);

        List<SimNode> nodes = fleet.nodes;
        SimNode[] nodeArray = nodes.toArray(SimNode[]::new);
        NodeEventWriter[] writers = new NodeEventWriter[nodes.size()];
        for (SimNode n : nodes) {
            writers[n.index] = new NodeEventWriter(dir.resolve("events-" + n.name + ".txt"),
                new LossModel(spec.loss(), lossRandom.split()), nodes.size());
        }
        ConnectionFactory factory = new ConnectionFactory(fleet, trafficRandom);
        TrafficMix mix = new TrafficMix(factory);
        AnomalyInjector injector = new AnomalyInjector(factory);
        List<AnomalyInjector.Injected> injected = new ArrayList<>();
        long[] newFlows = new long[fleet.services.size()];
        LineRenderer renderer = new LineRenderer();
        EventQueue queue = new EventQueue();

        long start = Timestamps.micros(spec.start());
        long end = Timestamps.micros(spec.end());
        long lastArrival = end - SECOND;
        long nextArrival = start;
        long connections = 0;
        long events = 0;
        long lastReport = wallStart;
        int tick = 0;
        while (true) {
            if (nextArrival < lastArrival && nextArrival <= queue.peekTime()) {
                Connection c = open(mix, injector, spec.anomalies(), nextArrival, injected, trafficRandom);
                int expected = 1;
                if (c != null) {
                    queue.push(c.at[0], c);
                    connections++;
                    if (c.service != null) {
                        newFlows[c.service.index]++;
                    }
                    expected = c.eventsBefore(end);
                }
                // Exponential gaps whose mean is this connection's share of the event budget.
                nextArrival += (long) (-Math.log(1 - trafficRandom.nextDouble()) * expected / spec.rate() * SECOND);
                continue;
            }
            if (queue.peekTime() >= end) {
                break;
            }
            Connection c = queue.pop();
            int i = c.next++;
            SimNode node = nodeArray[c.node[c.view[i]]];
            writers[node.index].event(c, i, c.at[i] + node.skewMicros, renderer);
            events++;
            if (c.next < c.steps) {
                queue.push(c.at[c.next], c);
            } else {
                factory.recycle(c);
            }
            if (progress != null && (++tick & 0x3fff) == 0) {
                long now = System.nanoTime();
                if (now - lastReport >= 1_000_000_000L) {
                    lastReport = now;
                    progress.printf("ctflow simulate: %d events, %.0f%% of %ds event time, %.0f events/s%n", events,
                        100.0 * (c.at[i] - start) / (end - start), spec.duration().toSeconds(), events * 1e9 / (now - wallStart));
                }
            }
        }
        long written = 0;
        long lost = 0;
        for (NodeEventWriter w : writers) {
            w.flush();
            written += w.written;
            lost += w.lost;
        }
        NodeFiles.writeNat(dir, nodes, NatRules.render(fleet.services));
        for (SimNode n : nodes) {
            NodeFiles.write(dir, n, health, writers[n.index].live, writers[n.index].newEntries, filesRandom);
        }
        List<Truth.NodeAnomaly> nodeAnomalies = new ArrayList<>();
        for (SimNode n : nodes) {
            for (AnomalyType t : NodeHealth.TYPES) {
                if (health.has(n.index, t)) {
                    nodeAnomalies.add(new Truth.NodeAnomaly(n.name, t.name()));
                }
            }
        }
        Map<String, Long> flows = new LinkedHashMap<>();
        for (SimService s : fleet.services) {
            flows.put(s.id(), newFlows[s.index]);
        }
        Truth truth = new Truth(spec.seed(), nodes.size(), fleet.services.size(), spec.start().toString(),
            spec.end().toString(), written, lost, injected, nodeAnomalies, flows);
        truth.write(dir.resolve("truth.json"));
        int files = nodes.size() * 7 + 1;
        long cpu = threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() - cpuStart : -1;
        return new Result(written, lost, connections, injected.size(), files, System.nanoTime() - wallStart, cpu, truth);
    }

    /** The fleet a run of this spec simulates. */
    static Fleet fleet(SimulationSpec spec) {
        return fleet(spec, new SplittableRandom(spec.seed()).split());
    }

    private static Fleet fleet(SimulationSpec spec, SplittableRandom r) {
        return Fleet.build(spec.nodes(), spec.services(), spec.skew().toNanos() / 1000, spec.anomalies() > 0, r);
    }

    private static Connection open(TrafficMix mix, AnomalyInjector injector, double anomalies, long t0,
                                   List<AnomalyInjector.Injected> injected, SplittableRandom r) {
        SimService.Kind kind = mix.nextKind();
        if (kind == null) {
            return mix.podToPod(t0);
        }
        if (anomalies > 0 && injector.possible() && r.nextDouble() < anomalies) {
            Connection c = injector.inject(t0, injected);
            if (c != null) {
                return c;
            }
        }
        return mix.service(kind, t0);
    }
}
