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
 * Event-time timers kept in a sorted key-value store (store {@code flow-deadlines}), so a poll reads
 * only the timers that are due instead of scanning every flow. Key: deadline in micros (big-endian,
 * so byte order is time order), kind, flow key, node.
 *
 * <p>Every fired timer is deleted, and RocksDB keeps its tombstone until a compaction: a scan that
 * started at time 0 would walk the tombstones of every timer ever fired, so its cost would grow with
 * the app's history. Scans start instead at the {@code floor}, below which every timer has fired; the
 * floor is kept in the store itself (key {@link #FLOOR_KEY}, which sorts before every timer) so a
 * restart resumes from it. A timer added below the floor (an event older than the watermark) is
 * filed at the floor: it is due at once either way.
 */
public final class DeadlineIndex {
    /** A due timer. */
    public record Due(long at, Kind kind, FlowKey flow, String node) {}

    /** REPLY: judge one node's unreplied entry. EXPIRE: check whether a flow can be forgotten. */
    public enum Kind {
        REPLY((byte) 'R'), EXPIRE((byte) 'E');

        final byte code;

        Kind(byte code) {
            this.code = code;
        }

        static Kind of(byte code) {
            return switch (code) {
                case 'R' -> REPLY;
                case 'E' -> EXPIRE;
                default -> throw new IllegalStateException("unknown timer kind " + code);
            };
        }
    }

    static final Bytes FLOOR_KEY = Bytes.wrap(new byte[0]);
    // Persisting the floor costs a store write: do it when it moved this far (a stale floor is safe, only slower once).
    private static final long PERSIST_STEP_MICROS = 1_000_000;
    private static final byte[] EMPTY = new byte[0];
    private final KeyValueStore<Bytes, byte[]> store;
    private long floor;
    private long persistedFloor;
    // Earliest deadline that may be in the store (a lower bound), so most polls need no range scan.
    // MIN_VALUE: unknown (after a restart, or after a partial poll): scan once to learn it.
    private long earliest = Long.MIN_VALUE;

    public DeadlineIndex(KeyValueStore<Bytes, byte[]> store) {
        this.store = store;
        byte[] f = store.get(FLOOR_KEY);
        this.floor = f == null ? 0 : ByteBuffer.wrap(f).getLong();
        this.persistedFloor = floor;
    }

    /** Registers a timer; returns the time it is filed at (not below the floor), which {@link #remove} needs. */
    public long add(long atMicros, Kind kind, FlowKey flow, String node) {
        long at = Math.max(atMicros, floor);
        store.put(key(at, kind, flow, node), EMPTY);
        if (earliest != Long.MIN_VALUE && at < earliest) {
            earliest = at;
        }
        return at;
    }

    public void remove(long filedAtMicros, Kind kind, FlowKey flow, String node) {
        store.delete(key(filedAtMicros, kind, flow, node));
    }

    /** Removes and returns up to {@code max} timers due at or before {@code nowMicros}, in time order. */
    public List<Due> pollDue(long nowMicros, int max) {
        if (nowMicros < floor || (earliest != Long.MIN_VALUE && nowMicros < earliest)) {
            return List.of();
        }
        List<Due> due = new ArrayList<>();
        Bytes from = Bytes.wrap(ByteBuffer.allocate(8).putLong(floor).array());
        Bytes to = Bytes.wrap(ByteBuffer.allocate(9).putLong(nowMicros).put((byte) 0xff).array());
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
        for (Due d : due) {
            store.delete(key(d.at, d.kind, d.flow, d.node));
        }
        if (due.size() == max) {
            // More may be due at the last one's time: scan again from there.
            floor = due.get(max - 1).at;
            earliest = Long.MIN_VALUE;
        } else {
            floor = nowMicros + 1;
            earliest = nextFrom(floor);
        }
        if (floor - persistedFloor >= PERSIST_STEP_MICROS) {
            store.put(FLOOR_KEY, ByteBuffer.allocate(8).putLong(floor).array());
            persistedFloor = floor;
        }
        return due;
    }

    /** The first deadline at or after {@code t}, or MAX_VALUE. Fired timers lie below t: no tombstone walk. */
    private long nextFrom(long t) {
        Bytes from = Bytes.wrap(ByteBuffer.allocate(8).putLong(t).array());
        try (KeyValueIterator<Bytes, byte[]> it = store.range(from, null)) {
            return it.hasNext() ? decode(it.next().key.get()).at : Long.MAX_VALUE;
        }
    }

    static Bytes key(long atMicros, Kind kind, FlowKey flow, String node) {
        byte[] fk = flow.rawBytes();
        byte[] n = node == null ? EMPTY : node.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + 1 + 1 + fk.length + n.length);
        b.putLong(atMicros).put(kind.code).put((byte) fk.length).put(fk).put(n);
        return Bytes.wrap(b.array());
    }

    static Due decode(byte[] k) {
        ByteBuffer b = ByteBuffer.wrap(k);
        long at = b.getLong();
        Kind kind = Kind.of(b.get());
        byte[] fk = new byte[b.get() & 0xff];
        b.get(fk);
        byte[] n = new byte[b.remaining()];
        b.get(n);
        return new Due(at, kind, FlowKey.fromBytes(fk), n.length == 0 ? null : new String(n, StandardCharsets.UTF_8));
    }
}
