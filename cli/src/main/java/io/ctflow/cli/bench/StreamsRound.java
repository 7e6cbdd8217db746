package io.ctflow.cli.bench;

import io.ctflow.cli.EmbeddedStack;
import io.ctflow.streams.AppConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * One timed run of a topology as a real {@link KafkaStreams} instance over input loaded before it
 * starts, timed from the first commit of input offsets (so neither the instance's startup nor its
 * tasks' initialization — RocksDB, transactions — is counted) until every input partition's
 * committed offset reached its end: events/s = records committed in between / time in between.
 * When the first commit already covered most of the input (tiny runs), the time is counted from
 * the instance's first RUNNING state instead. Each run has its own application.id, so it starts
 * from offset 0 with empty state.
 */
final class StreamsRound {
    private static final long POLL_MS = 50;
    private static final long STALL_NANOS = 180_000_000_000L;

    /** Events per second, and what it was measured over. */
    record Result(double rate, long records, double seconds) {}

    /** What to look at in the instance once every input record is committed, before it closes. */
    @FunctionalInterface
    interface AtEnd {
        void accept(KafkaStreams streams) throws Exception;
    }

    private StreamsRound() {}

    static Result run(BenchCluster cluster, AppConfig config, Topology topology, String applicationId, int threads,
                      Progress progress) throws Exception {
        return run(cluster, config, topology, applicationId, threads, progress, streams -> { });
    }

    static Result run(BenchCluster cluster, AppConfig config, Topology topology, String applicationId, int threads,
                      Progress progress, AtEnd atEnd) throws Exception {
        String input = config.topics().events();
        Map<TopicPartition, Long> end = cluster.endOffsetsByPartition(input);
        long records = end.values().stream().mapToLong(Long::longValue).sum();
        Path stateDir = Files.createTempDirectory("ctflow-bench-state");
        Properties p = new Properties();
        p.putAll(config.kafka());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        AtomicLong running = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        KafkaStreams streams = new KafkaStreams(topology, p);
        try {
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING) {
                    running.compareAndSet(0, System.nanoTime());
                }
            });
            streams.setUncaughtExceptionHandler(e -> {
                failure.compareAndSet(null, e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.start();
            // A stalled app fails the round; a slow one is the measurement (no total deadline).
            long lastProgress = System.nanoTime();
            long lastCommitted = -1;
            long lastSaid = System.nanoTime();
            long firstAt = 0;
            long firstCommitted = 0;
            while (true) {
                if (failure.get() != null) {
                    throw new io.ctflow.config.RuntimeFailure(applicationId + " failed: " + failure.get(), failure.get());
                }
                long committed = committed(cluster, applicationId, end);
                long now = System.nanoTime();
                if (firstAt == 0 && committed > 0) {
                    firstAt = now;
                    firstCommitted = committed;
                }
                if (committed >= records && running.get() != 0) {
                    boolean fromFirstCommit = records - firstCommitted >= records / 2 && now > firstAt;
                    long n = fromFirstCommit ? records - firstCommitted : records;
                    double seconds = (now - (fromFirstCommit ? firstAt : running.get())) / 1e9;
                    atEnd.accept(streams);
                    return new Result(n / seconds, n, seconds);
                }
                if (committed != lastCommitted) {
                    lastCommitted = committed;
                    lastProgress = now;
                } else if (now - lastProgress > STALL_NANOS) {
                    throw new io.ctflow.config.RuntimeFailure(applicationId + " committed nothing for 3 minutes, at " + committed + " of "
                            + records + " input records (state " + streams.state() + ")");
                }
                if (now - lastSaid > 10_000_000_000L) {
                    progress.say("%s: %,d of %,d committed", applicationId, committed, records);
                    lastSaid = now;
                }
                Thread.sleep(POLL_MS); // polls the committed offsets, bounded by the deadline above
            }
        } finally {
            streams.close();
            streams.cleanUp();
            EmbeddedStack.deleteTree(stateDir);
        }
    }

    /** Committed input offsets summed over the partitions, each capped at its end. */
    private static long committed(BenchCluster cluster, String group, Map<TopicPartition, Long> end) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets =
                cluster.admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long sum = 0;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            OffsetAndMetadata om = offsets.get(e.getKey());
            sum += om == null ? 0 : Math.min(om.offset(), e.getValue());
        }
        return sum;
    }
}
