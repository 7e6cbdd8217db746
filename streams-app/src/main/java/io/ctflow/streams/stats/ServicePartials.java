package io.ctflow.streams.stats;

import io.ctflow.streams.state.CommitHook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A flow-join task's Service partials: one {@link ServicePartial} per Service and window it has
 * seen connection changes in, until the window closes on the task's watermark and the partial goes
 * to the stats task. The store (service-partials, changelogged) is the truth: a partial changed since
 * the last commit is written once, just before the commit ({@link CommitHook}), so a crash after a
 * commit loses nothing and a busy Service window costs one write per commit, not one per change. The
 * decoded partials are kept here and reloaded in {@link #init}.
 */
public final class ServicePartials implements CommitHook.Listener {
    private static final Comparator<ServicePartial> ORDER =
            Comparator.comparingLong(ServicePartial::start).thenComparing(ServicePartial::service);

    private final long sizeMicros;
    private final Map<String, List<ServicePartial>> byService = new HashMap<>();
    /** Partials changed since the last commit (each once: {@link ServicePartial#dirty}). */
    private final List<ServicePartial> changed = new ArrayList<>();
    private KeyValueStore<String, ServicePartial> store;

    public ServicePartials(Duration window) {
        this.sizeMicros = window.toNanos() / 1000;
    }

    /** Forgets whatever was decoded before (a revived task) and reads the store back. */
    public void init(KeyValueStore<String, ServicePartial> store) {
        this.store = store;
        byService.clear();
        changed.clear();
        try (KeyValueIterator<String, ServicePartial> it = store.all()) {
            while (it.hasNext()) {
                ServicePartial p = it.next().value;
                p.stored = true;
                byService.computeIfAbsent(p.service(), s -> new ArrayList<>(2)).add(p);
            }
        }
    }

    /** Counts a change of one of {@code service}'s connections in the window of its time. */
    public void add(String service, ConnectionChange change) {
        if (service == null || service.isEmpty()) {
            return;
        }
        long start = Math.floorDiv(change.time(), sizeMicros) * sizeMicros;
        List<ServicePartial> open = byService.computeIfAbsent(service, s -> new ArrayList<>(2));
        ServicePartial p = null;
        for (ServicePartial x : open) {
            if (x.start() == start) {
                p = x;
                break;
            }
        }
        if (p == null) {
            p = new ServicePartial(service, start, change.serviceAddress());
            open.add(p);
        }
        p.apply(change);
        if (!p.dirty) {
            p.dirty = true;
            changed.add(p);
        }
    }

    /** Writes the partials changed since the last commit (the closed ones were deleted already). */
    @Override
    public void beforeCommit() {
        for (ServicePartial p : changed) {
            if (p.dirty) {
                store.put(key(p), p);
                p.dirty = false;
                p.stored = true;
            }
        }
        changed.clear();
    }

    @Override
    public void discard() {
        clear();
    }

    /**
     * Removes and returns the partials of windows that end at or before the window boundary under
     * {@code watermarkMicros}, by window start then Service. A change later than that (beyond the
     * grace) made a partial of a window closed already: it goes too, and the stats task counts it in
     * its first open window, as it always counted a late change.
     */
    public List<ServicePartial> closeUpTo(long watermarkMicros) {
        long closeBefore = Math.floorDiv(watermarkMicros, sizeMicros) * sizeMicros;
        List<ServicePartial> closed = new ArrayList<>();
        for (Iterator<List<ServicePartial>> it = byService.values().iterator(); it.hasNext(); ) {
            List<ServicePartial> open = it.next();
            for (Iterator<ServicePartial> pi = open.iterator(); pi.hasNext(); ) {
                ServicePartial p = pi.next();
                if (p.start() + sizeMicros <= closeBefore) {
                    closed.add(p);
                    pi.remove();
                    p.dirty = false; // sent now: its last changes need no write
                    if (p.stored) {
                        store.delete(key(p));
                    }
                }
            }
            if (open.isEmpty()) {
                it.remove();
            }
        }
        closed.sort(ORDER);
        return closed;
    }

    public void clear() {
        byService.clear();
        changed.clear();
    }

    static String key(ServicePartial p) {
        if (p.storeKey == null) {
            p.storeKey = p.service() + '\u0000' + p.start();
        }
        return p.storeKey;
    }
}
