package io.ctflow.cli.bench;

import io.ctflow.cli.EmbeddedStack;
import io.ctflow.streams.AppConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    /** Polls between two reads of the native threads' CPU: a window of seconds is exact to a quarter second. */
    private static final int NATIVE_EVERY_POLLS = 5;
    private static final long STALL_NANOS = 180_000_000_000L;

    /**
     * Events per second, what it was measured over, the cores the whole process (app, broker, bench)
     * used meanwhile (CPU time / wall time), events per second of the stream threads' own CPU time
     * from the first commit on, and when each committed input offset was first seen. The last one
     * is what a change to the app's code moves: the wall rate also moves with whatever else the two
     * cores ran (broker, compaction, the machine's neighbours), often by more than the change.
     */
    record Result(double rate, long records, double seconds, double cores, double perThreadCpuSecond, Timeline timeline) {}

    /**
     * Committed input offsets (summed over partitions) against time, sampled every {@value #POLL_MS} ms,
     * with the CPU time the app's stream threads and the broker's log cleaner had used by then.
     */
    static final class Timeline {
        private final List<long[]> samples = new ArrayList<>();

        private static final long[] NO_NATIVE = new long[NativeThreadCpu.Kind.values().length];

        void add(long nanos, long committed) {
            add(nanos, committed, -1, 0);
        }

        /** A sample; {@code streamCpuNanos} -1 before the stream threads are known. */
        void add(long nanos, long committed, long streamCpuNanos, long cleanerCpuNanos) {
            add(nanos, committed, streamCpuNanos, cleanerCpuNanos, 0, NO_NATIVE);
        }

        /** A sample with the whole process's CPU and its native threads' by kind ({@link NativeThreadCpu}). */
        void add(long nanos, long committed, long streamCpuNanos, long cleanerCpuNanos, long processCpuNanos, long[] nativeCpuNanos) {
            if (samples.isEmpty() || samples.get(samples.size() - 1)[1] != committed) {
                long[] s = new long[5 + nativeCpuNanos.length];
                s[0] = nanos;
                s[1] = committed;
                s[2] = streamCpuNanos;
                s[3] = cleanerCpuNanos;
                s[4] = processCpuNanos;
                System.arraycopy(nativeCpuNanos, 0, s, 5, nativeCpuNanos.length);
                samples.add(s);
            }
        }

        /** When the committed offset first reached {@code offset}, in nanos; -1 if it never did. */
        long reached(long offset) {
            long[] s = firstReaching(offset);
            return s == null ? -1 : s[0];
        }

        private long[] firstReaching(long offset) {
            for (long[] s : samples) {
                if (s[1] >= offset) {
                    return s;
                }
            }
            return null;
        }

        /**
         * Events/s over the input offsets {@code from} to {@code to}: records committed between the last
         * commit at or before {@code from} and the first commit that reached {@code to}, over the time
         * between those two commits. Commits come every commit.interval.ms, so a window of many seconds
         * is exact to a commit interval, and a window that one commit covers whole (a fast app, a small
         * window) is still timed, by the commits around it. NaN when {@code to} was never reached.
         */
        double rateBetween(long from, long to) {
            Window w = between(from, to);
            return w == null ? Double.NaN : w.rate();
        }

        /** The stretch {@link #rateBetween} times, with the CPU used in it; null when {@code to} was never reached. */
        Window between(long from, long to) {
            long[] start = null;
            for (long[] s : samples) {
                if (s[1] <= from) {
                    start = s;
                } else {
                    break;
                }
            }
            long[] end = firstReaching(to);
            if (start == null || end == null || end[0] <= start[0]) {
                return null;
            }
            long streamCpu = start[2] < 0 || end[2] < 0 ? -1 : end[2] - start[2];
            long[] nativeCpu = new long[start.length - 5];
            for (int i = 0; i < nativeCpu.length; i++) {
                nativeCpu[i] = end[5 + i] - start[5 + i];
            }
            return new Window(end[1] - start[1], end[0] - start[0], streamCpu, end[3] - start[3], end[4] - start[4], nativeCpu);
        }
    }

    /** A stretch of a run: events committed, wall time, the CPU time of the stream threads (-1: not known) and of the broker's log cleaner. */
    record Window(long events, long nanos, long streamCpuNanos, long cleanerCpuNanos, long processCpuNanos, long[] nativeCpuNanos) {
        /** Cores the whole process took (0 where the JVM cannot tell). */
        double processCores() {
            return processCpuNanos / (double) nanos;
        }

        /** Cores the native threads of one kind took. */
        double cores(NativeThreadCpu.Kind kind) {
            return nativeCpuNanos[kind.ordinal()] / (double) nanos;
        }

        double rate() {
            return events / (nanos / 1e9);
        }

        /** Events per CPU second of the stream threads: what the app's own code costs, apart from what else ran. */
        double perStreamCpuSecond() {
            return streamCpuNanos > 0 ? events / (streamCpuNanos / 1e9) : Double.NaN;
        }

        /** Cores the broker's log cleaner took meanwhile (CPU time / wall time). */
        double cleanerCores() {
            return cleanerCpuNanos / (double) nanos;
        }
    }

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

    /** Events per CPU second of {@code cpuNanos}; NaN when either is nothing (no figure rather than 0 or infinity). */
    static double perCpuSecond(long events, long cpuNanos) {
        return events > 0 && cpuNanos > 0 ? events / (cpuNanos / 1e9) : Double.NaN;
    }

    static Result run(BenchCluster cluster, AppConfig config, Topology topology, String applicationId, int threads,
                      Progress progress, AtEnd atEnd) throws Exception {
        // What earlier rounds and the loading left in the old generation is collected now, not by this
        // round's mixed collections: a production app round's ~1.3 GB of decoded flows turned garbage
        // when it closed, and the next app round ran the concurrent cycle and the mixed collections that
        // cleared it (1.6 s of pauses in those 20 s), at 0.87 of the first round's rate (BENCHMARKS.md,
        // twenty-fourth round).
        System.gc();
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
            // The stream threads from their start: a round too short to measure from its first commit
            // (the first poll already sees it all committed) counts their CPU from here, as its wall rate does.
            ThreadCpu startedThreads = ThreadCpu.streamThreads(applicationId);
            long startedThreadCpu = startedThreads.nanos();
            // A stalled app fails the round; a slow one is the measurement (no total deadline).
            long lastProgress = System.nanoTime();
            long lastCommitted = -1;
            long lastSaid = System.nanoTime();
            long firstAt = 0;
            long firstCommitted = 0;
            long firstCpu = 0;
            long firstThreadCpu = 0;
            Timeline timeline = new Timeline();
            ThreadCpu cleaner = ThreadCpu.logCleaner();
            ThreadCpu streamThreads = null;
            long polls = 0;
            long[] nativeCpu = new long[NativeThreadCpu.Kind.values().length]; // sampled at the first poll
            while (true) {
                if (failure.get() != null) {
                    throw new io.ctflow.config.RuntimeFailure(applicationId + " failed: " + failure.get(), failure.get());
                }
                long committed = committed(cluster, applicationId, end);
                long now = System.nanoTime();
                if (firstAt == 0 && committed > 0) {
                    firstAt = now;
                    firstCommitted = committed;
                    firstCpu = processCpuNanos();
                    streamThreads = ThreadCpu.streamThreads(applicationId); // running by the first commit
                    firstThreadCpu = streamThreads.nanos();
                }
                if (polls++ % NATIVE_EVERY_POLLS == 0) {
                    long[] sampled = NativeThreadCpu.sample(); // ~150 files: every quarter second, not every poll
                    nativeCpu = sampled != null ? sampled : nativeCpu;
                }
                timeline.add(now, committed, streamThreads == null ? -1 : streamThreads.nanos(), cleaner.nanos(), processCpuNanos(), nativeCpu);
                if (committed >= records && running.get() != 0) {
                    boolean fromFirstCommit = records - firstCommitted >= records / 2 && now > firstAt;
                    long n = fromFirstCommit ? records - firstCommitted : records;
                    double seconds = (now - (fromFirstCommit ? firstAt : running.get())) / 1e9;
                    double cores = now > firstAt ? (processCpuNanos() - firstCpu) / (double) (now - firstAt) : Double.NaN;
                    long threadCpu = fromFirstCommit && streamThreads != null ? streamThreads.nanos() - firstThreadCpu
                            : startedThreads.nanos() - startedThreadCpu;
                    double perThreadCpuSecond = perCpuSecond(n, threadCpu);
                    atEnd.accept(streams);
                    return new Result(n / seconds, n, seconds, cores, perThreadCpuSecond, timeline);
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
            cluster.dropInternalTopics(applicationId);
        }
    }

    /** CPU time of this whole process (the app, the embedded broker, the bench), NaN-free: 0 where the JVM cannot tell. */
    static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? Math.max(0, os.getProcessCpuTime()) : 0;
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
