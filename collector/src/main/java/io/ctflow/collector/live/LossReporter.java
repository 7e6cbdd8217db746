package io.ctflow.collector.live;

import io.ctflow.avro.EventType;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Sink;
import io.ctflow.collector.record.CaptureWriter;
import java.time.Instant;

/**
 * What happens when events were lost (ENOBUFS, or conntrack -E ended): the loss is counted, a GAP
 * marker is sent, the capture gets a loss line at the same moment (so a replay sends the same
 * marker) and, when conntrack -E keeps running, a fresh snapshot is requested. (After a restart the
 * supervisor requests the snapshot itself, once the new conntrack -E runs.)
 */
final class LossReporter {
    private final String node;
    private final Sink sink;
    private final CaptureWriter recorder;
    private final CollectorMetrics metrics;
    private final LinePublisher lines;
    private final TableSnapshots snapshots;
    private final RunState state;
    private final boolean snapshotAfterLoss;

    LossReporter(String node, Sink sink, CaptureWriter recorder, CollectorMetrics metrics, LinePublisher lines,
                 TableSnapshots snapshots, boolean snapshotAfterLoss, RunState state) {
        this.node = node;
        this.sink = sink;
        this.recorder = recorder;
        this.metrics = metrics;
        this.lines = lines;
        this.snapshots = snapshots;
        this.state = state;
        this.snapshotAfterLoss = snapshotAfterLoss;
    }

    void loss(String reason, boolean stillRunning) {
        metrics.lostEvents.inc();
        Instant at = state.now();
        sink.marker(EventType.GAP, node, at, lines.sequence());
        if (recorder != null) {
            recorder.lossLine(at, reason);
        }
        if (stillRunning && snapshotAfterLoss) {
            snapshots.request();
        }
    }
}
