package io.ctflow.collector.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class ProducerGaugesTest {
    static Metric metric(String name, String group, Object value) {
        MetricName mn = new MetricName(name, group, "", Map.of("client-id", "ctflow-collector"));
        return new Metric() {
            @Override
            public MetricName metricName() {
                return mn;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
    }

    static String scrape(CollectorMetrics m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, m.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void latencyInSecondsAndBufferUseComeFromTheProducersOwnMetrics() throws Exception {
        Map<MetricName, Metric> producer = new HashMap<>();
        for (Metric x : new Metric[] {
            metric("record-queue-time-avg", "producer-metrics", 20.0),
            metric("record-queue-time-max", "producer-metrics", 40.0),
            metric("request-latency-avg", "producer-metrics", 2.5),
            metric("request-latency-max", "producer-metrics", Double.NaN), // no request yet: left out
            metric("buffer-total-bytes", "producer-metrics", 33554432.0),
            metric("buffer-available-bytes", "producer-metrics", 33554432.0 - 1024),
            metric("buffer-total-bytes", "producer-node-metrics", 1.0), // another group: ignored
        }) {
            producer.put(x.metricName(), x);
        }
        CollectorMetrics m = new CollectorMetrics();
        assertTrue(!scrape(m).contains("ctflow_publish_"), "nothing before a producer is watched");
        m.watchProducer(() -> producer);
        String text = scrape(m);
        assertTrue(text.contains("ctflow_publish_latency_seconds{stage=\"queue\",stat=\"avg\"} 0.02\n"), text);
        assertTrue(text.contains("ctflow_publish_latency_seconds{stage=\"queue\",stat=\"max\"} 0.04\n"), text);
        assertTrue(text.contains("ctflow_publish_latency_seconds{stage=\"request\",stat=\"avg\"} 0.0025\n"), text);
        assertTrue(!text.contains("stage=\"request\",stat=\"max\""), text);
        assertTrue(text.contains("ctflow_publish_buffer_bytes 3.3554432E7\n"), text);
        assertTrue(text.contains("ctflow_publish_buffer_used_bytes 1024.0\n"), text);
        assertEquals(1, text.lines().filter(l -> l.startsWith("ctflow_publish_buffer_bytes ")).count(), "only producer-metrics counts");
    }
}
