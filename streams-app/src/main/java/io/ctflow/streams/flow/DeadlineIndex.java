package io.ctflow.streams.flow;

import io.ctflow.flow.FlowKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Event-time timers kept in a sorted key-value store (store {@code flow-deadlines}), so a punctuation
 * reads only the timers that are due instead of scanning every flow. Key: deadline in micros
 * (big-endian, so byte order is time order), kind, flow key, node.
 */
public final class DeadlineIndex {
    /** A due timer. */
    public record Due(long at, Kind kind, FlowKey flow, String node) {}

    /** REPLY: judge one node's unreplied entry. EXPIRE: check whether a flow can be forgotten. */
    public enum Kind { REPLY, EXPIRE }

    private static final byte[] EMPTY = new byte[0];
    private final KeyValueStore<Bytes, byte[]> store;
    // Earliest deadline that may be in the store (a lower bound), so most records need no range scan.
    // MIN_VALUE: unknown (after a restart), scan once to learn it.
    private long earliest = Long.MIN_VALUE;

    public DeadlineIndex(KeyValueStore<Bytes, byte[]> store) {
        this.store = store;
    }

    public void add(long atMicros, Kind kind, FlowKey flow, String node) {
        store.put(key(atMicros, kind, flow, node), EMPTY);
        if (earliest != Long.MIN_VALUE && atMicros < earliest) {
            earliest = atMicros;
        }
    }

    public void remove(long atMicros, Kind kind, FlowKey flow, String node) {
        store.delete(key(atMicros, kind, flow, node));
    }

    /** Removes and returns up to {@code max} timers due at or before {@code nowMicros}, in time order. */
    public List<Due> pollDue(long nowMicros, int max) {
        List<Due> due = new ArrayList<>();
        if (earliest != Long.MIN_VALUE && nowMicros < earliest) {
            return due;
        }
        Bytes from = Bytes.wrap(new byte[8]);
        Bytes to = Bytes.wrap(ByteBuffer.allocate(9).putLong(Math.max(0, nowMicros)).put((byte) 0x7f).array());
        try (KeyValueIterator<Bytes, byte[]> it = store.range(from, to)) {
            while (it.hasNext() && due.size() < max) {
                KeyValue<Bytes, byte[]> kv = it.next();
                Due d = decode(kv.key.get());
                if (d.at > nowMicros) {
                    break;
                }
                due.add(d);
            }
        }
        // A full batch may leave more due entries: stay unknown so the next call scans again.
        earliest = due.size() == max ? Long.MIN_VALUE : nextAfter(nowMicros);
        for (Due d : due) {
            store.delete(key(d.at, d.kind, d.flow, d.node));
        }
        return due;
    }

    /** The first deadline after {@code t}, or MAX_VALUE: the range scan stops at t, later keys are read here. */
    private long nextAfter(long t) {
        Bytes from = Bytes.wrap(ByteBuffer.allocate(8).putLong(t + 1).array());
        try (KeyValueIterator<Bytes, byte[]> it = store.range(from, null)) {
            return it.hasNext() ? decode(it.next().key.get()).at : Long.MAX_VALUE;
        }
    }

    static Bytes key(long atMicros, Kind kind, FlowKey flow, String node) {
        byte[] fk = flow.rawBytes();
        byte[] n = node == null ? EMPTY : node.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + 1 + 1 + fk.length + n.length);
        b.putLong(atMicros).put((byte) kind.ordinal()).put((byte) fk.length).put(fk).put(n);
        return Bytes.wrap(b.array());
    }

    static Due decode(byte[] k) {
        ByteBuffer b = ByteBuffer.wrap(k);
        long at = b.getLong();
        Kind kind = Kind.values()[b.get()];
        byte[] fk = new byte[b.get() & 0xff];
        b.get(fk);
        byte[] n = new byte[b.remaining()];
        b.get(n);
        return new Due(at, kind, FlowKey.fromBytes(fk), n.length == 0 ? null : new String(n, StandardCharsets.UTF_8));
    }
}
