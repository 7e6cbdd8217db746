package io.ctflow.cli.bench;

import io.ctflow.avro.NatAnomaly;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.AppSerdes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The latency probe's reader, on its own thread so that receiving is timed as a user's consumer
 * would see it, not when the paced sender finds time: a read_committed consumer of the anomalies
 * topic polling all the time (fetch.max.wait.ms 20, so an idle fetch does not hide a commit), which
 * records each flow's first OPEN anomaly (append time, receive time), and every 500 ms the app's
 * input backlog (end offset - committed offset of the events topic).
 */
final class AnomalyReader implements AutoCloseable {
    /** Broker append time and local receive time of a flow's first OPEN anomaly. */
    record Seen(long appendedMs, long receivedMs) {}

    private static final long BACKLOG_EVERY_NANOS = 500_000_000L;
    /** A backlog this small is caught up (a commit interval's worth at a few k events/s). */
    private static final long DRAINED = 500;
    /** Below a second of input left when the sender stops, the app kept up: no capacity to read from the drain. */
    private volatile long saturated = Long.MAX_VALUE;

    private final BenchCluster cluster;
    private final String events;
    private final String appId;
    private final KafkaConsumer<String, NatAnomaly> consumer;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean assigned;
    private volatile boolean stop;
    private long maxBacklog;
    private long backlogSum;
    private long backlogSamples;
    private final StringBuilder backlogTrace = new StringBuilder();
    /** Once the sender is done: (nanos, committed, backlog) of the first sample, then of the first caught-up one. */
    private volatile boolean draining;
    private long[] drainFrom;
    private long[] drainTo;

    private AnomalyReader(BenchCluster cluster, AppConfig config, AppSerdes serdes, String appId) {
        this.cluster = cluster;
        this.events = config.topics().events();
        this.appId = appId;
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, appId + "-reader");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), serdes.anomalies().deserializer());
        consumer.subscribe(List.of(config.topics().anomalies()));
        this.thread = new Thread(this::loop, "bench-anomaly-reader");
        thread.setDaemon(true);
    }

    static AnomalyReader start(BenchCluster cluster, AppConfig config, AppSerdes serdes, String appId) {
        AnomalyReader r = new AnomalyReader(cluster, config, serdes, appId);
        r.thread.start();
        return r;
    }

    private void loop() {
        long lastSample = 0;
        try {
            while (!stop) {
                for (ConsumerRecord<String, NatAnomaly> r : consumer.poll(Duration.ofMillis(100))) {
                    NatAnomaly a = r.value();
                    if (a != null && a.getFlowKey() != null && "OPEN".equals(String.valueOf(a.getStatus()))) {
                        seen.putIfAbsent(a.getFlowKey(), new Seen(r.timestamp(), System.currentTimeMillis()));
                    }
                }
                assigned = assigned || !consumer.assignment().isEmpty();
                if (System.nanoTime() - lastSample > BACKLOG_EVERY_NANOS) {
                    sampleBacklog();
                    lastSample = System.nanoTime();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Exception e) {
            failure.compareAndSet(null, e);
        }
    }

    private void sampleBacklog() throws Exception {
        Map<TopicPartition, Long> end = cluster.endOffsetsByPartition(events);
        Map<TopicPartition, OffsetAndMetadata> committed = cluster.admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
        long backlog = 0;
        long done = 0;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            done += c == null ? 0 : c.offset();
            backlog += e.getValue() - (c == null ? 0 : c.offset());
        }
        long now = System.nanoTime();
        synchronized (this) {
            if (draining && drainFrom == null) {
                drainFrom = new long[] {now, done, backlog};
            } else if (draining && drainTo == null && backlog <= DRAINED) {
                drainTo = new long[] {now, done, backlog};
            }
            maxBacklog = Math.max(maxBacklog, backlog);
            backlogSum += backlog;
            backlogSamples++;
            if (backlogTrace.length() < 4000) {
                backlogTrace.append(backlogSamples == 1 ? "" : " ").append(backlog);
            }
        }
    }

    void awaitAssignment() throws InterruptedException {
        await(() -> assigned, Duration.ofSeconds(60), "the anomaly reader got no partition");
    }

    /** Waits until every key has its anomaly, or the time is up (the missing ones are the caller's to count). */
    void awaitAll(Set<String> keys, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline && !seen.keySet().containsAll(keys)) {
            check();
            Thread.sleep(100); // polls what the reader thread saw, bounded by the deadline above
        }
    }

    /** Waits (at most {@code max}) until the backlog left when the sender stopped is drained. */
    void awaitDrained(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                if (drainTo != null) {
                    return;
                }
            }
            check();
            Thread.sleep(100); // polls what the reader thread saw, bounded by the deadline above
        }
    }

    private void await(java.util.function.BooleanSupplier done, Duration max, String what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean()) {
            check();
            if (System.nanoTime() > deadline) {
                throw new io.ctflow.config.RuntimeFailure("latency: " + what + " within " + max);
            }
            Thread.sleep(50); // polls the reader thread's state, bounded by the deadline above
        }
    }

    private void check() {
        if (failure.get() != null) {
            throw new io.ctflow.config.RuntimeFailure("latency: the anomaly reader failed: " + failure.get(), failure.get());
        }
    }

    Seen seen(String flowKey) {
        return seen.get(flowKey);
    }

    synchronized long maxBacklog() {
        return maxBacklog;
    }

    /** The paced sender starts: the backlog figures count from here, not from the warm-up (or the open flows) before. */
    synchronized void senderStarts() {
        maxBacklog = 0;
        backlogSum = 0;
        backlogSamples = 0;
        backlogTrace.setLength(0);
    }

    /** The sender is done: from now on the app drains its backlog at the rate it can. */
    void senderDone(double sentPerSecond) {
        saturated = Math.max(DRAINED + 1, (long) sentPerSecond);
        draining = true;
    }

    /**
     * The app's capacity at the time: events/s committed from the sender's end until its backlog
     * was drained; NaN when it kept up with the sender (nothing to drain) or never caught up.
     */
    synchronized double drainRate() {
        if (drainFrom == null || drainTo == null || drainFrom[2] < saturated || drainTo[0] <= drainFrom[0]) {
            return Double.NaN;
        }
        return (drainTo[1] - drainFrom[1]) / ((drainTo[0] - drainFrom[0]) / 1e9);
    }

    /** The backlog samples in order, space-separated (the first ones, a few thousand characters at most). */
    synchronized String backlogTrace() {
        return backlogTrace.toString();
    }

    synchronized double meanBacklog() {
        return backlogSamples == 0 ? 0 : (double) backlogSum / backlogSamples;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        consumer.wakeup();
        thread.join(10_000);
        consumer.close();
    }
}
