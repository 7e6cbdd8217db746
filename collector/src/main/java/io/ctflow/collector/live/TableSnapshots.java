package io.ctflow.collector.live;

import io.ctflow.collector.metrics.CollectorMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Table snapshots ({@code conntrack -L -o extended,id}, published as SNAPSHOT events) on a thread
 * of their own, so the event stream is read meanwhile. Requests are coalesced: at most one waits
 * behind the running one, so a burst of losses costs one fresh snapshot, not one each.
 */
final class TableSnapshots {
    private final NodeAccess access;
    private final String conntrack;
    private final LinePublisher lines;
    private final CollectorMetrics metrics;
    private final RunState state;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(ToolProcesses.daemon("ctflow-snapshot"));
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile Process process;

    TableSnapshots(NodeAccess access, String conntrack, LinePublisher lines, CollectorMetrics metrics, RunState state) {
        this.access = access;
        this.conntrack = conntrack;
        this.lines = lines;
        this.metrics = metrics;
        this.state = state;
        state.onStop(() -> ToolProcesses.terminate(process));
    }

    /** Runs {@code task} (the first snapshot at start-up) on the snapshot thread; {@code always} runs in any case. */
    void first(RunState.Task task, Runnable always) {
        try {
            executor.execute(() -> {
                try {
                    state.guarded(task, TableSnapshots::problem);
                } finally {
                    always.run();
                }
            });
        } catch (RejectedExecutionException e) {
            always.run();
        }
    }

    /** A snapshot soon (coalesced: one queued at most). */
    void request() {
        if (!queued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                queued.set(false);
                state.guarded(this::take, TableSnapshots::problem);
            });
        } catch (RejectedExecutionException e) {
            queued.set(false);
        }
    }

    /** Takes a snapshot now, on the calling thread. */
    void take() throws IOException, InterruptedException {
        if (state.stopping()) {
            return;
        }
        Process p = access.start(access.command(conntrack, "-L", "-o", "extended,id"));
        process = p;
        ToolProcesses.StderrTail stderr = new ToolProcesses.StderrTail(p, "ctflow-snapshot-stderr", l -> {});
        Instant at = state.now();
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
                metrics.snapshotLines.inc();
                if (lines.publish(line, "conntrack -L", lineNo, at)) {
                    count++;
                }
            }
        } finally {
            ToolProcesses.waitExit(p);
            process = null;
        }
        String err = stderr.await();
        if (state.stopping()) {
            return;
        }
        if (p.exitValue() != 0) {
            ToolProcesses.checkToolError(err);
            state.logOnce("conntrack -L failed: " + ToolProcesses.lastLine(err));
            return;
        }
        metrics.snapshots.inc();
        metrics.snapshotEntries.inc(count);
    }

    void shutdown() {
        ToolProcesses.terminate(process);
        executor.shutdownNow();
    }

    void awaitTermination() throws InterruptedException {
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }

    private static String problem(Exception e) {
        return "snapshot: " + e.getMessage();
    }
}
