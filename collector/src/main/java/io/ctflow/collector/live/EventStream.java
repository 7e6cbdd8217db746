package io.ctflow.collector.live;

import io.ctflow.collector.CollectorException;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.LossLine;
import io.ctflow.collector.record.CaptureWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervises {@code conntrack -E -o timestamp,id,extended [-b BUFFER]}: reads its lines, watches
 * its stderr for loss warnings, and when it ends reports the loss and starts it again after an
 * exponential backoff (reset once a run lasted {@code healthyAfter}); errors that a restart cannot
 * fix (no permission, no conntrack) stop the collector instead. Each (re)start is followed by a
 * snapshot, so nothing falls between the snapshot and the event stream.
 */
final class EventStream implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveCollector.class);

    private final LiveOptions options;
    private final NodeAccess access;
    private final LinePublisher lines;
    private final LossReporter losses;
    private final TableSnapshots snapshots;
    private final CaptureWriter recorder;
    private final CollectorMetrics metrics;
    private final RunState state;
    private final CountDownLatch started;
    private volatile Process process;
    private long lineNo; // reader thread only

    /** {@code started} is counted down once the first snapshot is sent (or this ends). */
    EventStream(LiveOptions options, NodeAccess access, LinePublisher lines, LossReporter losses, TableSnapshots snapshots,
                CaptureWriter recorder, CollectorMetrics metrics, RunState state, CountDownLatch started) {
        this.options = options;
        this.access = access;
        this.lines = lines;
        this.losses = losses;
        this.snapshots = snapshots;
        this.recorder = recorder;
        this.metrics = metrics;
        this.state = state;
        this.started = started;
        state.onStop(() -> ToolProcesses.terminate(process));
    }

    /** The running conntrack -E, or null. */
    Process process() {
        return process;
    }

    @Override
    public void run() {
        long backoff = options.restartBackoffMin().toNanos();
        boolean first = true;
        try {
            while (!state.stopping()) {
                Process p;
                try {
                    p = access.start(command());
                } catch (IOException e) {
                    state.fatal(access.find(options.conntrack()) == null ? NodeAccess.CONNTRACK_MISSING
                            : "cannot start conntrack: " + e.getMessage());
                    return;
                }
                process = p;
                if (state.stopping()) {
                    ToolProcesses.terminate(p);
                }
                long startedAt = state.time().nanoseconds();
                ToolProcesses.StderrTail stderr = new ToolProcesses.StderrTail(p, "ctflow-conntrack-stderr", l -> onStderr(p, l));
                if (first) {
                    startup(p);
                } else if (options.snapshots()) {
                    snapshots.request();
                }
                first = false;
                readLines(p);
                ToolProcesses.waitExit(p);
                String err = stderr.await();
                if (state.stopping()) {
                    return;
                }
                ToolProcesses.checkToolError(err);
                if (state.time().nanoseconds() - startedAt >= options.healthyAfter().toNanos()) {
                    backoff = options.restartBackoffMin().toNanos();
                }
                metrics.conntrackRestarts.inc();
                String why = "exit code " + p.exitValue() + (err.isBlank() ? "" : ": " + ToolProcesses.lastLine(err));
                LOG.warn("conntrack -E ended ({}); events are lost until it runs again; restarting in {} ms", why,
                        TimeUnit.NANOSECONDS.toMillis(backoff));
                losses.loss("conntrack -E ended, " + why, false);
                if (state.awaitStop(backoff)) {
                    return;
                }
                backoff = Math.min(backoff * 2, options.restartBackoffMax().toNanos());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (CollectorException e) {
            state.fatal(e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("the event reader failed", e);
            state.fatal("the event reader failed: " + e);
        } finally {
            started.countDown();
        }
    }

    List<String> command() {
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
                lineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                if (recorder != null) {
                    recorder.eventLine(line);
                }
                metrics.eventsRead.inc();
                lines.publish(line, "conntrack -E", lineNo, state.now());
            }
        } catch (IOException e) {
            // the process was killed or its pipe closed: treated as its end
        }
    }

    private void onStderr(Process p, String line) {
        if (LossLine.isConntrackLossWarning(line) && p.isAlive()) {
            LOG.warn("conntrack -E lost events ({}); consider a larger --buffer", line.strip());
            try {
                losses.loss("ENOBUFS", true);
            } catch (CollectorException e) {
                state.fatal(e.getMessage());
            }
        }
    }

    /**
     * First start: waits (off the reading thread) until conntrack -E has joined the event groups,
     * then takes the first snapshot, then counts as started.
     */
    private void startup(Process p) {
        snapshots.first(() -> {
            if (options.waitForSubscription()) {
                awaitSubscribed(p);
            }
            if (options.snapshots()) {
                snapshots.take();
            }
        }, started::countDown);
    }

    /** Polls /proc/PID/net/netlink until the process has a netfilter netlink socket in a multicast group. */
    private void awaitSubscribed(Process p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < deadline && p.isAlive() && !state.stopping()) {
            if (subscribed(p.pid())) {
                return;
            }
            Thread.sleep(5);
        }
    }

    /** Whether process {@code pid} has a netfilter netlink socket (family 12) that joined a multicast group. */
    static boolean subscribed(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        return subscribed(proc.resolve("net").resolve("netlink"), pid, socketInodes(proc.resolve("fd")));
    }

    /**
     * Lines of /proc/PID/net/netlink: {@code sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode}. The
     * socket is the process's when its port id is the pid (the first socket) or its inode is one of
     * the process's open sockets (conntrack -E listens on a second socket, whose port id the kernel
     * picks).
     */
    static boolean subscribed(Path netlink, long pid, Set<String> inodes) {
        try {
            for (String l : Files.readAllLines(netlink)) {
                String[] f = l.trim().split("\\s+");
                boolean ours = f.length >= 4 && (f[2].equals(Long.toString(pid)) || f.length >= 10 && inodes.contains(f[9]));
                if (ours && f[1].equals("12") && !f[3].matches("0+")) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** The inodes of the sockets open in {@code fdDir} ({@code socket:[INODE]} links). */
    static Set<String> socketInodes(Path fdDir) {
        Set<String> out = new HashSet<>();
        try (Stream<Path> fds = Files.list(fdDir)) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[") && target.endsWith("]")) {
                        out.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // closed meanwhile
                }
            });
        } catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return out;
    }
}
