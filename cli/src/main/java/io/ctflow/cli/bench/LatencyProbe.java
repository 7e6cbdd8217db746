package io.ctflow.cli.bench;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.cli.EmbeddedStack;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.AppSerdes;
import io.ctflow.streams.CtflowTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * How late an anomaly comes out at a steady rate: the app runs, a paced collector ({@link Publisher})
 * sends a workload at the given events/s with event time = wall-clock time, and for every unreplied
 * connection its anomaly is timed against the moment its NEW event was handed to the producer,
 * minus reply timeout + grace (the wait the rules ask for). Two clocks: the anomaly record's broker
 * append time (the topics use LogAppendTime), and the moment a read_committed consumer received it
 * — under exactly-once that is when a user can see it, one commit later. Meanwhile the app's input
 * backlog is sampled ({@link AnomalyReader}), which tells saturation (a backlog that grows) from
 * delay built into the pipeline (none). With open flows, long-lived connections go first and the app
 * holds them while the row runs: the latency with a production node's state (its heap, stores and
 * timers full of ~1 M flows) rather than an empty app's.
 */
final class LatencyProbe {
    /**
     * Excess latencies in ms (sorted) by append time and by receive time, how many anomalies were
     * expected, how many never came out before the end of the wait (those are in the lists at their
     * lower bound, the end of the wait, so a slow app shows as a high percentile rather than a
     * missing one), the app's input backlog (max and mean, in records), the rate the paced
     * producer achieved, and the app's capacity at the time (the rate it drained its backlog once
     * the producer stopped; NaN when it had kept up).
     */
    record Result(List<Long> excessMs, List<Long> visibleMs, long expected, long missing, long maxBacklog, double meanBacklog,
                  double sentPerSecond, double drainRate) {
        double percentile(double p) {
            return percentile(excessMs, p);
        }

        static double percentile(List<Long> sorted, double p) {
            if (sorted.isEmpty()) {
                return Double.NaN;
            }
            int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
        }
    }

    /** Connections of the latency workload live 4 s: the rate is steady after the first 4 s. */
    static final long LIFETIME_MICROS = 4_000_000L;

    /** One anomaly's lateness beyond timeout + grace, read and appended, and when its NEW was sent (ms into the paced run). */
    private record Late(long readMs, long appendedMs, long sentAtMs) {}

    /** How many of the slowest anomalies the progress names. */
    private static final int SLOWEST = 5;

    /** Not counted at the start of each rate: the app's warm-up (JIT) at that rate. */
    static final long WARM_UP_MICROS = 15_000_000L;

    private LatencyProbe() {}

    /** A workload of about {@code eventsPerSecond} (5 events per replied connection, 2 per unreplied one) for the given time. */
    static Workload workload(int eventsPerSecond, int seconds) {
        int connections = (int) Math.max(1, Math.round(eventsPerSecond / 4.91));
        return new Workload("latency", 10, 50, connections, LIFETIME_MICROS, 3, (long) connections * seconds, Workload.START_MICROS);
    }

