package io.ctflow.collector.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * The collector's Prometheus counters, in a registry of its own (so several collectors or tests in
 * one JVM do not collide). Exposed names get Prometheus' {@code _total} suffix, e.g.
 * {@code ctflow_events_read_total}.
 */
public final class CollectorMetrics {
    private final PrometheusRegistry registry;
    public final Counter eventsRead;
    public final Counter eventsPublished;
    public final Counter deadLetters;
    public final Counter lostEvents;
    public final Counter conntrackRestarts;
    public final Counter sendErrors;
    public final Counter gaps;
    public final Counter heartbeats;
    public final Counter snapshots;
    public final Counter snapshotLines;
    public final Counter snapshotEntries;
    /** Lines parsed but not sent, by reason; the one reason so far is {@code not_service} ({@code only.services}). */
    public final Counter eventsDropped;
    /** {@code ctflow_events_dropped_total{reason="not_service"}}, bound once: no label look-up per line. */
    public final CounterDataPoint droppedNotService;
    /** Rules (nft rules, iptables -A lines, IPVS servers) of the dataplane Services were last read from, labelled by its mode. */
    public final Gauge serviceRules;
    private String serviceMode;
    private final ProducerGauges producerGauges = new ProducerGauges();

    public CollectorMetrics() {
        this(new PrometheusRegistry());
    }

    public CollectorMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        eventsRead = counter("ctflow_events_read", "Conntrack lines read (events and snapshot lines)");
        eventsPublished = counter("ctflow_events_published", "Conntrack events acknowledged by Kafka");
        deadLetters = counter("ctflow_dead_letters", "Lines that did not parse (sent to the dead-letter topic)");
        lostEvents = counter("ctflow_lost_events", "Event losses the collector knows of (ENOBUFS, conntrack restarts)");
        conntrackRestarts = counter("ctflow_conntrack_restarts", "Restarts of the conntrack -E process");
        sendErrors = counter("ctflow_send_errors", "Records Kafka did not accept");
        gaps = counter("ctflow_gaps", "GAP markers published");
        heartbeats = counter("ctflow_heartbeats", "HEARTBEAT markers published (one per partition)");
        snapshots = counter("ctflow_snapshots", "Table snapshots (conntrack -L) read to the end");
        snapshotLines = counter("ctflow_snapshot_lines", "Lines read from table snapshots (part of ctflow_events_read)");
        snapshotEntries = counter("ctflow_snapshot_entries", "SNAPSHOT events sent by snapshots read to the end");
        eventsDropped = Counter.builder().name("ctflow_events_dropped")
                .help("Conntrack lines parsed but not sent; reason not_service: no Service of the node's table could have touched them (only.services)")
                .labelNames("reason").register(registry);
        droppedNotService = eventsDropped.labelValues("not_service");
        serviceRules = Gauge.builder().name("ctflow_service_rules")
                .help("Rules read from the dataplane the Services came from; the mode label says which (iptables, nftables, ipvs, yaml)")
                .labelNames("mode").register(registry);
        registry.register(producerGauges);
    }

    /** Reads publish latency and buffer use from this producer's metrics at each scrape ({@link ProducerGauges}). */
    public void watchProducer(Supplier<Map<MetricName, ? extends Metric>> producerMetrics) {
        producerGauges.watch(producerMetrics);
    }

    /** The dataplane Services were read from and its rule count; a previous mode's series is removed. */
    public synchronized void serviceSource(String mode, long rules) {
        if (serviceMode != null && !serviceMode.equals(mode)) {
            serviceRules.remove(serviceMode);
        }
        serviceRules.labelValues(mode).set(rules);
        serviceMode = mode;
    }

    /** The mode last given to {@link #serviceSource}, or null. */
    public synchronized String serviceMode() {
        return serviceMode;
    }

    private Counter counter(String name, String help) {
        return Counter.builder().name(name).help(help).register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Current value of a counter as a long (tests, final summaries). */
    public static long value(Counter c) {
        return (long) c.get();
    }

    /** Current value of a labelled counter's data point as a long. */
    public static long value(CounterDataPoint c) {
        return (long) c.get();
    }
}
