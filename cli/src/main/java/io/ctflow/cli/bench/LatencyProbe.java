package io.ctflow.cli.bench;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NatAnomaly;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * How late an anomaly comes out at a steady rate: the app runs, a paced collector ({@link Publisher})
 * sends a workload at the given events/s with event time = wall-clock time, and for every unreplied
 * connection the anomaly record's broker append time (the topics use LogAppendTime) minus the time
 * its NEW event was handed to the producer, minus reply timeout + grace (the wait the rules ask
 * for), is its excess latency.
 */
final class LatencyProbe {
    /**
     * Excess latencies in ms (sorted), how many anomalies were expected, and how many never came
     * out before the end of the wait: those are in {@code excessMs} at their lower bound (the end
     * of the wait), so a slow app shows as a high percentile rather than a missing one.
     */
    record Result(List<Long> excessMs, long expected, long missing) {
        double percentile(double p) {
            if (excessMs.isEmpty()) {
                return Double.NaN;
            }
            int i = (int) Math.ceil(p / 100 * excessMs.size()) - 1;
            return excessMs.get(Math.max(0, Math.min(excessMs.size() - 1, i)));
        }
    }

    /** Connections of the latency workload live 4 s: the rate is steady after the first 4 s. */
    static final long LIFETIME_MICROS = 4_000_000L;

    private LatencyProbe() {}

    /** A workload of about {@code eventsPerSecond} (5 events per replied connection, 2 per unreplied one) for the given time. */
    static Workload workload(int eventsPerSecond, int seconds) {
        int connections = (int) Math.max(1, Math.round(eventsPerSecond / 4.91));
        return new Workload("latency", 10, 50, connections, LIFETIME_MICROS, 3, (long) connections * seconds, Workload.START_MICROS);
    }

    static Result run(BenchCluster cluster, AppConfig config, AppSerdes serdes, Workload shape, Progress progress) throws Exception {
        Path stateDir = Files.createTempDirectory("ctflow-bench-latency");
        Properties p = new Properties();
        p.putAll(config.kafka());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "ctflow-bench-latency");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        long waitMs = config.tcpReplyTimeout().plus(config.grace()).toMillis();
        Map<String, Long> sentMs = new ConcurrentHashMap<>();
        Map<String, Long> appendedMs = new HashMap<>();
        try (Publisher pub = cluster.publisher(config);
             KafkaStreams streams = new KafkaStreams(CtflowTopology.build(config, serdes), p);
             KafkaConsumer<String, NatAnomaly> anomalies = consumer(cluster, serdes)) {
            BenchCluster.publishTopology(pub, shape);
            anomalies.subscribe(List.of(config.topics().anomalies()));
            streams.start();
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (streams.state() != KafkaStreams.State.RUNNING) {
                if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR) {
                    throw new io.ctflow.config.RuntimeFailure("the app did not reach RUNNING: " + streams.state());
                }
                anomalies.poll(Duration.ofMillis(100)); // joins the group while the app starts
            }
            // Event time = wall-clock time from now on. Counted: connections opened once the rate is
            // steady (after the first lifetime) and the first 20 % of the run.
            long startMicros = System.currentTimeMillis() * 1000 + 500_000;
            Workload w = shape.withStart(startMicros);
            long countFromMicros = startMicros + Math.max(w.lifetimeMicros(), (w.newAt(w.connections() - 1) - startMicros) / 5);
            long expected = 0;
            WorkloadEvents events = new WorkloadEvents(w);
            long lastPoll = System.nanoTime();
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
                if (System.nanoTime() - lastPoll > 50_000_000L) {
                    collect(anomalies, appendedMs, Duration.ZERO);
                    lastPoll = System.nanoTime();
                }
            }
            pub.flush();
            progress.say("latency: sent %,d connections at %,d/s; waiting for their anomalies", w.connections(), w.connectionsPerSecond());
            // The last anomalies need event time past their deadline: a final heartbeat, as a replay ends.
            pub.marker(EventType.HEARTBEAT, "bench", WorkloadEvents.micros(lastMicros + 60_000_000L), 0);
            pub.flush();
            long until = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < until && !appendedMs.keySet().containsAll(sentMs.keySet())) {
                collect(anomalies, appendedMs, Duration.ofMillis(200));
            }
            List<Long> excess = new ArrayList<>();
            long missing = 0;
            long endMs = System.currentTimeMillis();
            for (Map.Entry<String, Long> s : sentMs.entrySet()) {
                Long a = appendedMs.get(s.getKey());
                if (a == null) {
                    missing++;
                    a = endMs;
                }
                excess.add(a - s.getValue() - waitMs);
            }
            Collections.sort(excess);
            return new Result(excess, expected, missing);
        } finally {
            EmbeddedStack.deleteTree(stateDir);
        }
    }

    /** Wall-clock micros from a monotonic clock (no step backwards within a run). */
    private static long wallMicros(long wall0Micros, long nano0) {
        return wall0Micros + (System.nanoTime() - nano0) / 1000;
    }

    /** First append time of each flow's OPEN anomaly. */
    private static void collect(KafkaConsumer<String, NatAnomaly> c, Map<String, Long> appendedMs, Duration wait) {
        for (ConsumerRecord<String, NatAnomaly> r : c.poll(wait)) {
            NatAnomaly a = r.value();
            if (a != null && a.getFlowKey() != null && "OPEN".equals(String.valueOf(a.getStatus()))) {
                appendedMs.putIfAbsent(a.getFlowKey(), r.timestamp());
            }
        }
    }

    private static KafkaConsumer<String, NatAnomaly> consumer(BenchCluster cluster, AppSerdes serdes) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "ctflow-bench-latency-reader");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(c, new StringDeserializer(), serdes.anomalies().deserializer());
    }
}
