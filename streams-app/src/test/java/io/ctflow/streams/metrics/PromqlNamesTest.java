package io.ctflow.streams.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

class PromqlNamesTest {
    @Test
    void functionsLabelsMatchersRangesAndNumbersAreNotMetrics() {
        assertEquals(Set.of("ctflow_service_setup_latency_seconds_bucket"), PromqlNames.of(
                "histogram_quantile(0.99, sum by (service, le) (rate(ctflow_service_setup_latency_seconds_bucket{service=~\"$service\"}[5m])))"));
        assertEquals(Set.of("a_total", "b"), PromqlNames.of(
                "sum without(x) (increase(a_total{l='v}'}[$__range])) / on (node) group_left(y) clamp_min(b, 1e-9) > bool 0.5"));
        assertEquals(Set.of("x", "y"), PromqlNames.of("x unless on(instance) (min by(instance) (y) > 60)"));
        assertEquals(Set.of("up"), PromqlNames.of("up offset 5m"));
        assertEquals(Set.of("up"), PromqlNames.of("up offset 1h30m + 2e3"));
    }
}
