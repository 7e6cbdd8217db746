package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.streams.metrics.CtflowMetrics;
import io.ctflow.streams.metrics.LocalStores;
import io.ctflow.streams.metrics.MetricsText;
import io.ctflow.testing.Captures;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

/** The domain metrics of a replayed capture, through the app's own topology in the test driver. */
class DomainMetricsTest {

    /** Sample lines of a scrape: series (name and labels) → value. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> m = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
        }
        return m;
    }

    /** A metrics object reading the fixture's stores (set once the fixture exists) at a fixed time. */
    static final class Setup {
        TopologyFixture f;
        final CtflowMetrics metrics;
        final PrometheusRegistry registry = new PrometheusRegistry();

        Setup(Instant now) {
            LocalStores stores = new LocalStores() {
                @Override
                public <K, V> ReadOnlyKeyValueStore<K, V> store(String name) {
                    return f.driver.getKeyValueStore(name);
                }
            };
            metrics = new CtflowMetrics(stores, Clock.fixed(now, ZoneOffset.UTC));
            registry.register(metrics);
        }

        Map<String, Double> scrape() {
            metrics.rescan();
            return samples(MetricsText.of(registry));
        }
    }

    static Map<String, Double> only(Map<String, Double> all, String name) {
        Map<String, Double> m = new TreeMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(name + "{") || k.equals(name)) {
                m.put(k, v);
            }
        });
        return m;
    }

    @Test
    void theBridgeOffCaptureGivesItsAnomaliesServiceCountersAndNodeClocks() throws Exception {
        Setup s = new Setup(Instant.parse("2026-11-26T16:50:00Z"));
        try (TopologyFixture f = new TopologyFixture(Map.of(), s.metrics)) {
            s.f = f;
            f.replay(Captures.scenario("bridge-off"));
            Map<String, Double> m = s.scrape();
            // web's anomaly is no longer open: its connection was destroyed and forgotten at the end of the replay
            assertEquals(Map.of(
                    "ctflow_anomalies_open{cause=\"REPLY_BYPASSED_CONNTRACK\",node=\"node1\",service=\"default/legacy:http\"}", 1.0,
                    "ctflow_anomalies_open{cause=\"REPLY_BYPASSED_CONNTRACK\",node=\"node1\",service=\"kube-system/kube-dns:dns\"}", 1.0),
                    only(m, "ctflow_anomalies_open"));
            assertEquals(Map.of("ctflow_anomalies_raised_total{cause=\"REPLY_BYPASSED_CONNTRACK\"}", 3.0),
                    only(m, "ctflow_anomalies_raised_total"));
            assertEquals(Map.of(
                    "ctflow_service_connections_new_total{service=\"default/api:http\"}", 1.0,
                    "ctflow_service_connections_new_total{service=\"default/legacy:http\"}", 1.0,
                    "ctflow_service_connections_new_total{service=\"default/web:http\"}", 2.0,
                    "ctflow_service_connections_new_total{service=\"kube-system/kube-dns:dns\"}", 1.0),
                    only(m, "ctflow_service_connections_new_total"));
            assertEquals(1.0, m.get("ctflow_service_connections_replied_total{service=\"default/web:http\"}"));
            assertEquals(1.0, m.get("ctflow_service_connections_unreplied_total{service=\"default/web:http\"}"));
            assertEquals(0.0, m.get("ctflow_service_connections_unreplied_total{service=\"default/api:http\"}"));
            assertEquals(1.0, m.get("ctflow_service_connections_incomplete_total{cause=\"REPLY_BYPASSED_CONNTRACK\",service=\"default/legacy:http\"}"));
            // api's one setup latency: 31 us (the demo's p50), in the first bucket
            assertEquals(1.0, m.get("ctflow_service_setup_latency_seconds_bucket{service=\"default/api:http\",le=\"1.0E-4\"}"));
            assertEquals(1.0, m.get("ctflow_service_setup_latency_seconds_count{service=\"default/api:http\"}"));
            assertEquals(3.1e-5, m.get("ctflow_service_setup_latency_seconds_sum{service=\"default/api:http\"}"), 1e-12);
            assertEquals(0.0, m.get("ctflow_service_connections_active{service=\"default/web:http\"}"));
            assertEquals(20.0, m.get("ctflow_node_events_processed_total{node=\"node1\"}"));
            assertEquals(14.0, m.get("ctflow_node_events_processed_total{node=\"node2\"}"));
            assertEquals(0.0, m.get("ctflow_node_events_ahead_total{node=\"node1\"}"), "exported from a node's first event");
            // node1's newest event is at 16:48:05.997731
            assertEquals(114.002269, m.get("ctflow_node_event_time_lag_seconds{node=\"node1\"}"), 1e-6);
            assertEquals(262144.0, m.get("ctflow_node_conntrack_max{node=\"node1\"}"));
            assertEquals(0.0, m.get("ctflow_node_lost_events_total{node=\"node1\"}"));
        }
    }

    @Test
    void tablePressureIsOpenUntilItFallsAndLossCountsAsOpenForTenMinutes() throws Exception {
        Instant t0 = Instant.parse("2026-11-26T16:00:00Z");
        Setup s = new Setup(t0.plusSeconds(30));
        try (TopologyFixture f = new TopologyFixture(Map.of(), s.metrics)) {
            s.f = f;
            f.nodeStats.pipeInput("node1", NodeAnomalyTest.sample(t0.getEpochSecond(), 10L, 100L, 0, 0, 0, 0), t0);
            f.nodeStats.pipeInput("node1", NodeAnomalyTest.sample(t0.getEpochSecond() + 10, 95L, 100L, 0, 0, 0, 4), t0.plusSeconds(10));
            f.heartbeat("node1", t0.plusSeconds(20));
            Map<String, Double> m = s.scrape();
            assertEquals(Map.of(
                    "ctflow_anomalies_open{cause=\"EVENT_LOSS\",node=\"node1\",service=\"\"}", 1.0,
                    "ctflow_anomalies_open{cause=\"TABLE_PRESSURE\",node=\"node1\",service=\"\"}", 1.0),
                    only(m, "ctflow_anomalies_open"));
            assertEquals(95.0, m.get("ctflow_node_conntrack_entries{node=\"node1\"}"));
            assertEquals(100.0, m.get("ctflow_node_conntrack_max{node=\"node1\"}"));
            assertEquals(4.0, m.get("ctflow_node_lost_events_total{node=\"node1\"}"));
            assertEquals(10.0, m.get("ctflow_node_heartbeat_age_seconds{node=\"node1\"}"), 1e-9);
            assertEquals(0.0, m.get("ctflow_node_events_processed_total{node=\"node1\"}"), "a heartbeat is not an event");

            f.nodeStats.pipeInput("node1", NodeAnomalyTest.sample(t0.getEpochSecond() + 20, 50L, 100L, 0, 0, 0, 4), t0.plusSeconds(20));
            m = s.scrape();
            assertEquals(Map.of("ctflow_anomalies_open{cause=\"EVENT_LOSS\",node=\"node1\",service=\"\"}", 1.0),
                    only(m, "ctflow_anomalies_open"));
            assertEquals(1.0, m.get("ctflow_anomalies_resolved_total{cause=\"TABLE_PRESSURE\"}"));
            assertEquals(1.0, m.get("ctflow_anomalies_raised_total{cause=\"TABLE_PRESSURE\"}"));
            assertEquals(1.0, m.get("ctflow_anomalies_raised_total{cause=\"EVENT_LOSS\"}"));
        }
        Setup later = new Setup(t0.plusSeconds(11 * 60));
        try (TopologyFixture f = new TopologyFixture(Map.of(), later.metrics)) {
            later.f = f;
            f.nodeStats.pipeInput("node1", NodeAnomalyTest.sample(t0.getEpochSecond(), 10L, 100L, 0, 0, 0, 0), t0);
            f.nodeStats.pipeInput("node1", NodeAnomalyTest.sample(t0.getEpochSecond() + 10, 10L, 100L, 0, 0, 0, 4), t0.plusSeconds(10));
            assertEquals(Map.of(), only(later.scrape(), "ctflow_anomalies_open"), "an EVENT_LOSS older than 10 minutes is no longer open");
        }
    }

    @Test
    void aServiceWithoutEndpointsShowsZeroEndpointsAndAnOpenNoEndpointsAnomaly() throws Exception {
        Instant t0 = Instant.parse("2026-11-26T16:00:00Z");
        Setup s = new Setup(t0.plusSeconds(5));
        try (TopologyFixture f = new TopologyFixture(Map.of(), s.metrics)) {
            s.f = f;
            f.service(FlowRulesTest.service("default/web:http", "10.96.0.10", 80, io.ctflow.avro.Protocol.TCP, "10.244.2.9", 8080));
            f.service(DataplaneFailuresTest.echo());
            f.heartbeat("node1", t0.plusSeconds(1));
            Map<String, Double> m = s.scrape();
            assertEquals(Map.of(
                    "ctflow_service_endpoints{service=\"default/echo:udp\"}", 0.0,
                    "ctflow_service_endpoints{service=\"default/web:http\"}", 1.0),
                    only(m, "ctflow_service_endpoints"));
            assertEquals(Map.of("ctflow_anomalies_open{cause=\"NO_ENDPOINTS\",node=\"node1\",service=\"default/echo:udp\"}", 1.0),
                    only(m, "ctflow_anomalies_open"));

            f.service(DataplaneFailuresTest.echo("10.244.2.20"));
            f.heartbeat("node1", t0.plusSeconds(2));
            m = s.scrape();
            assertEquals(1.0, m.get("ctflow_service_endpoints{service=\"default/echo:udp\"}"));
            assertEquals(Map.of(), only(m, "ctflow_anomalies_open"), "resolved once endpoints are back");
        }
    }
}
