package io.ctflow.collector.publish;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.parse.ConntrackEntry;
import java.time.Instant;
import java.util.List;

/**
 * Where a collector's or a replay's records go: {@link Publisher} (Kafka) or {@link #DISCARD}
 * ({@code ctflow record}, which only writes files). Implementations are thread-safe.
 */
public interface Sink {
    /** A conntrack event or snapshot line (NEW, UPDATE, DESTROY, SNAPSHOT). */
    void event(ConntrackEvent e);

    /**
     * A parsed line with its sequence number: the same record as {@code event(entry.toEvent(sequence))},
     * which is what sinks that keep events do; {@link Publisher} writes it without making the event.
     */
    default void entry(ConntrackEntry entry, long sequence) {
        event(entry.toEvent(sequence));
    }

    /** A line that did not parse. */
    void deadLetter(DeadLetter d);

    /**
     * A node's facts; sent only when they differ (timestamp aside) from the last ones sent for the node.
     *
     * @return whether a record was sent
     */
    boolean facts(NodeFacts f);

    /**
     * The complete current set of Services of one scope (a node, or a capture): entries that are new
     * or changed (timestamp aside) are sent, keys that disappeared since the last call get a tombstone.
     *
     * @param readAt timestamp of the tombstones
     * @return records sent (entries plus tombstones)
     */
    int services(String scope, List<ServiceEntry> entries, Instant readAt);

    /** A stats sample. */
    void stats(NodeStats s);

    /**
     * A HEARTBEAT or GAP marker of {@code node} at {@code time} to every partition of the events topic.
     *
     * @param sequence the last sequence number the node sent
     * @return records sent (the number of partitions)
     */
    int marker(EventType type, String node, Instant time, long sequence);

    /** Waits until everything sent so far is acknowledged (or failed). */
    void flush();

    /** Throws a {@link io.ctflow.collector.CollectorException} once a fatal send error happened. */
    default void checkHealthy() {
    }

    /** Accepts everything and sends nothing. */
    Sink DISCARD = new Sink() {
        @Override
        public void event(ConntrackEvent e) {
        }

        @Override
        public void deadLetter(DeadLetter d) {
        }

        @Override
        public boolean facts(NodeFacts f) {
            return false;
        }

        @Override
        public int services(String scope, List<ServiceEntry> entries, Instant readAt) {
            return 0;
        }

        @Override
        public void stats(NodeStats s) {
        }

        @Override
        public int marker(EventType type, String node, Instant time, long sequence) {
            return 0;
        }

        @Override
        public void flush() {
        }
    };

    /** A marker event: no tuples, the node's clock as timestamp. */
    static ConntrackEvent markerEvent(EventType type, String node, Instant time, long sequence) {
        if (type != EventType.HEARTBEAT && type != EventType.GAP) {
            throw new IllegalArgumentException("not a marker type: " + type);
        }
        return ConntrackEvent.newBuilder().setNode(node).setType(type).setTimestamp(time).setConntrackId(null)
                .setZone(0).setMark(0).setL3(io.ctflow.avro.L3Protocol.OTHER).setProtocol(io.ctflow.avro.Protocol.OTHER)
                .setProtocolNumber(0).setState(null).setTimeout(null).setOriginal(null).setReply(null)
                .setFlags(List.of()).setUse(null).setSecctx(null).setLabels(null).setSequence(sequence).setRaw(null)
                .build();
    }
}
