package io.ctflow.streams.stats;

import io.ctflow.avro.ServiceStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Closed Service windows kept for a retention in event time (store {@code service-history}). Keys
 * are the Service id, a NUL and the window start in micros, zero-padded: one Service's windows are
 * one contiguous key range, ascending by start, so a history is a range scan.
 */
public final class ServiceHistory {
    private static final char SEP = '\u0000';

    private final KeyValueStore<String, ServiceStats> store;
    private final long retentionMicros;
    private final long pruneEveryMicros;
    private long lastPrune = Long.MIN_VALUE;

    /** Prunes at most every {@code retention / 100} (but at least every window) of event time: a prune scans the store. */
    public ServiceHistory(KeyValueStore<String, ServiceStats> store, Duration retention, Duration window) {
        this.store = store;
        this.retentionMicros = retention.toNanos() / 1000;
        this.pruneEveryMicros = Math.max(window.toNanos() / 1000, retentionMicros / 100);
    }

    public static String key(String service, long startMicros) {
        return service + SEP + String.format("%019d", Math.max(0, startMicros));
    }

    /** First key of the Service's range at or after {@code fromMicros}. */
    public static String from(String service, long fromMicros) {
        return key(service, fromMicros);
    }

    /** Last possible key of the Service's range before {@code toMicros} (range ends are inclusive). */
    public static String before(String service, long toMicros) {
        return toMicros <= 0 ? service + SEP : key(service, toMicros - 1);
    }

    public void record(ServiceStats s, long startMicros) {
        store.put(key(s.getService(), startMicros), s);
    }

    /** Deletes the windows that started more than the retention before {@code closedBeforeMicros}. */
    public void prune(long closedBeforeMicros) {
        if (lastPrune != Long.MIN_VALUE && closedBeforeMicros - lastPrune < pruneEveryMicros) {
            return;
        }
        lastPrune = closedBeforeMicros;
        long cutoff = closedBeforeMicros - retentionMicros;
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, ServiceStats> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, ServiceStats> kv = it.next();
                if (startMicros(kv.key) < cutoff) {
                    old.add(kv.key);
                }
            }
        }
        old.forEach(store::delete);
    }

    static long startMicros(String key) {
        return Long.parseLong(key, key.lastIndexOf(SEP) + 1, key.length(), 10);
    }
}
