package io.ctflow.streams.node;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.CpuStats;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.streams.StoreNames;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Node-level anomalies from consecutive {@link NodeStats} samples of one node: TABLE_PRESSURE
 * (count at or above 90 % of max; OPEN once, RESOLVED when it falls back), INSERT_FAILED, DROP,
 * EARLY_DROP (a counter grew between two samples), EVENT_LOSS (the collector lost events), and
 * INVALID_PACKETS (the {@code invalid} counter grew by {@link #NOISE_FLOOR} or more while {@code nf_conntrack_tcp_be_liberal=0}:
 * out-of-window TCP packets are marked INVALID and, with kube-proxy's {@code --ctstate INVALID -j DROP},
 * dropped, which resets long connections: kubernetes/kubernetes#74839, #117924), CLASH_RESOLVE (the
 * kernel resolved {@link #NOISE_FLOOR} or more insert clashes, the DNS A/AAAA race of #56903; fewer are
 * a fact of INSERT_FAILED) and CHAIN_TOO_LONG (a hash chain
 * was too long to insert into: hash-table pressure).
 */
public final class NodeAnomalyProcessor implements Processor<String, NodeStats, String, NatAnomaly> {
    static final double PRESSURE = 0.9;
    static final String BE_LIBERAL = "net.netfilter.nf_conntrack_tcp_be_liberal";
    /**
     * INVALID and clash_resolve grow a little on every busy node (late retransmits, ICMP errors for
     * expired entries; the odd parallel DNS query): below this many between two samples they are
     * background, reported only as facts of INSERT_FAILED; at or above it they are what resets
     * connections or fails DNS lookups.
     */
    static final long NOISE_FLOOR = 100;
    private ProcessorContext<String, NatAnomaly> ctx;
    private KeyValueStore<String, NodeStats> last;
    private KeyValueStore<String, NatAnomaly> anomalies;
    private KeyValueStore<String, NodeFacts> facts;

    @Override
    public void init(ProcessorContext<String, NatAnomaly> context) {
        this.ctx = context;
        this.last = context.getStateStore(StoreNames.NODE_STATS_LAST);
        this.anomalies = context.getStateStore(StoreNames.NODE_ANOMALIES);
        this.facts = context.getStateStore(StoreNames.NODE_FACTS_GLOBAL);
    }

    @Override
    public void process(Record<String, NodeStats> record) {
        NodeStats now = record.value();
        if (now == null) {
            return;
        }
        String node = now.getNode();
        NodeStats prev = last.get(node);
        pressure(node, now);
        if (prev != null) {
            counter(node, AnomalyType.INSERT_FAILED, 1, prev, now, CpuStats::getInsertFailed,
                    "conntrack inserts failed: check for table pressure, clashes of UDP/DNS races (kernel < 5.x) and nf_conntrack_max");
            counter(node, AnomalyType.DROP, 1, prev, now, CpuStats::getDrop,
                    "conntrack dropped packets: raise nf_conntrack_max / hashsize or find the source of new connections");
            counter(node, AnomalyType.EARLY_DROP, 1, prev, now, CpuStats::getEarlyDrop,
                    "conntrack evicted unassured entries to make room: the table is full; raise nf_conntrack_max");
            invalid(node, prev, now);
            counter(node, AnomalyType.CLASH_RESOLVE, NOISE_FLOOR, prev, now, CpuStats::getClashResolve,
                    "conntrack resolved clashing inserts (parallel packets of one new flow, typically DNS A and AAAA from one socket: "
                            + "kubernetes/kubernetes#56903); if insert_failed grows too, use single-request-reopen or TCP for DNS, or NodeLocal DNSCache");
            counter(node, AnomalyType.CHAIN_TOO_LONG, 1, prev, now, CpuStats::getChaintoolong,
                    "conntrack refused inserts into an overlong hash chain: raise net.netfilter.nf_conntrack_buckets (hashsize) on " + node);
            long lost = now.getLostEvents() - prev.getLostEvents();
            if (lost > 0) {
                raise(node, AnomalyType.EVENT_LOSS, now, "collector on " + node + " lost " + lost + " conntrack events",
                        "raise the collector's netlink buffer (--buffer) or its CPU; anomalies on " + node
                                + " around this time may be missing or wrong until the next snapshot",
                        Map.of("lostEvents", Long.toString(lost)));
            }
        }
        last.put(node, now);
    }

    /** INVALID growth matters when the kernel judges TCP windows strictly: then such packets are dropped. */
    private void invalid(String node, NodeStats prev, NodeStats now) {
        long delta = sum(now.getCpus(), CpuStats::getInvalid) - sum(prev.getCpus(), CpuStats::getInvalid);
        NodeFacts f = facts.get(node);
        String liberal = f == null ? null : f.getSysctls().get(BE_LIBERAL);
        if (delta < NOISE_FLOOR || liberal == null || !liberal.strip().equals("0")) {
            return;
        }
        Map<String, String> used = new LinkedHashMap<>();
        used.put("delta", Long.toString(delta));
        used.put("total", Long.toString(sum(now.getCpus(), CpuStats::getInvalid)));
        used.put(BE_LIBERAL, "0");
        raise(node, AnomalyType.INVALID_PACKETS, now, "conntrack marked " + delta + " packets INVALID on " + node + " with " + BE_LIBERAL + "=0",
                "out-of-window TCP packets (retransmits after NAT, offload, asymmetric paths) are INVALID and dropped by kube-proxy's "
                        + "INVALID drop rule, resetting connections (kubernetes/kubernetes#74839, #117924): sysctl -w " + BE_LIBERAL + "=1 on " + node
                        + " (kube-proxy --conntrack-tcp-be-liberal), or find what sends them",
                used);
    }

    private void pressure(String node, NodeStats s) {
        Long max = s.getMax();
        if (max == null) {
            NodeFacts f = facts.get(node);
            String m = f == null ? null : f.getSysctls().get("net.netfilter.nf_conntrack_max");
            max = m == null ? null : parseLong(m);
        }
        if (max == null || max <= 0 || s.getCount() == null) {
            return;
        }
        String key = node + "|" + AnomalyType.TABLE_PRESSURE;
        NatAnomaly open = anomalies.get(key);
        boolean high = s.getCount() >= PRESSURE * max;
        Map<String, String> used = Map.of("count", Long.toString(s.getCount()), "max", Long.toString(max));
        if (high && (open == null || open.getStatus() == AnomalyStatus.RESOLVED)) {
            NatAnomaly a = base(node, AnomalyType.TABLE_PRESSURE, s, used)
                    .setDetail("conntrack table on " + node + " holds " + s.getCount() + " of " + max + " entries")
                    .setHint("raise net.netfilter.nf_conntrack_max on " + node + " or find what opens so many connections")
                    .build();
            put(key, a);
        } else if (!high && open != null && open.getStatus() == AnomalyStatus.OPEN) {
            put(key, NatAnomaly.newBuilder(open).setStatus(AnomalyStatus.RESOLVED).setDetectedAt(s.getTimestamp())
                    .setDetail(open.getDetail() + "; back to " + s.getCount()).build());
        }
    }

    private void counter(String node, AnomalyType type, long min, NodeStats prev, NodeStats now, ToLongFunction<CpuStats> f, String hint) {
        long delta = sum(now.getCpus(), f) - sum(prev.getCpus(), f);
        if (delta >= min && delta > 0) {
            Map<String, String> used = new LinkedHashMap<>();
            used.put("delta", Long.toString(delta));
            used.put("total", Long.toString(sum(now.getCpus(), f)));
            if (type == AnomalyType.INSERT_FAILED) {
                long clash = sum(now.getCpus(), CpuStats::getClashResolve) - sum(prev.getCpus(), CpuStats::getClashResolve);
                if (clash > 0) {
                    used.put("clashResolveDelta", Long.toString(clash)); // with insert_failed: the DNS A/AAAA race (#56903)
                }
            }
            raise(node, type, now, type.name().toLowerCase().replace('_', ' ') + " grew by " + delta + " on " + node, hint, used);
        }
    }

    private void raise(String node, AnomalyType type, NodeStats s, String detail, String hint, Map<String, String> used) {
        String key = node + "|" + type + "|" + micros(s.getTimestamp());
        put(key, base(node, type, s, used).setDetail(detail).setHint(hint).build());
    }

    private static NatAnomaly.Builder base(String node, AnomalyType type, NodeStats s, Map<String, String> used) {
        return NatAnomaly.newBuilder().setType(type).setStatus(AnomalyStatus.OPEN).setNode(node)
                .setFirstSeen(s.getTimestamp()).setDetectedAt(s.getTimestamp()).setFacts(new LinkedHashMap<>(used));
    }

    private void put(String key, NatAnomaly a) {
        anomalies.put(key, a);
        ctx.forward(new Record<>(key, a, a.getDetectedAt().toEpochMilli()));
    }

    private static long sum(List<CpuStats> cpus, ToLongFunction<CpuStats> f) {
        return cpus.stream().mapToLong(f).sum();
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000 + i.getNano() / 1000;
    }
}
