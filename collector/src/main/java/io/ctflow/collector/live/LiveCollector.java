package io.ctflow.collector.live;

import io.ctflow.collector.CollectorException;
import io.ctflow.collector.filter.OnlyServices;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.LossLine;
import io.ctflow.collector.publish.Sink;
import io.ctflow.collector.record.CaptureWriter;
import io.ctflow.process.Launcher;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live collector of one node: runs the parts and stops them.
 * <ul>
 * <li>{@link EventStream}: {@code conntrack -E} (inside {@code ip netns exec NAME} with a namespace),
 *     supervised and restarted with backoff;</li>
 * <li>{@link LinePublisher}: each line parsed and handed to the {@link Sink}, or a dead letter, or
 *     (with {@link LiveOptions#onlyServices}) dropped when no Service could have touched it;</li>
 * <li>{@link LossReporter}: a loss (ENOBUFS, conntrack ended) counted, a GAP marker sent;</li>
 * <li>{@link TableSnapshots}: a table snapshot at start and after every loss;</li>
 * <li>{@link NodeReports}: heartbeats, stats, node facts and Services on timers (each Services
 *     reading also becomes the {@link OnlyServices} filter's table);</li>
 * <li>optionally a {@link CaptureWriter} that records the capture format while collecting.</li>
 * </ul>
 * The counters live in {@link CollectorMetrics} only; {@link #summary()} reads them. No shell is
 * involved and nothing is logged per line. {@link #run()} blocks until {@link #stop()}, the
 * duration, or a fatal problem (conntrack missing, no permission, a fatal send error), which it
 * throws as a {@link CollectorException}.
 */
public final class LiveCollector {
    private static final Logger LOG = LoggerFactory.getLogger(LiveCollector.class);

    private final LiveOptions options;
    private final Sink sink;
    private final CaptureWriter recorder;
    private final CollectorMetrics metrics;
    private final NodeAccess access;
    private final RunState state;
    private final TableSnapshots snapshots;
    private final EventStream events;
    private final NodeReports reports;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicBoolean running = new AtomicBoolean();
    private ScheduledExecutorService scheduler;
    private Thread reader;

    public LiveCollector(LiveOptions options, Sink sink, CaptureWriter recorder, CollectorMetrics metrics) {
        this(options, sink, recorder, metrics, Time.SYSTEM, Launcher.SYSTEM);
    }

    /** With the clock that times backoffs and the launcher that starts conntrack and the other tools (tests). */
    public LiveCollector(LiveOptions options, Sink sink, CaptureWriter recorder, CollectorMetrics metrics, Time time,
                         Launcher launcher) {
        this.options = Objects.requireNonNull(options, "options");
        String node = Objects.requireNonNull(options.node(), "node");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.recorder = recorder;
        this.metrics = metrics != null ? metrics : new CollectorMetrics();
        this.access = new NodeAccess(options.netns(), options.searchPath(), launcher);
        this.state = new RunState(Objects.requireNonNull(time, "time"));
        OnlyServices filter = options.onlyServices() ? OnlyServices.counting(this.metrics.droppedNotService) : OnlyServices.OFF;
        LinePublisher lines = new LinePublisher(node, options.keepRaw(), sink, this.metrics, filter);
        this.snapshots = new TableSnapshots(access, options.conntrack(), lines, this.metrics, state);
        LossReporter losses = new LossReporter(node, sink, recorder, this.metrics, lines, snapshots, options.snapshots(), state);
        this.events = new EventStream(options, access, lines, losses, snapshots, recorder, this.metrics, state, started);
        this.reports = new NodeReports(options, access, sink, recorder, this.metrics, lines, state, filter);
    }

    /**
     * What a run did (read from the metrics).
     *
     * @param droppedNotService lines (events and snapshot lines) not sent because no Service could have touched them
     */
    public record Summary(long eventsRead, long snapshotEvents, long deadLetters, long lostEvents, long gaps, long restarts,
                          long snapshots, long droppedNotService) {}

    public Summary summary() {
        long lost = lostEvents();
        return new Summary(value(metrics.eventsRead) - value(metrics.snapshotLines), value(metrics.snapshotEntries),
                value(metrics.deadLetters), lost, lost, restarts(), value(metrics.snapshots),
                CollectorMetrics.value(metrics.droppedNotService));
    }

    private static long value(io.prometheus.metrics.core.metrics.Counter c) {
        return CollectorMetrics.value(c);
    }

    public String node() {
        return options.node();
    }

    public long lostEvents() {
        return value(metrics.lostEvents);
    }

    /** GAP markers sent: one per loss. */
    public long gaps() {
        return lostEvents();
    }

    public long restarts() {
        return value(metrics.conntrackRestarts);
    }

    /**
     * Waits until conntrack -E runs (and has joined the event groups, when checked) and the first
     * snapshot is sent.
     */
    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return started.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until {@link #run()} has cleaned up. */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks {@link #run()} to stop (thread-safe, idempotent; a JVM shutdown hook may call it). */
    public void stop() {
        state.stop();
    }

    /**
     * Collects until stopped.
     *
     * @throws CollectorException   for a problem that stops collecting (conntrack missing, not permitted, Kafka refusing)
     * @throws InterruptedException when the calling thread is interrupted (the collector is stopped first)
     */
    public Summary run() throws InterruptedException {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("already running");
        }
        try {
            preflight();
            reports.readFactsAndServices(true);
            if (recorder != null) {
                recorder.statsBefore(reports.statsText());
                recorder.countBefore(reports.countText());
            }
            scheduler = Executors.newScheduledThreadPool(1, ToolProcesses.daemon("ctflow-collector-timer"));
            reader = ToolProcesses.daemon("ctflow-conntrack-events").newThread(events);
            reader.start();
            long hb = options.heartbeat().toNanos();
            scheduler.scheduleAtFixedRate(guard("heartbeat", reports::heartbeat), hb, hb, TimeUnit.NANOSECONDS);
            long st = options.statsInterval().toNanos();
            scheduler.scheduleAtFixedRate(guard("stats", reports::publishStats), 0, st, TimeUnit.NANOSECONDS);
            long ft = options.factsInterval().toNanos();
            scheduler.scheduleAtFixedRate(guard("facts", () -> reports.readFactsAndServices(false)), ft, ft, TimeUnit.NANOSECONDS);
            Duration d = options.duration();
            if (recorder != null && options.recordProc() && d != null) {
                scheduler.schedule(guard("proc", reports::recordProc), d.toNanos() / 2, TimeUnit.NANOSECONDS);
            }
            if (d != null) {
                state.awaitStop(d.toNanos());
            } else {
                state.awaitStop();
            }
        } catch (InterruptedException e) {
            stop();
            throw e;
        } finally {
            shutdown();
            finished.countDown();
        }
        if (state.fatal() != null) {
            throw CollectorException.environment(state.fatal());
        }
        return summary();
    }

    /**
     * Checks the node before anything is published: conntrack installed, the namespace present,
     * {@code conntrack -C} permitted (root or CAP_NET_ADMIN). {@link #run()} does it too.
     *
     * @throws CollectorException with one clear line
     */
    public void checkEnvironment() {
        preflight();
    }

    private void preflight() {
        access.preflight(options.conntrack());
        NodeAccess.Result r;
        try {
            r = access.run(access.command(options.conntrack(), "-C"), NodeReports.TOOL_TIMEOUT);
        } catch (java.io.IOException e) {
            throw CollectorException.environment("cannot run conntrack: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CollectorException.environment("interrupted");
        }
        if (!r.ok()) {
            ToolProcesses.checkToolError(r.stderr());
            throw CollectorException.environment("conntrack -C failed: " + r.error());
        }
    }

    /** {@link LossLine#isConntrackLossWarning}: the one detection, shared with the lab's recorder. */
    public static boolean isLossMessage(String line) {
        return LossLine.isConntrackLossWarning(line);
    }

    private void shutdown() {
        state.stop();
        Process p = events.process();
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        snapshots.shutdown();
        try {
            if (reader != null) {
                reader.join(5000);
            }
            if (p != null && !p.waitFor(3, TimeUnit.SECONDS)) {
                p.toHandle().destroyForcibly();
            }
            if (scheduler != null) {
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            }
            snapshots.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (recorder != null) {
            try {
                if (options.recordProc() && options.duration() == null) {
                    reports.recordProc();
                }
                recorder.statsAfter(reports.statsText());
                recorder.countAfter(reports.countText());
                recorder.flush();
            } catch (Exception e) {
                LOG.warn("finishing the capture: {}", e.getMessage());
            }
        }
        try {
            sink.flush();
        } catch (CollectorException e) {
            state.fatal(e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("flushing: {}", e.getMessage());
        }
    }

    /** The fatal problem that stopped the collector, or null. */
    public String fatalError() {
        return state.fatal();
    }

    private Runnable guard(String what, RunState.Task task) {
        return () -> {
            if (!state.stopping()) {
                state.guarded(task, e -> what + ": " + e);
            }
        };
    }
}
