package io.ctflow.collector.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * The publisher's latency and buffer, read from the Kafka producer's own metrics at scrape time
 * (nothing per record): {@code ctflow_publish_latency_seconds{stage="queue"|"request",stat="avg"|"max"}}
 * (time a record waits in the buffer for its batch, and the produce request's round trip: their sum
 * is the time from send to acknowledgement; over the producer's 30 s sample window),
 * {@code ctflow_publish_buffer_bytes} and {@code ctflow_publish_buffer_used_bytes} ({@code buffer.memory}
 * and the part holding records not yet acknowledged: full means Kafka is slower than the node).
 */
final class ProducerGauges implements MultiCollector {
    private volatile Supplier<Map<MetricName, ? extends Metric>> producer;

    void watch(Supplier<Map<MetricName, ? extends Metric>> producerMetrics) {
        this.producer = producerMetrics;
    }

    @Override
    public MetricSnapshots collect() {
        Supplier<Map<MetricName, ? extends Metric>> p = producer;
        if (p == null) {
            return new MetricSnapshots();
        }
        Double queueAvg = null;
        Double queueMax = null;
        Double requestAvg = null;
        Double requestMax = null;
        Double total = null;
        Double available = null;
        for (Map.Entry<MetricName, ? extends Metric> e : p.get().entrySet()) {
            if (!"producer-metrics".equals(e.getKey().group())) {
                continue;
            }
            Double v = number(e.getValue());
            switch (e.getKey().name()) {
                case "record-queue-time-avg" -> queueAvg = v;
                case "record-queue-time-max" -> queueMax = v;
                case "request-latency-avg" -> requestAvg = v;
                case "request-latency-max" -> requestMax = v;
                case "buffer-total-bytes" -> total = v;
                case "buffer-available-bytes" -> available = v;
                default -> { }
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        GaugeSnapshot.Builder latency = GaugeSnapshot.builder().name("ctflow_publish_latency_seconds")
                .help("Time from send to acknowledgement in two stages: queue (waiting in the buffer for its batch) and request (the produce round trip), average and max over the producer's 30 s window");
        // Kafka reports milliseconds (NaN before the first sample: left out)
        add(latency, queueAvg, 1e-3, "stage", "queue", "stat", "avg");
        add(latency, queueMax, 1e-3, "stage", "queue", "stat", "max");
        add(latency, requestAvg, 1e-3, "stage", "request", "stat", "avg");
        add(latency, requestMax, 1e-3, "stage", "request", "stat", "max");
        out.add(latency.build());
        GaugeSnapshot.Builder buffer = GaugeSnapshot.builder().name("ctflow_publish_buffer_bytes")
                .help("The producer's buffer (buffer.memory)");
        add(buffer, total, 1);
        out.add(buffer.build());
        GaugeSnapshot.Builder used = GaugeSnapshot.builder().name("ctflow_publish_buffer_used_bytes")
                .help("Bytes of the producer's buffer holding records not yet acknowledged");
        add(used, total != null && available != null ? total - available : null, 1);
        out.add(used.build());
        return new MetricSnapshots(out);
    }

    private static void add(GaugeSnapshot.Builder b, Double v, double scale, String... labels) {
        if (v != null && !v.isNaN() && !v.isInfinite()) {
            b.dataPoint(GaugeDataPointSnapshot.builder().value(v * scale).labels(Labels.of(labels)).build());
        }
    }

    private static Double number(Metric m) {
        return m.metricValue() instanceof Number n ? n.doubleValue() : null;
    }
}
