package io.ctflow.collector.replay;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Sink;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Publishes a {@link Capture} the way live collectors of its nodes would have: facts and Services
 * first, then the stats samples, then every node's events merged in time order with the kernel's
 * timestamps as event time; lines that do not parse as dead letters; a capture's loss line as the
 * GAP marker a live collector sends (to every partition); a HEARTBEAT of every node to
 * every partition each {@code heartbeat} of capture time, and at the end one more at
 * {@code last event + settle} so that the streams app's timers and windows complete.
 *
 * <p>A library entry point: {@code ctflow replay} and {@code ctflow demo} both call
 * {@link #replay(Capture, Sink, Options)}.
 */
public final class Replayer {
    private Replayer() {}

    /** Receives progress; called from the replaying thread. */
    public interface Progress {
        /** @param done events so far, @param total events in the capture (lines), @param eventTime the current one */
        void update(long done, long total, Instant eventTime);

        /** Called once at the end. */
        default void finish(Result result) {
        }

        Progress NONE = (done, total, t) -> { };
    }

    /**
     * @param speed     pace ({@link Speed#MAX}: as fast as possible)
     * @param settle    how far past the last event the closing heartbeat goes
     * @param heartbeat heartbeat period in capture time
     * @param keepRaw   keep each raw line in the event's {@code raw} field
     * @param progress  progress receiver
     * @param metrics   counters to update (events_read, dead_letters), or null
     */
    public record Options(Speed speed, Duration settle, Duration heartbeat, boolean keepRaw, Progress progress,
                          CollectorMetrics metrics) {
        public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(30);

        public Options {
            Objects.requireNonNull(speed, "speed");
            Objects.requireNonNull(settle, "settle");
            Objects.requireNonNull(heartbeat, "heartbeat");
            Objects.requireNonNull(progress, "progress");
            if (settle.isNegative()) {
                throw new IllegalArgumentException("settle must not be negative");
            }
            if (heartbeat.isZero() || heartbeat.isNegative()) {
                throw new IllegalArgumentException("heartbeat must be positive");
            }
        }

        /** max speed, settle 30 s, heartbeat 1 s, no raw lines, no progress. */
        public static Options defaults() {
            return new Options(Speed.MAX, DEFAULT_SETTLE, Duration.ofSeconds(1), false, Progress.NONE, null);
        }

        public Options withSpeed(Speed s) {
            return new Options(s, settle, heartbeat, keepRaw, progress, metrics);
        }

        public Options withSettle(Duration d) {
            return new Options(speed, d, heartbeat, keepRaw, progress, metrics);
        }

        public Options withHeartbeat(Duration d) {
            return new Options(speed, settle, d, keepRaw, progress, metrics);
        }

        public Options withKeepRaw(boolean k) {
            return new Options(speed, settle, heartbeat, k, progress, metrics);
        }

        public Options withProgress(Progress p) {
            return new Options(speed, settle, heartbeat, keepRaw, p, metrics);
        }

        public Options withMetrics(CollectorMetrics m) {
            return new Options(speed, settle, heartbeat, keepRaw, progress, m);
        }
    }

    /**
     * What a replay sent.
     *
     * @param events           conntrack events (parsed lines)
     * @param deadLetters      lines that did not parse
     * @param facts            NodeFacts records
     * @param services         ServiceEntry records (and tombstones)
     * @param stats            NodeStats records
     * @param heartbeats       HEARTBEAT markers (node and time), including the closing ones
     * @param heartbeatRecords records those markers took (markers times partitions)
     * @param gaps             GAP markers (the capture's loss lines)
     * @param gapRecords       records those markers took
     * @param firstEvent       time of the first event (null when there is none)
     * @param lastEvent        time of the last event (null when there is none)
     * @param finalHeartbeat   time of the closing heartbeat (null when there is no event)
     * @param elapsed          wall-clock time of the replay
     */
    public record Result(long events, long deadLetters, long facts, long services, long stats, long heartbeats,
                         long heartbeatRecords, long gaps, long gapRecords, Instant firstEvent, Instant lastEvent,
                         Instant finalHeartbeat, Duration elapsed) {
        /** One line for people. */
        public String summary() {
            double secs = Math.max(elapsed.toNanos() / 1e9, 1e-9);
            return String.format(java.util.Locale.ROOT,
                    "%d events, %d dead letters, %d facts, %d services, %d stats, %d heartbeats (%d records), %d gaps (%d records)"
                            + " in %.1f s (%.0f events/s)",
                    events, deadLetters, facts, services, stats, heartbeats, heartbeatRecords, gaps, gapRecords, secs, events / secs);
        }
    }

    /**
     * Replays a capture into a sink.
     *
     * @throws IOException          when a capture file cannot be read
     * @throws InterruptedException when interrupted while pacing
     * @throws io.ctflow.collector.CollectorException when the sink fails fatally
     */
    public static Result replay(Capture capture, Sink sink, Options options) throws IOException, InterruptedException {
        long wallStart = System.nanoTime();
        List<String> nodes = capture.nodes();
        long total = countLines(capture);

        long facts = 0;
        for (NodeFacts f : capture.facts()) {
            if (sink.facts(f)) {
                facts++;
            }
        }
        Instant globalStart = null;
        for (String n : nodes) {
            Instant s = capture.start(n);
            if (!s.equals(Instant.EPOCH) && (globalStart == null || s.isBefore(globalStart))) {
                globalStart = s;
            }
        }
        List<ServiceEntry> services = capture.services();
        long servicesSent = sink.services("capture " + capture.dir().toAbsolutePath(), services,
                globalStart == null ? Instant.EPOCH : globalStart);
        long stats = 0;
        for (NodeStats s : capture.stats()) {
            sink.stats(s);
            stats++;
        }

        // Heartbeat clock of each node: the first whole period after its first event.
        int n = nodes.size();
        Instant[] nextBeat = new Instant[n];
        long[] lastSeq = new long[n];
        long heartbeatPeriodNanos = options.heartbeat().toNanos();
        for (int i = 0; i < n; i++) {
            Instant s = capture.start(nodes.get(i));
            if (s.equals(Instant.EPOCH)) {
                s = globalStart == null ? Instant.EPOCH : globalStart;
            }
            nextBeat[i] = alignUp(s, heartbeatPeriodNanos);
        }

        CollectorMetrics m = options.metrics();
        long[] deadLetters = {0};
        Iterator<ConntrackEvent> it = capture.events(options.keepRaw(), d -> {
            sink.deadLetter(d);
            deadLetters[0]++;
            if (m != null) {
                m.deadLetters.inc();
            }
        });
        Progress progress = options.progress();
        Speed speed = options.speed();
        long events = 0;
        long heartbeats = 0;
        long heartbeatRecords = 0;
        long gaps = 0;
        long gapRecords = 0;
        Instant first = null;
        Instant last = null;
        long paceStart = 0;
        while (it.hasNext()) {
            ConntrackEvent e = it.next();
            Instant t = e.getTimestamp();
            if (first == null) {
                first = t;
                paceStart = System.nanoTime();
            }
            // Heartbeats due at or before this event, oldest first.
            while (true) {
                int due = earliest(nextBeat);
                if (due < 0 || nextBeat[due].isAfter(t)) {
                    break;
                }
                pace(speed, first, nextBeat[due], paceStart);
                heartbeatRecords += sink.marker(EventType.HEARTBEAT, nodes.get(due), nextBeat[due], lastSeq[due]);
                heartbeats++;
                nextBeat[due] = nextBeat[due].plusNanos(heartbeatPeriodNanos);
            }
            pace(speed, first, t, paceStart);
            if (e.getType() == EventType.GAP) {
                // as LiveCollector sends a loss: a marker with the node's last sequence, to every partition
                gapRecords += sink.marker(EventType.GAP, e.getNode(), t, e.getSequence());
                gaps++;
            } else {
                sink.event(e);
                events++;
                if (m != null) {
                    m.eventsRead.inc();
                }
                int idx = nodes.indexOf(e.getNode());
                if (idx >= 0) {
                    lastSeq[idx] = e.getSequence();
                }
            }
            last = t;
            progress.update(events + gaps, total, t);
        }
        Instant closing = null;
        if (last != null) {
            closing = last.plus(options.settle());
            for (int i = 0; i < n; i++) {
                heartbeatRecords += sink.marker(EventType.HEARTBEAT, nodes.get(i), closing, lastSeq[i]);
                heartbeats++;
            }
        }
        sink.flush();
        Result r = new Result(events, deadLetters[0], facts, servicesSent, stats, heartbeats, heartbeatRecords, gaps, gapRecords,
                first, last, closing, Duration.ofNanos(System.nanoTime() - wallStart));
        progress.finish(r);
        return r;
    }

    private static int earliest(Instant[] times) {
        int best = -1;
        for (int i = 0; i < times.length; i++) {
            if (best < 0 || times[i].isBefore(times[best])) {
                best = i;
            }
        }
        return best;
    }

    private static Instant alignUp(Instant t, long periodNanos) {
        long nanos = t.getEpochSecond() * 1_000_000_000L + t.getNano();
        long aligned = Math.floorDiv(nanos, periodNanos) * periodNanos + periodNanos;
        return Instant.EPOCH.plus(aligned, ChronoUnit.NANOS);
    }

    /** Sleeps until the wall-clock moment of capture time {@code t}. */
    private static void pace(Speed speed, Instant first, Instant t, long paceStart) throws InterruptedException {
        if (speed.isMax()) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            return;
        }
        long captureNanos = Duration.between(first, t).toNanos();
        long target = paceStart + (long) (captureNanos / speed.factor());
        long wait = target - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** Non-blank lines of all events files: the progress bar's 100 %. */
    static long countLines(Capture capture) throws IOException {
        long count = 0;
        for (String node : capture.nodes()) {
            Path f = capture.dir().resolve("events-" + node + ".txt");
            if (!Files.exists(f)) {
                continue;
            }
            try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.ISO_8859_1)) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (!line.isBlank()) {
                        count++;
                    }
                }
            }
        }
        return count;
    }
}
