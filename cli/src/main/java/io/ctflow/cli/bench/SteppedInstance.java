package io.ctflow.cli.bench;

import io.ctflow.cli.EmbeddedStack;
import io.ctflow.streams.AppConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * A {@link KafkaStreams} instance of one stream thread run in stretches over input loaded before it
 * starts: {@link #runTo} resumes it, lets it process until its committed input offset reaches a
 * target, pauses it ({@link KafkaStreams#pause}) and waits for its last commit. Two of them take
 * turns on the same cores, so the second one's rate in the minutes around each stretch of the first
 * is a baseline from the same time: what the machine gave then.
 * A stretch counts the records committed between the settled commits before and after it, the wall
 * time from resuming to pausing, and the stream thread's CPU time over the same two settled points
 * (a paused thread polls, and costs next to nothing).
 */
final class SteppedInstance implements AutoCloseable {
    private static final long POLL_MS = 20;
    /** Polls without a new commit after pausing: the thread has stopped and its last transaction is committed (commits come every 100 ms under exactly-once). */
    private static final int SETTLED_POLLS = 15;
    private static final long STALL_NANOS = 180_000_000_000L;

    private final BenchCluster cluster;
    private final String applicationId;
    private final KafkaStreams streams;
    private final Path stateDir;
    private final Map<TopicPartition, Long> end;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private ThreadCpu thread;
    private long committed;

    private SteppedInstance(BenchCluster cluster, AppConfig config, Topology topology, String applicationId) throws Exception {
        this.cluster = cluster;
        this.applicationId = applicationId;
        this.end = cluster.endOffsetsByPartition(config.topics().events());
        this.stateDir = Files.createTempDirectory("ctflow-bench-state");
        this.streams = new KafkaStreams(topology, StreamsRound.properties(cluster, config, applicationId, 1, stateDir));
    }

    /** Created and started paused: nothing is processed before the first {@link #runTo}. */
    static SteppedInstance start(BenchCluster cluster, AppConfig config, Topology topology, String applicationId) throws Exception {
        SteppedInstance s = new SteppedInstance(cluster, config, topology, applicationId);
        s.streams.setUncaughtExceptionHandler(e -> {
            s.failure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        s.streams.pause();
        s.streams.start();
        s.thread = ThreadCpu.streamThreads(applicationId);
        return s;
    }

    /** Input records committed by the end of the last stretch. */
    long committed() {
        return committed;
    }

    /** Input records in its topic. */
    long records() {
        return end.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Runs until at least {@code target} input records are committed (capped at the input's end), and pauses again. */
    StreamsRound.Window runTo(long target, Progress progress) throws Exception {
        long goal = Math.min(target, records());
        long fromCommitted = committed;
        long fromCpu = thread.nanos();
        ThreadCpu cleaner = ThreadCpu.logCleaner();
        long fromCleaner = cleaner.nanos();
        long fromProcess = StreamsRound.processCpuNanos();
        long[] fromNative = NativeThreadCpu.sample();
        long from = System.nanoTime();
        streams.resume();
        long lastProgress = from;
        long lastSaid = from;
        long seen = committed;
        while (committed < goal) {
            Thread.sleep(POLL_MS); // polls the committed offsets, bounded by the stall deadline below
            check();
            committed = StreamsRound.committed(cluster, applicationId, end);
            long now = System.nanoTime();
            if (committed != seen) {
                seen = committed;
                lastProgress = now;
            } else if (now - lastProgress > STALL_NANOS) {
                throw new io.ctflow.config.RuntimeFailure(applicationId + " committed nothing for 3 minutes, at " + committed + " of "
                        + records() + " input records (state " + streams.state() + ")");
            }
            if (now - lastSaid > 10_000_000_000L) {
                progress.say("%s: %,d of %,d committed", applicationId, committed, records());
                lastSaid = now;
            }
        }
        streams.pause();
        long to = System.nanoTime();
        long processCpu = StreamsRound.processCpuNanos() - fromProcess;
        long cleanerCpu = cleaner.nanos() - fromCleaner;
        long[] toNative = NativeThreadCpu.sample();
        settle();
        long[] nativeCpu = new long[NativeThreadCpu.Kind.values().length];
        if (fromNative != null && toNative != null) {
            for (int i = 0; i < nativeCpu.length; i++) {
                nativeCpu[i] = toNative[i] - fromNative[i];
            }
        }
        return new StreamsRound.Window(committed - fromCommitted, to - from, thread.nanos() - fromCpu, cleanerCpu, processCpu, nativeCpu);
    }

    /** Waits until the committed offset has not moved for {@value #SETTLED_POLLS} polls. */
    private void settle() throws Exception {
        int same = 0;
        while (same < SETTLED_POLLS) {
            Thread.sleep(POLL_MS);
            check();
            long c = StreamsRound.committed(cluster, applicationId, end);
            same = c == committed ? same + 1 : 0;
            committed = c;
        }
    }

    private void check() {
        if (failure.get() != null) {
            throw new io.ctflow.config.RuntimeFailure(applicationId + " failed: " + failure.get(), failure.get());
        }
    }

    @Override
    public void close() throws Exception {
        try {
            streams.close();
            streams.cleanUp();
        } finally {
            EmbeddedStack.deleteTree(stateDir);
            cluster.dropInternalTopics(applicationId);
        }
    }
}
