package io.ctflow.streams.metrics;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The streams app's domain metrics (README "Metrics"): what the results say, not Kafka internals.
 * Gauges of state (open anomalies, table use, loss, active connections) are read from the local
 * stores at scrape time ({@link StoreScan}, cached {@link #SCAN_TTL}); counters and clocks are fed
 * by the topology through {@link ResultsObserver} ({@link NodeClocks}, {@link ServiceCounters},
 * {@link AnomalyCounters}, each saying how it stays right under exactly-once task revival).
 */
public final class CtflowMetrics implements ResultsObserver, MultiCollector {
    static final Duration SCAN_TTL = Duration.ofSeconds(5);

    private final NodeClocks nodes;
    private final ServiceCounters services = new ServiceCounters();
    private final AnomalyCounters anomalies = new AnomalyCounters();
    private final LocalStores stores;
    private final Clock clock;
    private StoreScan lastScan;
    private Instant lastScanAt = Instant.MIN;

    public CtflowMetrics(LocalStores stores, Clock clock) {
        this.stores = stores;
        this.clock = clock;
        this.nodes = new NodeClocks(clock::millis);
    }

    @Override
    public void event(ConntrackEvent e) {
        nodes.event(e);
    }

    @Override
    public void eventAhead(String node, long aheadMillis) {
        nodes.ahead(node);
    }

    @Override
    public void anomaly(NatAnomaly a) {
        anomalies.anomaly(a);
    }

    @Override
    public void windowClosed(String service, ServiceStats stats, Map<String, Long> latencyBuckets) {
        services.windowClosed(service, stats, latencyBuckets);
    }

    private synchronized StoreScan scan(Instant now) {
        if (lastScan == null || !now.isBefore(lastScanAt.plus(SCAN_TTL)) || now.isBefore(lastScanAt)) {
            lastScan = StoreScan.of(stores, now);
            lastScanAt = now;
        }
        return lastScan;
    }

    /** Forgets the cached store scan (tests: read the stores again now). */
    public synchronized void rescan() {
        lastScan = null;
    }

    @Override
    public MetricSnapshots collect() {
        Instant now = clock.instant();
        StoreScan scan = scan(now);
        List<MetricSnapshot> out = new ArrayList<>();

        GaugeSnapshot.Builder open = gauge("ctflow_anomalies_open",
                "Open anomalies by node, Service (\"\" for node anomalies) and cause (a node anomaly's type)");
        scan.open.forEach((k, n) -> open.dataPoint(point(n, "node", k.get(0), "service", k.get(1), "cause", k.get(2))));
        out.add(open.build());

        CounterSnapshot.Builder raised = counter("ctflow_anomalies_raised", "Anomalies raised, by cause (a node anomaly's type)");
        anomalies.forEachRaised((c, n) -> raised.dataPoint(count(n, "cause", c)));
        out.add(raised.build());
        CounterSnapshot.Builder resolved = counter("ctflow_anomalies_resolved",
                "Anomalies resolved (a late reply, a table back below 90 %), by cause");
        anomalies.forEachResolved((c, n) -> resolved.dataPoint(count(n, "cause", c)));
        out.add(resolved.build());

        serviceSeries(scan, out);
        nodeSeries(scan, now, out);
        return new MetricSnapshots(out);
    }

    private void serviceSeries(StoreScan scan, List<MetricSnapshot> out) {
        CounterSnapshot.Builder news = counter("ctflow_service_connections_new", "New connections to a Service (closed windows)");
        CounterSnapshot.Builder replied = counter("ctflow_service_connections_replied", "Connections to a Service that got a reply");
        CounterSnapshot.Builder unreplied = counter("ctflow_service_connections_unreplied",
                "Connections to a Service without a reply within the reply timeout");
        CounterSnapshot.Builder incomplete = counter("ctflow_service_connections_incomplete",
                "Connections to a Service raised as incomplete NAT, by cause");
        HistogramSnapshot.Builder latency = HistogramSnapshot.builder().name("ctflow_service_setup_latency_seconds")
                .help("Connection setup latency (first packet to first reply, on the NAT node) of a Service");
        services.forEach((svc, t) -> {
            news.dataPoint(count(t.newFlows, "service", svc));
            replied.dataPoint(count(t.replied, "service", svc));
            unreplied.dataPoint(count(t.unreplied, "service", svc));
            t.incomplete.forEach((cause, n) -> incomplete.dataPoint(count(n, "service", svc, "cause", cause)));
            latency.dataPoint(HistogramDataPointSnapshot.builder()
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(ServiceCounters.BOUNDS_SECONDS, t.latencyCounts))
                    .sum(t.latencySumSeconds).labels(Labels.of("service", svc)).build());
        });
        out.add(news.build());
        out.add(replied.build());
        out.add(unreplied.build());
        out.add(incomplete.build());
        out.add(latency.build());
        GaugeSnapshot.Builder active = gauge("ctflow_service_connections_active",
                "Open connections of a Service at the end of its newest closed window");
        scan.active.forEach((svc, n) -> active.dataPoint(point(n, "service", svc)));
        out.add(active.build());
        GaugeSnapshot.Builder endpoints = gauge("ctflow_service_endpoints",
                "Endpoints of a Service in the dataplane rules (the most any node lists; 0: NO_ENDPOINTS); every instance exports the same");
        scan.endpoints.forEach((svc, n) -> endpoints.dataPoint(point(n, "service", svc)));
        out.add(endpoints.build());
    }

    private void nodeSeries(StoreScan scan, Instant now, List<MetricSnapshot> out) {
        long nowMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
        CounterSnapshot.Builder processed = counter("ctflow_node_events_processed",
                "Conntrack events of a node processed by this instance's flow tasks");
        GaugeSnapshot.Builder lag = gauge("ctflow_node_event_time_lag_seconds",
                "Now minus the newest event time this instance processed from a node (its watermark here)");
        GaugeSnapshot.Builder heartbeat = gauge("ctflow_node_heartbeat_age_seconds",
                "Now minus the event time of the newest heartbeat this instance processed from a node");
        CounterSnapshot.Builder ahead = counter("ctflow_node_events_ahead",
                "Events of a node stamped more than events.max-clock-ahead after the broker appended them (its clock runs "
                        + "ahead): their time was bounded to the append time plus that");
        nodes.forEach((node, c) -> {
            processed.dataPoint(count(c.events.sum(), "node", node));
            ahead.dataPoint(count(c.ahead.sum(), "node", node));
            lag.dataPoint(point((nowMicros - c.newestEvent.get()) / 1e6, "node", node));
            long hb = c.newestHeartbeat.get();
            if (hb != Long.MIN_VALUE) {
                heartbeat.dataPoint(point((nowMicros - hb) / 1e6, "node", node));
            }
        });
        out.add(processed.build());
        out.add(ahead.build());
        out.add(lag.build());
        out.add(heartbeat.build());

        CounterSnapshot.Builder lost = counter("ctflow_node_lost_events",
                "Conntrack events a node's collector lost since it started (its newest sample; resets with the collector)");
        CounterSnapshot.Builder gaps = counter("ctflow_node_gaps", "Gap markers a node's collector published since it started");
        GaugeSnapshot.Builder entries = gauge("ctflow_node_conntrack_entries", "Entries in a node's conntrack table (newest sample)");
        GaugeSnapshot.Builder max = gauge("ctflow_node_conntrack_max", "A node's nf_conntrack_max (newest sample)");
        GaugeSnapshot.Builder sampled = gauge("ctflow_node_stats_timestamp_seconds", "When a node's newest conntrack sample was taken");
        for (Map.Entry<String, NodeStats> e : scan.nodes.entrySet()) {
            NodeStats s = e.getValue();
            String node = e.getKey();
            lost.dataPoint(count(s.getLostEvents(), "node", node));
            gaps.dataPoint(count(s.getGaps(), "node", node));
            if (s.getCount() != null) {
                entries.dataPoint(point(s.getCount(), "node", node));
            }
            if (s.getMax() != null) {
                max.dataPoint(point(s.getMax(), "node", node));
            }
            sampled.dataPoint(point(s.getTimestamp().toEpochMilli() / 1000.0, "node", node));
        }
        out.add(lost.build());
        out.add(gaps.build());
        out.add(entries.build());
        out.add(max.build());
        out.add(sampled.build());
    }

    private static GaugeSnapshot.Builder gauge(String name, String help) {
        return GaugeSnapshot.builder().name(name).help(help);
    }

    private static CounterSnapshot.Builder counter(String name, String help) {
        return CounterSnapshot.builder().name(name).help(help);
    }

    private static GaugeDataPointSnapshot point(double v, String... labels) {
        return GaugeDataPointSnapshot.builder().value(v).labels(Labels.of(labels)).build();
    }

    private static CounterDataPointSnapshot count(double v, String... labels) {
        return CounterDataPointSnapshot.builder().value(v).labels(Labels.of(labels)).build();
    }
}