    /** The row: {@code openFlows} long-lived flows (0: none) opened first, then {@code shape} paced at wall-clock time. */
    static Result run(BenchCluster cluster, AppConfig config, AppSerdes serdes, Workload shape, long openFlows, String applicationId,
                      Progress progress) throws Exception {
        Path stateDir = Files.createTempDirectory("ctflow-bench-latency");
        Properties p = new Properties();
        p.putAll(config.kafka());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        long waitMs = config.tcpReplyTimeout().plus(config.grace()).toMillis();
        Map<String, Long> sentMs = new ConcurrentHashMap<>();
        try (Publisher pub = cluster.publisher(config);
             KafkaStreams streams = new KafkaStreams(CtflowTopology.build(config, serdes), p);
             AnomalyReader reader = AnomalyReader.start(cluster, config, serdes, applicationId)) {
            BenchCluster.publishTopology(pub, shape);
            streams.start();
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (streams.state() != KafkaStreams.State.RUNNING) {
                if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR) {
                    throw new io.ctflow.config.RuntimeFailure("the app did not reach RUNNING: " + streams.state());
                }
                Thread.sleep(100); // polls the app's state, bounded by the deadline above
            }
            reader.awaitAssignment();
            long[] sequence = new long[shape.nodes()];
            long warmUpSeconds = 180;
            if (openFlows > 0) {
                long sent = OpenFlows.send(pub, OpenFlows.workload(shape, openFlows, OpenFlows.endBefore(config, System.currentTimeMillis() * 1000)),
                        sequence, progress);
                progress.say("latency: %,d open flows sent (%,d events); waiting for the app to take them in", openFlows, sent);
                warmUpSeconds += sent / 10_000; // a slow app's rate on 2 cores
            }
            warmUp(cluster, config, pub, applicationId, warmUpSeconds);
            // Event time = wall-clock time from now on. Counted: connections opened once the rate is
            // steady (after the first lifetime) and the JVM warm: a fresh app on 2 cores spends its
            // first ~12 s compiling (C2 threads take the cores, its backlog peaks at 1-2 s), which is
            // no steady state; so the first WARM_UP_MICROS (at most half the run) are not counted.
            long startMicros = System.currentTimeMillis() * 1000 + 500_000;
            Workload w = shape.withStart(startMicros);
            long span = w.newAt(w.connections() - 1) - startMicros;
            long countFromMicros = startMicros + Math.max(w.lifetimeMicros(), Math.min(WARM_UP_MICROS, span / 2));
            long expected = 0;
            long sent = 0;
            WorkloadEvents events = new WorkloadEvents(w, 0, sequence);
            reader.senderStarts();
            long wall0 = System.currentTimeMillis() * 1000;
            long nano0 = System.nanoTime();
            long lastMicros = 0;
            while (events.hasNext()) {
                ConntrackEvent e = events.next();
                Workload.Steps s = events.step();
                long aheadMs = s.micros / 1000 - System.currentTimeMillis();
                if (aheadMs > 0) {
                    Thread.sleep(aheadMs); // pacing the producer to the workload's event time
                }
                // Event time = when it is produced, as a live collector's: a producer that fell behind
                // its schedule must not make later events look early.
                long nowMicros = Math.max(lastMicros, wallMicros(wall0, nano0));
                lastMicros = nowMicros;
                e.setTimestamp(WorkloadEvents.micros(nowMicros));
                if (s.kind == Workload.Kind.NEW && w.anomalous(s.connection) && s.micros >= countFromMicros) {
                    sentMs.put(FlowKey.of(e).text(), nowMicros / 1000);
                    expected++;
                }
                BenchCluster.send(pub, e);
                sent++;
            }
            pub.flush();
            double sentPerSecond = sent / ((lastMicros - startMicros) / 1e6);
            reader.senderDone(sentPerSecond);
            progress.say("latency: sent %,d events at %,.0f/s (asked %,d connections/s); waiting for their anomalies", sent, sentPerSecond,
                    w.connectionsPerSecond());
            // The last anomalies need event time past their deadline: a final heartbeat, as a replay ends;
            // just past it, not a minute on, which fired every timer of that minute in one record (with
            // the open flows, the expiry checks of hundreds of thousands: a 3-5 s stall, timed as the
            // latency of the last anomalies).
            pub.marker(EventType.HEARTBEAT, "bench", WorkloadEvents.micros(lastMicros + waitMs * 1000 + 1_000_000L), 0);
            pub.flush();
            reader.awaitAll(sentMs.keySet(), Duration.ofSeconds(60));
            reader.awaitDrained(Duration.ofSeconds(30));
            progress.say("latency: app input backlog every 500 ms (records): %s", reader.backlogTrace());
            List<Long> excess = new ArrayList<>();
            List<Long> visible = new ArrayList<>();
            long missing = 0;
            long endMs = System.currentTimeMillis();
            List<Late> tail = new ArrayList<>();
            for (Map.Entry<String, Long> s : sentMs.entrySet()) {
                AnomalyReader.Seen seen = reader.seen(s.getKey());
                if (seen == null) {
                    missing++;
                    seen = new AnomalyReader.Seen(endMs, endMs);
                }
                long appended = seen.appendedMs() - s.getValue() - waitMs;
                long received = seen.receivedMs() - s.getValue() - waitMs;
                excess.add(appended);
                visible.add(received);
                tail.add(new Late(received, appended, s.getValue() - startMicros / 1000));
            }
            // The tail, to tell an app that was late (append time late too) from a reader that was.
            tail.sort(Comparator.comparingLong(Late::readMs).reversed());
            progress.say("latency: the slowest anomalies beyond timeout + grace: %s", tail.stream().limit(SLOWEST)
                    .map(t -> String.format(Locale.ROOT, "%d ms (appended at %d ms) for a NEW sent at +%.1f s", t.readMs(), t.appendedMs(), t.sentAtMs() / 1e3))
                    .collect(java.util.stream.Collectors.joining("; ")));
            Collections.sort(excess);
            Collections.sort(visible);
            return new Result(excess, visible, expected, missing, reader.maxBacklog(), reader.meanBacklog(), sentPerSecond, reader.drainRate());
        } finally {
            EmbeddedStack.deleteTree(stateDir);
            cluster.dropInternalTopics(applicationId); // the streams instance is closed by now (try-with-resources)
        }
    }

    /**
     * RUNNING is not processing: a new instance still creates its internal topics, opens its stores
     * and initializes its transactional producer, which on a busy machine took tens of seconds; a
     * probe started at RUNNING timed that startup, once, as the latency of every anomaly (p50 about
     * p99, both about the startup time). So a heartbeat first (not a node of the workload), and the probe starts once
     * the app has committed a transaction past it (and past the open flows, when the row has them).
     */
    private static void warmUp(BenchCluster cluster, AppConfig config, Publisher pub, String applicationId, long seconds) throws Exception {
        pub.marker(EventType.HEARTBEAT, "bench", WorkloadEvents.micros(System.currentTimeMillis() * 1000), 0); // to every partition
        pub.flush();
        long end = cluster.endOffsets(config.topics().events());
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (cluster.committed(applicationId, config.topics().events()) < end) {
            if (System.nanoTime() > deadline) {
                throw new io.ctflow.config.RuntimeFailure("latency: the app had not committed its warm-up input within " + seconds + " s");
            }
            Thread.sleep(100); // polls the app's committed offsets, bounded by the deadline above
        }
    }

    /** Wall-clock micros from a monotonic clock (no step backwards within a run). */
    private static long wallMicros(long wall0Micros, long nano0) {
        return wall0Micros + (System.nanoTime() - nano0) / 1000;
    }
}
