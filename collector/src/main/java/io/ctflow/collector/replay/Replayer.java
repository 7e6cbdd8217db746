package io.ctflow.collector.replay;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.filter.OnlyServices;
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
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Publishes a {@link Capture} the way live collectors of its nodes would have: facts and Services
 * first, then the stats samples, then every node's events merged in time order with the kernel's
 * timestamps as event time; lines that do not parse as dead letters; a capture's loss line as the
 * GAP marker a live collector sends (to every partition); a HEARTBEAT of every node to
 * every partition each {@code heartbeat} of capture time, and at the end one more at
 * {@code last event + settle} so that the streams app's timers and windows complete. With
 * {@link Options#onlyServices} each node's events go through the filter {@code collect --only-services}
 * would have applied with that node's dataplane files (a dropped event leaves a hole in the node's
 * sequence numbers, which the capture's order gave).
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
     * @param metrics   counters to update (events_read, dead_letters, events_dropped), or null
     * @param onlyServices send only the events a Service of their node's dataplane files could have
     *                     touched, as {@code collect --only-services} would have ({@link OnlyServices})
     */
    public record Options(Speed speed, Duration settle, Duration heartbeat, boolean keepRaw, Progress progress,
                          CollectorMetrics metrics, boolean onlyServices) {
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
            return new Options(Speed.MAX, DEFAULT_SETTLE, Duration.ofSeconds(1), false, Progress.NONE, null, false);
        }

        public Options withSpeed(Speed s) {
            return new Options(s, settle, heartbeat, keepRaw, progress, metrics, onlyServices);
        }

        public Options withSettle(Duration d) {
            return new Options(speed, d, heartbeat, keepRaw, progress, metrics, onlyServices);
        }

        public Options withHeartbeat(Duration d) {
            return new Options(speed, settle, d, keepRaw, progress, metrics, onlyServices);
        }

        public Options withKeepRaw(boolean k) {
            return new Options(speed, settle, heartbeat, k, progress, metrics, onlyServices);
        }

        public Options withProgress(Progress p) {
            return new Options(speed, settle, heartbeat, keepRaw, p, metrics, onlyServices);
        }

        public Options withMetrics(CollectorMetrics m) {
            return new Options(speed, settle, heartbeat, keepRaw, progress, m, onlyServices);
        }

        public Options withOnlyServices(boolean on) {
            return new Options(speed, settle, heartbeat, keepRaw, progress, metrics, on);
        }
    }

    /**
     * What a replay sent.
     *
     * @param events           conntrack events sent (parsed lines)
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
     * @param notServices      events not sent because no Service touched them ({@link Options#onlyServices}), null when off
     */
    public record Result(long events, long deadLetters, long facts, long services, long stats, long heartbeats,
                         long heartbeatRecords, long gaps, long gapRecords, Instant firstEvent, Instant lastEvent,
                         Instant finalHeartbeat, Duration elapsed, Long notServices) {
        /** One line for people. */
        public String summary() {
            double secs = Math.max(elapsed.toNanos() / 1e9, 1e-9);
            return String.format(java.util.Locale.ROOT,
                    "%d events, %d dead letters, %d facts, %d services, %d stats, %d heartbeats (%d records), %d gaps (%d records)"
                            + "%s in %.1f s (%.0f events/s)",
                    events, deadLetters, facts, services, stats, heartbeats, heartbeatRecords, gaps, gapRecords,
                    notServices == null ? "" : ", " + notServices + " not sent (no Service touched them)", secs, events / secs);
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
        CollectorMetrics dropCounter = m != null ? m : new CollectorMetrics();
        Map<String, OnlyServices> filters = new HashMap<>();
        if (options.onlyServices()) {
            for (String node : nodes) {
                OnlyServices f = OnlyServices.counting(dropCounter.droppedNotService);
                List<ServiceEntry> own = capture.services(node);
                if (!own.isEmpty()) { // as live: a node without a Services table drops nothing
                    f.servicesRead(own);
                }
                filters.put(node, f);
            }
        }
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
        long notServices = 0;
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
                if (m != null) {
                    m.eventsRead.inc();
                }
                OnlyServices filter = filters.get(e.getNode());
                if (filter != null && !filter.keeps(e)) {
                    notServices++;
                    last = t;
                    progress.update(events + gaps + notServices, total, t);
                    continue;
                }
                sink.event(e);
                events++;
                int idx = nodes.indexOf(e.getNode());
                if (idx >= 0) {
                    lastSeq[idx] = e.getSequence();
                }
            }
            last = t;
            progress.update(events + gaps + notServices, total, t);
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
                first, last, closing, Duration.ofNanos(System.nanoTime() - wallStart),
                options.onlyServices() ? notServices : null);
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
