package io.ctflow.streams.stats;

import io.ctflow.avro.ServiceStats;
import io.ctflow.avro.internal.FlowUpdate;
import io.ctflow.avro.internal.ServiceAgg;
import io.ctflow.avro.internal.UpdateKind;
import io.ctflow.avro.internal.WindowAcc;
import io.ctflow.streams.StoreNames;
import io.ctflow.streams.metrics.ResultsObserver;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Per-Service tumbling windows over the flow join's partials (each flow partition's counts of one
 * Service window, see {@link ServicePartial}), one {@link ServiceStats} per window when it closes.
 * A window closes when every flow partition's watermark (their TICKs) has passed its end, so a
 * partition that runs ahead cannot close a window another still feeds: each partition sends its
 * partial of a window before the TICK that passes it, and the output is the same however the
 * partitions' processing interleaves.
 */
public final class ServiceStatsProcessor implements Processor<String, FlowUpdate, String, ServiceStats> {
    private static final int CLOSED_KEY = -1;

    private final long sizeMicros;
    private final int upstreamPartitions;
    private final ResultsObserver metrics;
    private ProcessorContext<String, ServiceStats> ctx;
    private KeyValueStore<String, ServiceAgg> windows;
    private KeyValueStore<String, ServiceStats> latest;
    private KeyValueStore<Integer, Long> watermarks;
    private ServiceHistory history;
    private final Duration historyRetention;
    private final Duration window;
    // Deserialized view of this task's service-windows store: every update reads its Service's
    // aggregate, and decoding it each time cost more than the update. The store stays the truth
    // (written on every update, so the changelog and exactly-once are unaffected).
    private final Map<String, ServiceAgg> aggs = new HashMap<>();
    private final ServicePartialSerde partials = new ServicePartialSerde();

    public ServiceStatsProcessor(Duration window, int upstreamPartitions, Duration historyRetention) {
        this(window, upstreamPartitions, historyRetention, ResultsObserver.NONE);
    }

    public ServiceStatsProcessor(Duration window, int upstreamPartitions, Duration historyRetention, ResultsObserver metrics) {
        this.sizeMicros = window.toNanos() / 1000;
        this.upstreamPartitions = upstreamPartitions;
        this.window = window;
        this.historyRetention = historyRetention;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, ServiceStats> context) {
        this.ctx = context;
        this.windows = context.getStateStore(StoreNames.SERVICE_WINDOWS);
        this.latest = context.getStateStore(StoreNames.SERVICE_LATEST);
        this.watermarks = context.getStateStore(StoreNames.STATS_WATERMARKS);
        this.history = new ServiceHistory(context.getStateStore(StoreNames.SERVICE_HISTORY), historyRetention, window);
        aggs.clear(); // a revived task must not keep decoded aggregates of an aborted transaction
    }

    @Override
    public void process(Record<String, FlowUpdate> record) {
        FlowUpdate u = record.value();
        if (u == null) {
            return;
        }
        if (u.getKind() == UpdateKind.TICK) {
            onTick(u.getSource(), u.getTime());
            return;
        }
        String service = record.key();
        if (service == null || service.isEmpty()) {
            return;
        }
        ServicePartial p = partials.decode(bytes(u.getPartial()));
        ServiceAgg agg = aggs.computeIfAbsent(service, windows::get);
        if (agg == null) {
            agg = new ServiceAgg(p.serviceAddress(), new HashMap<>(), new ArrayList<>());
        }
        long start = p.start();
        Long closed = watermarks.get(CLOSED_KEY);
        if (closed != null && start < closed) {
            // Changes later than every partition's watermark (clock skew beyond the grace): their window
            // is out already, so they count in the first window still open, and no connection goes uncounted.
            start = closed;
        }
        p.mergeInto(window(agg, start));
        windows.put(service, agg);
        aggs.put(service, agg);
    }

