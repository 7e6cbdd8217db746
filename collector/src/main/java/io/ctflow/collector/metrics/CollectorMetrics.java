package io.ctflow.collector.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

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
}
