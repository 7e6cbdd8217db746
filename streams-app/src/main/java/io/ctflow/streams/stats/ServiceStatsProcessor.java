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
 * Per-Service tumbling windows over the flow join's connection updates, one {@link ServiceStats}
 * per window when it closes. A window closes when every flow partition's watermark (their TICKs)
 * has passed its end, so a partition that runs ahead cannot close a window another still feeds:
 * the output is the same however the partitions' processing interleaves.
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
        ServiceAgg agg = aggs.computeIfAbsent(service, windows::get);
        if (agg == null) {
            agg = new ServiceAgg(u.getServiceAddress(), new HashMap<>(), new ArrayList<>());
        }
        long start = Math.floorDiv(u.getTime(), sizeMicros) * sizeMicros;
        Long closed = watermarks.get(CLOSED_KEY);
        if (closed != null && start < closed) {
            // Later than every partition's watermark (clock skew beyond the grace): its window is out
            // already, so it counts in the first window still open, and no connection goes uncounted.
            start = closed;
        }
        apply(window(agg, start), u);
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

    private static void apply(WindowAcc w, FlowUpdate u) {
        if (u.getReplied()) {
            w.setReplied(w.getReplied() + 1);
            if (u.getLatency() >= 0) {
                LatencyHistogram.add(w.getLatencyBuckets(), u.getLatency());
            }
        }
        switch (u.getKind()) {
            case NEW -> {
                if (u.getFresh()) {
                    w.setNewFlows(w.getNewFlows() + 1);
                    if (u.getBackend() != null) {
                        w.getBackends().merge(u.getBackend(), 1L, Long::sum);
                    }
                    if (u.getClient() != null) {
                        w.setClientBits(DistinctClients.add(w.getClients(), w.getClientBits(), u.getClient()));
                    }
                }
                w.getStateDelta().merge(u.getToState(), 1L, Long::sum);
            }
            case UNREPLIED -> w.setUnreplied(w.getUnreplied() + 1);
            case INCOMPLETE -> w.getIncomplete().merge(u.getCause(), 1L, Long::sum);
            case STATE, END -> applyState(w.getStateDelta(), u);
            default -> { } // REPLIED: counted above
        }
    }

    /** Moves one open connection between states (END: out of the histogram). */
    private static void applyState(Map<String, Long> hist, FlowUpdate u) {
        if (u.getKind() == UpdateKind.STATE || u.getKind() == UpdateKind.END) {
            hist.merge(u.getFromState(), -1L, Long::sum);
        }
        if (u.getKind() == UpdateKind.STATE || u.getKind() == UpdateKind.NEW) {
            hist.merge(u.getToState(), 1L, Long::sum);
        }
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000);
    }
}