    private void onTick(int source, long wm) {
        Long prev = watermarks.get(source);
        if (prev != null && prev >= wm) {
            return;
        }
        watermarks.put(source, wm);
        long global = Long.MAX_VALUE;
        for (int p = 0; p < upstreamPartitions; p++) {
            Long w = watermarks.get(p);
            if (w == null) {
                return; // not every partition has reported yet
            }
            global = Math.min(global, w);
        }
        long closeBefore = Math.floorDiv(global, sizeMicros) * sizeMicros;
        Long closed = watermarks.get(CLOSED_KEY);
        if (closed != null && closed >= closeBefore) {
            return;
        }
        watermarks.put(CLOSED_KEY, closeBefore);
        closeWindows(closeBefore);
        history.prune(closeBefore);
    }

    /** Emits and drops every window that ends at or before {@code closeBefore}, services in key order. */
    private void closeWindows(long closeBefore) {
        List<KeyValue<String, ServiceAgg>> changed = new ArrayList<>();
        try (KeyValueIterator<String, ServiceAgg> it = windows.all()) {
            while (it.hasNext()) {
                KeyValue<String, ServiceAgg> kv = it.next();
                ServiceAgg agg = kv.value;
                boolean any = false;
                agg.getWindows().sort((a, b) -> Long.compare(a.getStart(), b.getStart()));
                while (!agg.getWindows().isEmpty() && agg.getWindows().get(0).getStart() + sizeMicros <= closeBefore) {
                    WindowAcc w = agg.getWindows().remove(0);
                    w.getStateDelta().forEach((state, d) -> agg.getClosedStates().merge(state, d, Long::sum));
                    agg.getClosedStates().values().removeIf(x -> x == 0);
                    ServiceStats s = stats(kv.key, agg, w);
                    latest.put(kv.key, s);
                    history.record(s, w.getStart());
                    metrics.windowClosed(kv.key, s, w.getLatencyBuckets());
                    ctx.forward(new Record<>(kv.key, s, (w.getStart() + sizeMicros) / 1000));
                    any = true;
                }
                if (any) {
                    changed.add(kv);
                }
            }
        }
        for (KeyValue<String, ServiceAgg> kv : changed) {
            if (kv.value.getWindows().isEmpty() && kv.value.getClosedStates().isEmpty()) {
                windows.delete(kv.key);
                aggs.remove(kv.key);
            } else {
                windows.put(kv.key, kv.value);
                aggs.put(kv.key, kv.value);
            }
        }
    }

    private ServiceStats stats(String service, ServiceAgg agg, WindowAcc w) {
        Map<String, Long> states = new TreeMap<>(agg.getClosedStates());
        long active = states.values().stream().mapToLong(Long::longValue).sum();
        return ServiceStats.newBuilder()
                .setService(service)
                .setServiceAddress(agg.getServiceAddress())
                .setWindowStart(instant(w.getStart()))
                .setWindowEnd(instant(w.getStart() + sizeMicros))
                .setNewFlows(w.getNewFlows())
                .setReplied(w.getReplied())
                .setUnreplied(w.getUnreplied())
                .setIncompleteNat(new TreeMap<>(w.getIncomplete()))
                .setActive(active)
                .setStates(states)
                .setBackends(new TreeMap<>(w.getBackends()))
                .setSetupP50Micros(LatencyHistogram.percentile(w.getLatencyBuckets(), 50))
                .setSetupP99Micros(LatencyHistogram.percentile(w.getLatencyBuckets(), 99))
                .setClients(DistinctClients.count(w.getClients(), w.getClientBits()))
                .build();
    }

    private static WindowAcc window(ServiceAgg agg, long start) {
        for (WindowAcc w : agg.getWindows()) {
            if (w.getStart() == start) {
                return w;
            }
        }
        WindowAcc w = new WindowAcc(start, 0L, 0L, 0L, new HashMap<>(), new HashMap<>(), new HashMap<>(),
                new HashMap<>(), new ArrayList<>(), ByteBuffer.allocate(0));
        agg.getWindows().add(w);
        return w;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000);
    }
}
