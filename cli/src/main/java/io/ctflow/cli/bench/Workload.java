package io.ctflow.cli.bench;

import io.ctflow.avro.Endpoint;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.parse.CaptureFacts;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A synthetic cluster's conntrack traffic: TCP connections from pods on {@code nodes} nodes through
 * {@code services} Services, a new one every {@code 1/connectionsPerSecond} of event time, each
 * seen by its client's node as the kernel reports it:
 * <pre>
 * +0        NEW SYN_SENT [UNREPLIED]          (an anomalous connection: NEW, then DESTROY SYN_SENT [UNREPLIED] at +lifetime)
 * +300 us   UPDATE SYN_RECV
 * +600 us   UPDATE ESTABLISHED [ASSURED]
 * +life-2 s UPDATE TIME_WAIT [ASSURED]
 * +life     DESTROY TIME_WAIT [ASSURED]
 * </pre>
 * plus one heartbeat per node every second. Steps come out in event-time order, so connections
 * interleave; about {@code connectionsPerSecond * lifetime} flows are open once the first one ended.
 * Each step kind is an arithmetic sequence in time, so the merge needs no buffer: memory is O(1)
 * whatever the number of connections.
 */
public record Workload(String name, int nodes, int services, int connectionsPerSecond, long lifetimeMicros,
                       int anomalyPercent, long connections, long startMicros) {
    static final int ENDPOINTS = 3;
    static final long SYN_RECV_MICROS = 300;
    static final long ESTABLISHED_MICROS = 600;
    static final long TIME_WAIT_BEFORE_DESTROY_MICROS = 2_000_000;
    static final long HEARTBEAT_MICROS = 1_000_000;
    /** A fixed start (2026-11-26), so runs are reproducible. */
    static final long START_MICROS = 1_795_711_600_000_000L;
    private static final int CLIENT_HOSTS = 190;
    private static final int CLIENT_PORTS = 64_000;

    public Workload {
        if (nodes < 1 || nodes > 250 || services < 1 || services > 10_000 || connectionsPerSecond < 1
                || lifetimeMicros <= TIME_WAIT_BEFORE_DESTROY_MICROS + ESTABLISHED_MICROS
                || anomalyPercent < 0 || anomalyPercent > 100 || connections < 1) {
            throw new IllegalArgumentException("bad workload " + name + ": nodes 1-250, services 1-10000, rate >= 1, "
                    + "lifetime > 2 s, anomalies 0-100 %, connections >= 1");
        }
    }

    /**
     * The production regime: 20 k new connections/s through 50 Services on 10 nodes, 3 % unreplied,
     * {@code openFlows} open at the peak (lifetime = openFlows / rate), and twice that many
     * connections: a ramp to the peak, then as long at the peak. Below 60 k open flows (tiny runs)
     * the rate drops instead, so that a connection still lives 3 s.
     */
    public static Workload production(long openFlows) {
        int rate = (int) Math.max(1, Math.min(20_000, openFlows / 3));
        long lifetime = (openFlows * 1_000_000L + rate - 1) / rate;
        return new Workload("production", 10, 50, rate, lifetime, 3, 2 * openFlows, START_MICROS);
    }

    /** The same shapes with few flows open at a time (they fit the Streams record cache): 5 s connections, openFlows/5 per second. */
    public static Workload small(long openFlows, long connections) {
        int rate = (int) Math.max(1, openFlows / 5);
        return new Workload("small", 10, 50, rate, 5_000_000L, 3, connections, START_MICROS);
    }

    public Workload withStart(long micros) {
        return new Workload(name, nodes, services, connectionsPerSecond, lifetimeMicros, anomalyPercent, connections, micros);
    }

    /** Flows open at the peak (NEW seen, DESTROY not yet). */
    public long openFlowsAtPeak() {
        return Math.min(connections, lifetimeMicros * connectionsPerSecond / 1_000_000L);
    }

    /** Event time from the first NEW to the last DESTROY. */
    public long durationMicros() {
        return newAt(connections - 1) + lifetimeMicros - startMicros;
    }

    public boolean anomalous(long connection) {
        return (connection * 37) % 100 < anomalyPercent;
    }

    long newAt(long connection) {
        return startMicros + connection * 1_000_000L / connectionsPerSecond;
    }

    public String node(int n) {
        return "node" + (n + 1);
    }

    int nodeOf(long connection) {
        return (int) (connection % nodes);
    }

    int serviceOf(long connection) {
        return (int) ((connection / nodes) % services);
    }

    byte[] clientAddress(long connection) {
        return new byte[] {10, (byte) 244, (byte) (nodeOf(connection) + 1), (byte) (2 + (connection / nodes) % CLIENT_HOSTS)};
    }

    int clientPort(long connection) {
        return 1024 + (int) ((connection / ((long) nodes * CLIENT_HOSTS)) % CLIENT_PORTS);
    }

    /** Connections with distinct client (address, port), hence distinct flow keys: identities repeat after this many. */
    long distinctIdentities() {
        return (long) nodes * CLIENT_HOSTS * CLIENT_PORTS;
    }

    byte[] vip(int service) {
        return new byte[] {10, 96, (byte) (service / 200), (byte) (10 + service % 200)};
    }

    byte[] backend(int service, int endpoint) {
        return new byte[] {10, (byte) 244, (byte) ((service + endpoint) % nodes + 1), (byte) (200 + service % 50)};
    }

    byte[] backendOf(long connection) {
        return backend(serviceOf(connection), (int) ((connection / ((long) nodes * services)) % ENDPOINTS));
    }

    /** The Services as the collector publishes them (kube-proxy chains read from iptables). */
    public List<ServiceEntry> serviceEntries() {
        Instant at = Instant.ofEpochSecond(0, startMicros * 1000);
        List<ServiceEntry> out = new ArrayList<>(services);
        for (int s = 0; s < services; s++) {
            List<Endpoint> eps = new ArrayList<>(ENDPOINTS);
            for (int e = 0; e < ENDPOINTS; e++) {
                eps.add(new Endpoint(ByteBuffer.wrap(backend(s, e)), 8080));
            }
            out.add(ServiceEntry.newBuilder().setId("bench/svc-" + s + ":http").setNamespace("bench").setName("svc-" + s)
                    .setPortName("http").setVip(ByteBuffer.wrap(vip(s))).setPort(80).setProtocol(Protocol.TCP)
                    .setEndpoints(eps).setSource("iptables").setNode(node(0)).setTimestamp(at).build());
        }
        return out;
    }

    /** Each node's facts: bridge netfilter on (the healthy setting), its pod CIDR on cni0. */
    public List<NodeFacts> nodeFacts() {
        Instant at = Instant.ofEpochSecond(0, startMicros * 1000);
        List<NodeFacts> out = new ArrayList<>(nodes);
        for (int n = 0; n < nodes; n++) {
            out.add(CaptureFacts.parse(String.join("\n",
                    "node=" + node(n),
                    "net.bridge.bridge-nf-call-iptables=1",
                    "net.ipv4.ip_forward=1",
                    "net.netfilter.nf_conntrack_max=1048576",
                    "pod_cidr=10.244." + (n + 1) + ".0/24",
                    "bridge.cni0.addr=10.244." + (n + 1) + ".1/24"), at));
        }
        return out;
    }

    public Steps steps() {
        return new Steps(this);
    }

    /** What the kernel (or the collector, for a heartbeat) reports next. */
    public enum Kind { NEW, SYN_RECV, ESTABLISHED, TIME_WAIT, DESTROY, HEARTBEAT }

    private static final Kind[] KINDS = Kind.values();

    /**
     * The steps in event-time order (ties: the order of {@link Kind}). After {@link #next()},
     * {@link #kind}, {@link #connection} (or node, for a heartbeat) and {@link #micros} describe it.
     * Mutable and reused: no allocation per step.
     */
    public static final class Steps {
        private final Workload w;
        private final long[] offset;
        private final long[] cursor = new long[KINDS.length];
        private final long lastHeartbeat;
        public Kind kind;
        /** The connection, or for a heartbeat the node index. */
        public long connection;
        public long micros;

        Steps(Workload w) {
            this.w = w;
            this.offset = new long[] {0, SYN_RECV_MICROS, ESTABLISHED_MICROS,
                    w.lifetimeMicros - TIME_WAIT_BEFORE_DESTROY_MICROS, w.lifetimeMicros};
            long end = w.startMicros + w.durationMicros();
            this.lastHeartbeat = ((end - w.startMicros) / HEARTBEAT_MICROS + 1) * w.nodes;
            for (int k = 1; k <= 3; k++) {
                cursor[k] = skipAnomalous(0);
            }
        }

        private long skipAnomalous(long c) {
            while (c < w.connections && w.anomalous(c)) {
                c++;
            }
            return c;
        }

        private long timeOf(int k) {
            if (k == Kind.HEARTBEAT.ordinal()) {
                return cursor[k] < lastHeartbeat ? w.startMicros + (cursor[k] / w.nodes) * HEARTBEAT_MICROS : Long.MAX_VALUE;
            }
            return cursor[k] < w.connections ? w.newAt(cursor[k]) + offset[k] : Long.MAX_VALUE;
        }

        public boolean hasNext() {
            for (int k = 0; k < cursor.length; k++) {
                if (timeOf(k) != Long.MAX_VALUE) {
                    return true;
                }
            }
            return false;
        }

        /** Advances to the next step; false at the end. */
        public boolean next() {
            int best = -1;
            long bestTime = Long.MAX_VALUE;
            for (int k = 0; k < cursor.length; k++) {
                long t = timeOf(k);
                if (t < bestTime) {
                    best = k;
                    bestTime = t;
                }
            }
            if (best < 0) {
                return false;
            }
            kind = KINDS[best];
            micros = bestTime;
            if (kind == Kind.HEARTBEAT) {
                connection = cursor[best] % w.nodes;
                cursor[best]++;
            } else {
                connection = cursor[best];
                cursor[best] = best >= 1 && best <= 3 ? skipAnomalous(cursor[best] + 1) : cursor[best] + 1;
            }
            return true;
        }
    }
}
