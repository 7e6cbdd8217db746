package io.ctflow.streams.api;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Exposes Kafka client / Kafka Streams metrics (numeric ones) as Prometheus gauges named
 * {@code kafka_<group>_<name>} with the metric's tags as labels; read at scrape time, nothing cached.
 */
public final class KafkaMetricsCollector implements MultiCollector {
    private final Supplier<Map<MetricName, ? extends Metric>> metrics;

    public KafkaMetricsCollector(Supplier<Map<MetricName, ? extends Metric>> metrics) {
        this.metrics = metrics;
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, GaugeSnapshot.Builder> byName = new TreeMap<>();
        Map<String, CounterSnapshot.Builder> counters = new TreeMap<>();
        Map<String, Set<Labels>> seen = new TreeMap<>();
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.get().entrySet()) {
            Object v = e.getValue().metricValue();
            if (!(v instanceof Number n) || Double.isNaN(n.doubleValue()) || Double.isInfinite(n.doubleValue())) {
                continue;
            }
            MetricName mn = e.getKey();
            // Kafka's cumulative "-total" metrics are counters: Prometheus names them <name>_total.
            boolean counter = mn.name().endsWith("-total");
            String base = counter ? mn.name().substring(0, mn.name().length() - "-total".length()) : mn.name();
            String name = PrometheusNaming.sanitizeMetricName("kafka_" + mn.group() + "_" + base);
            Labels.Builder lb = Labels.builder();
            new TreeMap<>(mn.tags()).forEach((k, val) -> lb.label(PrometheusNaming.sanitizeLabelName(k), val));
            Labels labels = lb.build();
            if (!seen.computeIfAbsent(name, x -> new HashSet<>()).add(labels)) {
                continue;
            }
            if (counter) {
                counters.computeIfAbsent(name, x -> CounterSnapshot.builder().name(x).help(mn.description()))
                        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(n.doubleValue()).labels(labels).build());
            } else {
                byName.computeIfAbsent(name, x -> GaugeSnapshot.builder().name(x).help(mn.description()))
                        .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(n.doubleValue()).labels(labels).build());
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        byName.forEach((n, b) -> {
            if (!counters.containsKey(n)) { // a gauge and a counter of one name: keep the counter
                out.add(b.build());
            }
        });
        counters.values().forEach(b -> out.add(b.build()));
        return new MetricSnapshots(out);
    }
}
