package io.ctflow.collector.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ServiceSourceMetricTest {
    private static String series(CollectorMetrics m) {
        for (MetricSnapshot s : m.registry().scrape()) {
            if (s.getMetadata().getName().equals("ctflow_service_rules")) {
                return ((GaugeSnapshot) s).getDataPoints().stream()
                        .map(d -> d.getLabels().get("mode") + "=" + (long) d.getValue()).sorted().collect(Collectors.joining(","));
            }
        }
        return null;
    }

    @Test
    void oneSeriesForTheModeInUse() {
        CollectorMetrics m = new CollectorMetrics();
        assertEquals("", series(m));
        m.serviceSource("iptables", 42);
        assertEquals("iptables=42", series(m));
        m.serviceSource("iptables", 40);
        assertEquals("iptables=40", series(m));
        m.serviceSource("nftables", 57);
        assertEquals("nftables=57", series(m), "the old mode's series is gone");
        assertEquals("nftables", m.serviceMode());
    }
}
