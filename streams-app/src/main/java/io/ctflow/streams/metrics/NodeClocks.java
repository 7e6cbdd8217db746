package io.ctflow.streams.metrics;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * Per node, what this instance's flow tasks have processed from it: conntrack events (a count),
 * the newest event time of any record and of a heartbeat. Heartbeats reach every partition, so
 * every instance knows every live node.
 *
 * <p>Times are maxima, so re-processing after an aborted transaction (exactly-once task revival)
 * cannot move them back or forth. The events count is incremented when a record is processed and is
 * not rolled back with an aborted transaction: after a revival it may count the records processed
 * since the last commit (at most {@code commit.interval.ms}, 100 ms under exactly-once) twice. It is a
 * rate of work done, like Kafka's own process-rate, not a count of connections.
 *
 * <p>At most {@value #MAX_NODES} nodes are tracked (later ones are not); a node none of whose records
 * was processed for {@link #FORGET_AFTER} (wall clock: a replay of an old capture counts as heard) is
 * dropped so a removed node's series end.
 */
public final class NodeClocks {
    public static final int MAX_NODES = 10_000;
    static final java.time.Duration FORGET_AFTER = java.time.Duration.ofHours(24);

    /** One node's clocks; event times in epoch micros, Long.MIN_VALUE before the first. */
    static final class Clock {
        final LongAdder events = new LongAdder();
        /** Events whose time was bounded because they led the broker's clock ({@code events.max-clock-ahead}). */
        final LongAdder ahead = new LongAdder();
        final AtomicLong newestEvent = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong newestHeartbeat = new AtomicLong(Long.MIN_VALUE);
        volatile long heardAtMillis; // wall clock of the last record processed
    }

    private final Map<String, Clock> nodes = new ConcurrentHashMap<>();
    private final LongSupplier wallMillis;

    public NodeClocks() {
        this(System::currentTimeMillis);
    }

    NodeClocks(LongSupplier wallMillis) {
        this.wallMillis = wallMillis;
    }

    /** Called per input record: a map lookup and a few atomic updates, no allocation once the node is known. */
    public void event(ConntrackEvent e) {
        if (e == null || e.getNode() == null || e.getTimestamp() == null) {
            return;
        }
        Clock c = clock(e.getNode());
        if (c == null) {
            return;
        }
        Instant t = e.getTimestamp();
        long micros = t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
        max(c.newestEvent, micros);
        EventType type = e.getType();
        if (type == EventType.HEARTBEAT) {
            max(c.newestHeartbeat, micros);
        } else if (type != EventType.GAP && type != EventType.UNKNOWN) {
            c.events.increment();
        }
    }

    /**
     * Counts an event of {@code node} whose time was bounded (it led the broker's clock). Like the
     * events count, it may count again the records of an aborted transaction: a rate, not a total.
     */
    public void ahead(String node) {
        Clock c = clock(node);
        if (c != null) {
            c.ahead.increment();
        }
    }

    /** The node's clock, heard now; null once {@link #MAX_NODES} others are tracked. */
    private Clock clock(String node) {
        Clock c = nodes.get(node);
        if (c == null) {
            if (nodes.size() >= MAX_NODES) {
                return null;
            }
            c = nodes.computeIfAbsent(node, n -> new Clock());
        }
        c.heardAtMillis = wallMillis.getAsLong();
        return c;
    }

    private static void max(AtomicLong a, long v) {
        long cur;
        while (v > (cur = a.get()) && !a.compareAndSet(cur, v)) {
            // retry: another stream thread moved it
        }
    }

    /** Visits every node's clock after dropping those none of whose records was processed for {@link #FORGET_AFTER}. */
    void forEach(BiConsumer<String, Clock> visit) {
        long forgetBefore = wallMillis.getAsLong() - FORGET_AFTER.toMillis();
        nodes.entrySet().removeIf(e -> e.getValue().heardAtMillis < forgetBefore);
        new java.util.TreeMap<>(nodes).forEach(visit);
    }
}
