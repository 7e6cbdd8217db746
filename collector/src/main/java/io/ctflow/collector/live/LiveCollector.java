package io.ctflow.collector.live;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.collector.CollectorException;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ConntrackStatsParser;
import io.ctflow.collector.parse.LossLine;
import io.ctflow.collector.parse.ParseException;
import io.ctflow.collector.publish.Sink;
import io.ctflow.collector.record.CaptureWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live collector of one node. Runs {@code conntrack -E -o timestamp,id,extended -b BUFFER}
 * (inside {@code ip netns exec NAME} with a namespace), parses each line and hands it to a
 * {@link Sink}; lines that do not parse become dead letters and reading goes on. Around it:
 * <ul>
 * <li>a table snapshot ({@code conntrack -L -o extended,id}, SNAPSHOT events) at start and after
 *     every loss;</li>
 * <li>a HEARTBEAT marker every {@code heartbeat} (the node's clock, to every partition);</li>
 * <li>stats every {@code statsInterval} ({@code conntrack -S}, {@code -C}, nf_conntrack_max, and
 *     the collector's own loss counters);</li>
 * <li>node facts and Services every {@code factsInterval} (the sink sends them only when changed);</li>
 * <li>loss handling: when conntrack prints a loss message (ENOBUFS) or dies, the loss is counted, a
 *     GAP marker is sent, conntrack is restarted with exponential backoff (if it died) and a fresh
 *     snapshot follows;</li>
 * <li>optionally a {@link CaptureWriter} that records the capture format while collecting.</li>
 * </ul>
 * No shell is involved and nothing is logged per line. {@link #run()} blocks until {@link #stop()},
 * the duration, or a fatal problem (conntrack missing, no permission, a fatal send error), which it
 * throws as a {@link CollectorException}.
 */
public final class LiveCollector {
    private static final Logger LOG = LoggerFactory.getLogger(LiveCollector.class);
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(20);
    private static final int STDERR_TAIL = 20;

    private final LiveOptions options;
    private final Sink sink;
    private final CaptureWriter recorder;
    private final CollectorMetrics metrics;
    private final NodeAccess access;
    private final String node;
    private final ConntrackLineParser parser;
    private final FactsReader factsReader;
    private final ServicesReader servicesReader;
    /** The dataplane the last successful Services read used (NodeFacts.proxyMode); only the facts thread writes it. */
    private volatile String proxyMode;

    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong eventsRead = new AtomicLong();
    private final AtomicLong snapshotEvents = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong lostEvents = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicLong snapshots = new AtomicLong();
    private final AtomicLong heartbeats = new AtomicLong();
    private final AtomicLong statsSent = new AtomicLong();
    private final AtomicBoolean snapshotQueued = new AtomicBoolean();
    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    private final CountDownLatch stopLatch = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicBoolean running = new AtomicBoolean();

    private volatile boolean stopping;
    private volatile String fatal;
    private volatile Process eventsProcess;
    private volatile Process snapshotProcess;
    private long eventLineNo; // reader thread only
    private ScheduledExecutorService scheduler;
    private ExecutorService snapshotter;
    private Thread reader;

    public LiveCollector(LiveOptions options, Sink sink, CaptureWriter recorder, CollectorMetrics metrics) {
        this.options = Objects.requireNonNull(options, "options");
        this.node = Objects.requireNonNull(options.node(), "node");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.recorder = recorder;
        this.metrics = metrics != null ? metrics : new CollectorMetrics();
        this.access = new NodeAccess(options.netns(), options.searchPath());
        this.parser = new ConntrackLineParser(node, options.keepRaw());
        this.factsReader = new FactsReader(access, options.podCidrs());
        this.servicesReader = new ServicesReader(NodeTools.of(access, TOOL_TIMEOUT), options.servicesYaml(), options.servicesFrom());
    }

    /** What a run did. */
    public record Summary(long eventsRead, long snapshotEvents, long deadLetters, long lostEvents, long gaps, long restarts,
                          long snapshots, long heartbeats) {}

    public Summary summary() {
        return new Summary(eventsRead.get(), snapshotEvents.get(), deadLetters.get(), lostEvents.get(), gaps.get(),
                restarts.get(), snapshots.get(), heartbeats.get());
    }

    public String node() {
        return node;
    }

    public long lostEvents() {
        return lostEvents.get();
    }

    public long gaps() {
        return gaps.get();
    }

    public long restarts() {
        return restarts.get();
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
        stopping = true;
        stopLatch.countDown();
        terminate(eventsProcess);
        terminate(snapshotProcess);
    }

    /** SIGTERM without closing our ends of its pipes (Process.destroy would), so lines already printed are still read. */
    private static void terminate(Process p) {
        if (p != null) {
            p.toHandle().destroy();
        }
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
            readFactsAndServices(true);
            if (recorder != null) {
                recorder.statsBefore(statsText());
                recorder.countBefore(countText());
            }
            scheduler = Executors.newScheduledThreadPool(1, daemon("ctflow-collector-timer"));
            snapshotter = Executors.newSingleThreadExecutor(daemon("ctflow-snapshot"));
            reader = daemon("ctflow-conntrack-events").newThread(this::readEvents);
            reader.start();
            long hb = options.heartbeat().toNanos();
            scheduler.scheduleAtFixedRate(guard("heartbeat", this::heartbeat), hb, hb, TimeUnit.NANOSECONDS);
            long st = options.statsInterval().toNanos();
            scheduler.scheduleAtFixedRate(guard("stats", this::publishStats), 0, st, TimeUnit.NANOSECONDS);
            long ft = options.factsInterval().toNanos();
            scheduler.scheduleAtFixedRate(guard("facts", () -> readFactsAndServices(false)), ft, ft, TimeUnit.NANOSECONDS);
            Duration d = options.duration();
            if (recorder != null && options.recordProc() && d != null) {
                scheduler.schedule(guard("proc", this::recordProc), d.toNanos() / 2, TimeUnit.NANOSECONDS);
            }
            if (d != null) {
                stopLatch.await(d.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                stopLatch.await();
            }
        } catch (InterruptedException e) {
            stop();
            throw e;
        } finally {
            shutdown();
            finished.countDown();
        }
        if (fatal != null) {
            throw CollectorException.environment(fatal);
        }
        return summary();
    }

    // ---- startup ----

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
            r = access.run(access.command(options.conntrack(), "-C"), TOOL_TIMEOUT);
        } catch (IOException e) {
            throw CollectorException.environment("cannot run conntrack: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CollectorException.environment("interrupted");
        }
        if (!r.ok()) {
            checkToolError(r.stderr());
            throw CollectorException.environment("conntrack -C failed: " + r.error());
        }
    }

    /** Throws the clear message for errors that retrying cannot fix. */
    private void checkToolError(String stderr) {
        if (NodeAccess.notPermitted(stderr)) {
            throw CollectorException.environment(NodeAccess.NOT_PERMITTED);
        }
        if (NodeAccess.execFailed(stderr)) {
            String first = new NodeAccess.Result(1, "", stderr).error();
            throw CollectorException.environment(first.contains("exec of") ? NodeAccess.CONNTRACK_MISSING + " (" + first + ")" : first);
        }
        if (stderr.contains("Protocol not supported")) {
            throw CollectorException.environment("conntrack: the kernel has no conntrack netlink interface (modprobe nf_conntrack_netlink)");
        }
    }

    // ---- conntrack -E ----

    private void readEvents() {
        long backoff = options.restartBackoffMin().toNanos();
        boolean first = true;
        try {
            while (!stopping) {
                List<String> cmd = eventsCommand();
                Process p;
                try {
                    p = access.start(cmd);
                } catch (IOException e) {
                    fatal(access.find(options.conntrack()) == null ? NodeAccess.CONNTRACK_MISSING
                            : "cannot start conntrack: " + e.getMessage());
                    return;
                }
                eventsProcess = p;
                if (stopping) {
                    terminate(p);
                }
                long startedAt = System.nanoTime();
                Deque<String> stderrTail = new ArrayDeque<>();
                Thread errThread = daemon("ctflow-conntrack-stderr").newThread(() -> watchStderr(p, stderrTail));
                errThread.start();
                // The snapshot comes after the (re)start, so nothing falls between it and the event stream.
                if (first) {
                    startup(p);
                } else if (options.snapshots()) {
                    requestSnapshot();
                }
                first = false;
                readLines(p);
                waitExit(p);
                errThread.join(2000);
                if (stopping) {
                    return;
                }
                String err;
                synchronized (stderrTail) {
                    err = String.join("\n", stderrTail);
                }
                try {
                    checkToolError(err);
                } catch (CollectorException e) {
                    fatal(e.getMessage());
                    return;
                }
                long ran = System.nanoTime() - startedAt;
                if (ran >= options.healthyAfter().toNanos()) {
                    backoff = options.restartBackoffMin().toNanos();
                }
                restarts.incrementAndGet();
                metrics.conntrackRestarts.inc();
                String why = "exit code " + p.exitValue() + (err.isBlank() ? "" : ": " + lastLine(err));
                LOG.warn("conntrack -E ended ({}); events are lost until it runs again; restarting in {} ms", why,
                        TimeUnit.NANOSECONDS.toMillis(backoff));
                loss("conntrack -E ended, " + why, false);
                if (stopLatch.await(backoff, TimeUnit.NANOSECONDS)) {
                    return;
                }
                backoff = Math.min(backoff * 2, options.restartBackoffMax().toNanos());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (CollectorException e) {
            fatal(e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("the event reader failed", e);
            fatal("the event reader failed: " + e);
        } finally {
            started.countDown();
        }
    }

    private List<String> eventsCommand() {
        List<String> args = new ArrayList<>(List.of("-E", "-o", "timestamp,id,extended"));
        if (options.bufferBytes() > 0) {
            args.add("-b");
            args.add(Long.toString(options.bufferBytes()));
        }
        return access.command(options.conntrack(), args.toArray(new String[0]));
    }

    private void readLines(Process p) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = in.readLine()) != null) {
                eventLineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                if (recorder != null) {
                    recorder.eventLine(line);
                }
                eventsRead.incrementAndGet();
                metrics.eventsRead.inc();
                handle(line, "conntrack -E", eventLineNo, Instant.now());
            }
        } catch (IOException e) {
            // the process was killed or its pipe closed: treated as its end
        }
    }

    /** Parses and sends one line; a line that does not parse becomes a dead letter. */
    private boolean handle(String line, String source, long lineNo, Instant now) {
        ConntrackEvent e;
        try {
            e = parser.parse(line, now, 0);
        } catch (ParseException ex) {
            deadLetters.incrementAndGet();
            metrics.deadLetters.inc();
            byte[] raw = line.getBytes(StandardCharsets.UTF_8);
            sink.deadLetter(DeadLetter.newBuilder().setNode(node).setSource(source).setPosition(lineNo)
                    .setReason(ex.reason()).setRaw(ByteBuffer.wrap(raw, 0, Math.min(raw.length, 64 * 1024)))
                    .setTimestamp(now).build());
            return false;
        }
        e.setSequence(sequence.incrementAndGet());
        sink.event(e);
        return true;
    }

    private void watchStderr(Process p, Deque<String> tail) {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null) {
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > STDERR_TAIL) {
                        tail.removeFirst();
                    }
                }
                if (isLossMessage(line) && p.isAlive()) {
                    LOG.warn("conntrack -E lost events ({}); consider a larger --buffer", line.strip());
                    loss("ENOBUFS", true);
                }
            }
        } catch (IOException e) {
            // process gone
        } catch (CollectorException e) {
            fatal(e.getMessage());
        }
    }

    /** {@link LossLine#isConntrackLossWarning}: the one detection, shared with the lab's recorder. */
    public static boolean isLossMessage(String line) {
        return LossLine.isConntrackLossWarning(line);
    }

    /**
     * Counts a loss, sends a GAP marker, records it as a loss line (the same moment, so a replay of
     * the capture sends the same marker) and, when conntrack keeps running, takes a fresh snapshot.
     */
    private void loss(String reason, boolean stillRunning) {
        lostEvents.incrementAndGet();
        metrics.lostEvents.inc();
        gaps.incrementAndGet();
        Instant at = Instant.now();
        sink.marker(EventType.GAP, node, at, sequence.get());
        if (recorder != null) {
            recorder.lossLine(at, reason);
        }
        if (stillRunning && options.snapshots()) {
            requestSnapshot();
        }
    }

    private static void waitExit(Process p) throws InterruptedException {
        if (!p.waitFor(2, TimeUnit.SECONDS)) {
            terminate(p);
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.toHandle().destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
            }
        }
    }

    /** Polls /proc/PID/net/netlink until the process has a netfilter netlink socket in a multicast group. */
    private void awaitSubscribed(Process p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        Path netlink = Path.of("/proc", Long.toString(p.pid()), "net", "netlink");
        while (System.nanoTime() < deadline && p.isAlive() && !stopping) {
            if (subscribed(netlink, p.pid())) {
                return;
            }
            Thread.sleep(5);
        }
    }

    static boolean subscribed(Path netlink, long pid) {
        try {
            for (String l : Files.readAllLines(netlink)) {
                String[] f = l.trim().split("\\s+");
                // sk Eth Pid Groups ...; Eth 12 = NETLINK_NETFILTER
                if (f.length >= 4 && f[1].equals("12") && f[2].equals(Long.toString(pid)) && !f[3].matches("0+")) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    // ---- snapshots ----

    /**
     * First start: waits (off the reading thread) until conntrack -E has joined the event groups,
     * then takes the first snapshot, then counts as started.
     */
    private void startup(Process p) {
        try {
            snapshotter.execute(() -> {
                try {
                    if (options.waitForSubscription()) {
                        awaitSubscribed(p);
                    }
                    if (options.snapshots()) {
                        snapshot();
                    }
                } catch (CollectorException e) {
                    fatal(e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    logOnce("snapshot: " + e.getMessage());
                } finally {
                    started.countDown();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            started.countDown();
        }
    }

    /** A snapshot soon (coalesced: one queued at most). */
    private void requestSnapshot() {
        if (!snapshotQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            snapshotter.execute(() -> {
                snapshotQueued.set(false);
                try {
                    snapshot();
                } catch (CollectorException e) {
                    fatal(e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    logOnce("snapshot: " + e.getMessage());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            snapshotQueued.set(false);
        }
    }

    private void snapshot() throws IOException, InterruptedException {
        if (stopping) {
            return;
        }
        Process p = access.start(access.command(options.conntrack(), "-L", "-o", "extended,id"));
        snapshotProcess = p;
        Deque<String> tail = new ArrayDeque<>();
        Thread errThread = daemon("ctflow-snapshot-stderr").newThread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = err.readLine()) != null) {
                    synchronized (tail) {
                        tail.addLast(l);
                        if (tail.size() > STDERR_TAIL) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                // gone
            }
        });
        errThread.start();
        Instant at = Instant.now();
        long lineNo = 0;
        long count = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                metrics.eventsRead.inc();
                if (handle(line, "conntrack -L", lineNo, at)) {
                    count++;
                }
            }
        } finally {
            waitExit(p);
            errThread.join(2000);
            snapshotProcess = null;
        }
        if (stopping) {
            return;
        }
        String err;
        synchronized (tail) {
            err = String.join("\n", tail);
        }
        if (p.exitValue() != 0) {
            checkToolError(err);
            logOnce("conntrack -L failed: " + lastLine(err));
            return;
        }
        snapshots.incrementAndGet();
        snapshotEvents.addAndGet(count);
    }

    // ---- timers ----

    private void heartbeat() {
        sink.checkHealthy();
        sink.marker(EventType.HEARTBEAT, node, Instant.now(), sequence.get());
        heartbeats.incrementAndGet();
        if (recorder != null) {
            recorder.flush();
        }
    }

    private void publishStats() throws IOException, InterruptedException {
        Instant now = Instant.now();
        NodeAccess.Result s = access.run(access.command(options.conntrack(), "-S"), TOOL_TIMEOUT);
        List<io.ctflow.avro.CpuStats> cpus = List.of();
        if (s.ok()) {
            cpus = ConntrackStatsParser.parse(s.stdout());
        } else {
            checkToolError(s.stderr());
            logOnce("conntrack -S failed: " + s.error());
        }
        Long count = null;
        NodeAccess.Result c = access.run(access.command(options.conntrack(), "-C"), TOOL_TIMEOUT);
        if (c.ok()) {
            count = ConntrackStatsParser.parseCount(c.stdout());
        } else {
            logOnce("conntrack -C failed: " + c.error());
        }
        String maxPath = NodeAccess.sysctlPath("net.netfilter.nf_conntrack_max");
        Map<String, String> files = access.readFiles(List.of(maxPath), TOOL_TIMEOUT);
        Long max = null;
        if (files.containsKey(maxPath)) {
            try {
                max = Long.parseLong(files.get(maxPath));
            } catch (NumberFormatException e) {
                logOnce("nf_conntrack_max is not a number: " + files.get(maxPath));
            }
        }
        sink.stats(new NodeStats(node, now, count, max, cpus, lostEvents.get(), gaps.get()));
        statsSent.incrementAndGet();
    }

    private void readFactsAndServices(boolean startup) {
        Instant now = Instant.now();
        // Services first: the facts say which dataplane they came from
        ServicesReader.Reading services = null;
        try {
            services = servicesReader.read(node, now);
            services.problems().forEach(this::logOnce);
            if (services.notice() != null) {
                logOnce(services.notice());
            }
            if (services.mode() != null) {
                proxyMode = services.mode();
                metrics.serviceSource(services.mode(), services.rules());
            }
        } catch (IllegalArgumentException e) {
            if (startup) {
                throw CollectorException.user(e.getMessage());
            }
            logOnce("Services not updated: " + e.getMessage());
        } catch (IOException e) {
            logOnce("reading Services: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            NodeFacts f = factsReader.read(node, now);
            f.setProxyMode(proxyMode);
            f.setDataplaneNotice(services == null ? null : services.notice());
            sink.facts(f);
            if (recorder != null) {
                recorder.facts(f);
            }
        } catch (IOException e) {
            logOnce("reading node facts: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (services != null) {
            sink.services(node, services.services(), now);
            if (recorder != null) {
                recorder.nat(services.natText());
                recorder.nftJson(services.nftJson());
                recorder.ipvs(services.ipvsText());
            }
        }
    }

    private String statsText() {
        try {
            NodeAccess.Result s = access.run(access.command(options.conntrack(), "-S"), TOOL_TIMEOUT);
            if (!s.ok()) {
                checkToolError(s.stderr());
                logOnce("conntrack -S failed: " + s.error());
            }
            return s.stdout();
        } catch (IOException e) {
            logOnce("conntrack -S: " + e.getMessage());
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** {@code conntrack -C} for the capture ("" when it fails: the capture then has no count). */
    private String countText() {
        try {
            NodeAccess.Result c = access.run(access.command(options.conntrack(), "-C"), TOOL_TIMEOUT);
            if (!c.ok()) {
                logOnce("conntrack -C failed: " + c.error());
                return "";
            }
            return c.stdout();
        } catch (IOException e) {
            logOnce("conntrack -C: " + e.getMessage());
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private void recordProc() throws IOException, InterruptedException {
        String path = "/proc/net/nf_conntrack";
        if (access.netns() == null) {
            if (Files.isReadable(Path.of(path))) {
                recorder.proc(Files.readString(Path.of(path)));
            } else {
                logOnce(path + " does not exist (kernel without CONFIG_NF_CONNTRACK_PROCFS): no proc file recorded");
            }
            return;
        }
        NodeAccess.Result r = access.run(access.command("cat", path), TOOL_TIMEOUT);
        if (r.ok()) {
            recorder.proc(r.stdout());
        } else {
            logOnce(path + ": " + r.error() + ": no proc file recorded");
        }
    }

    // ---- shutdown ----

    private void shutdown() {
        stopping = true;
        stopLatch.countDown();
        Process p = eventsProcess;
        terminate(p);
        terminate(snapshotProcess);
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (snapshotter != null) {
            snapshotter.shutdownNow();
        }
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
            if (snapshotter != null) {
                snapshotter.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (recorder != null) {
            try {
                if (options.recordProc() && options.duration() == null) {
                    recordProc();
                }
                recorder.statsAfter(statsText());
                recorder.countAfter(countText());
                recorder.flush();
            } catch (Exception e) {
                LOG.warn("finishing the capture: {}", e.getMessage());
            }
        }
        try {
            sink.flush();
        } catch (CollectorException e) {
            fatal(e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("flushing: {}", e.getMessage());
        }
    }

    private void fatal(String message) {
        if (fatal == null) {
            fatal = message;
        }
        stop();
    }

    /** The fatal problem that stopped the collector, or null. */
    public String fatalError() {
        return fatal;
    }

    private Runnable guard(String what, Task task) {
        return () -> {
            if (stopping) {
                return;
            }
            try {
                task.run();
            } catch (CollectorException e) {
                fatal(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                logOnce(what + ": " + e);
            }
        };
    }

    private interface Task {
        void run() throws Exception;
    }

    private void logOnce(String message) {
        if (logged.add(message)) {
            LOG.warn("{}", message);
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
