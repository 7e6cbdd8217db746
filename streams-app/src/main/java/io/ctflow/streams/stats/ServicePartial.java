package io.ctflow.streams.stats;

import io.ctflow.avro.internal.WindowAcc;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Service window's counts as one flow-join task saw them. The stats task used to add up one
 * connection change at a time from the repartition topic; the flow task now adds them up where they
 * happen and sends one partial per Service window when the window closes on its watermark. Partials
 * merge exactly (counts and histograms add, client sets unite), so the windows' stats are the same.
 */
public final class ServicePartial {
    private static final long[] NO_BUCKETS = new long[0];

    final String service;
    final long start;
    final String serviceAddress;
    long newFlows;
    long replied;
    long unreplied;
    final Map<String, Long> incomplete = new HashMap<>();
    final Map<String, Long> stateDelta = new HashMap<>();
    final Map<String, Long> backends = new HashMap<>();
    /** Connections per {@link LatencyHistogram} bucket index. */
    long[] latency = NO_BUCKETS;
    /** Distinct clients as {@link DistinctClients} keeps them: exact while few, then {@link #clientBits}. */
    final List<ByteBuffer> clients = new ArrayList<>();
    byte[] clientBits;
    /** Its key in the store, made once. */
    String storeKey;
    /** Changed since the last commit's write; whether the store holds a version of it (else closing it needs no delete). */
    boolean dirty;
    boolean stored;

    public ServicePartial(String service, long startMicros, String serviceAddress) {
        this.service = service;
        this.start = startMicros;
        this.serviceAddress = serviceAddress;
    }

    public String service() {
        return service;
    }

    public long start() {
        return start;
    }

    public String serviceAddress() {
        return serviceAddress;
    }

    /** Counts one connection change, as the stats task did for each update it received. */
    public void apply(ConnectionChange c) {
        if (c.replied()) {
            replied++;
            if (c.latency() >= 0) {
                addLatency(LatencyHistogram.bucket(c.latency()), 1);
            }
        }
        switch (c.kind()) {
            case NEW -> {
                if (c.fresh()) {
                    newFlows++;
                    if (c.backend() != null) {
                        backends.merge(c.backend(), 1L, Long::sum);
                    }
                    if (c.client() != null) {
                        addClient(c.client());
                    }
                }
                stateDelta.merge(c.toState(), 1L, Long::sum);
            }
            case UNREPLIED -> unreplied++;
            case INCOMPLETE -> incomplete.merge(c.cause(), 1L, Long::sum);
            case STATE -> {
                stateDelta.merge(c.fromState(), -1L, Long::sum);
                stateDelta.merge(c.toState(), 1L, Long::sum);
            }
            case END -> stateDelta.merge(c.fromState(), -1L, Long::sum);
            default -> { } // REPLIED: counted above
        }
    }

    void addLatency(int bucket, long n) {
        if (bucket >= latency.length) {
            latency = Arrays.copyOf(latency, Math.max(bucket + 1, latency.length * 2));
        }
        latency[bucket] += n;
    }

    private void addClient(ByteBuffer client) {
        if (clientBits != null) {
            DistinctClients.set(clientBits, client);
            return;
        }
        ByteBuffer bits = DistinctClients.add(clients, ByteBuffer.allocate(0), client);
        if (bits.remaining() > 0) {
            clientBits = bits.array();
        }
    }

    /** Adds this partial to the stats task's accumulator of the window. */
    public void mergeInto(WindowAcc w) {
        w.setNewFlows(w.getNewFlows() + newFlows);
        w.setReplied(w.getReplied() + replied);
        w.setUnreplied(w.getUnreplied() + unreplied);
        incomplete.forEach((k, n) -> w.getIncomplete().merge(k, n, Long::sum));
        stateDelta.forEach((k, n) -> w.getStateDelta().merge(k, n, Long::sum));
        backends.forEach((k, n) -> w.getBackends().merge(k, n, Long::sum));
        for (int b = 0; b < latency.length; b++) {
            if (latency[b] != 0) {
                w.getLatencyBuckets().merge(Integer.toString(b), latency[b], Long::sum);
            }
        }
        w.setClientBits(DistinctClients.merge(w.getClients(), w.getClientBits(), clients,
                clientBits == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(clientBits)));
    }
}
