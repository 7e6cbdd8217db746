package io.ctflow.collector.testing;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.publish.Sink;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A sink that keeps everything, in order (one list for all kinds, so tests can check order too). */
public final class RecordingSink implements Sink {
    public record Marker(EventType type, String node, Instant time, long sequence) {}

    private final List<Object> all = new ArrayList<>();
    private final int partitions;

    public RecordingSink(int partitions) {
        this.partitions = partitions;
    }

    @Override
    public synchronized void event(ConntrackEvent e) {
        all.add(e);
    }

    @Override
    public synchronized void deadLetter(DeadLetter d) {
        all.add(d);
    }

    @Override
    public synchronized boolean facts(NodeFacts f) {
        all.add(f);
        return true;
    }

    @Override
    public synchronized int services(String scope, List<ServiceEntry> entries, Instant readAt) {
        all.addAll(entries);
        return entries.size();
    }

    @Override
    public synchronized void stats(NodeStats s) {
        all.add(s);
    }

    @Override
    public synchronized int marker(EventType type, String node, Instant time, long sequence) {
        all.add(new Marker(type, node, time, sequence));
        return partitions;
    }

    @Override
    public void flush() {
    }

    public synchronized List<Object> all() {
        return new ArrayList<>(all);
    }

    public synchronized <T> List<T> of(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Object o : all) {
            if (type.isInstance(o)) {
                out.add(type.cast(o));
            }
        }
        return out;
    }

    public List<ConntrackEvent> events(Predicate<ConntrackEvent> p) {
        return of(ConntrackEvent.class).stream().filter(p).toList();
    }

    public List<Marker> markers(EventType type) {
        return of(Marker.class).stream().filter(m -> m.type() == type).toList();
    }
}
