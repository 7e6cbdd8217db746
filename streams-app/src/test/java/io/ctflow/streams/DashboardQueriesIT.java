package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.replay.Replayer;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.json.AvroJson;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.streams.metrics.MetricsText;
import io.ctflow.testing.Captures;
import io.ctflow.testing.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/ctflow.json asks only for series the apps export: every metric name of every panel
 * query and template variable is in a real scrape of the streams app (on the embedded broker, after
 * a replayed capture with incomplete NAT and a table-pressure episode that raises and resolves) or of
 * the collector that published it. And the app's default scrape holds ctflow series only.
 */
class DashboardQueriesIT {
    static final Path DASHBOARD = Captures.root().getParent().getParent().resolve("deploy/grafana/ctflow.json");
    static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([A-Za-z_:][A-Za-z0-9_:]*)");

    /** metric name → the dashboard expressions that read it. */
    static Map<String, List<String>> dashboardMetrics() throws Exception {
        JsonNode d = AvroJson.MAPPER.readTree(DASHBOARD.toFile());
        List<String> exprs = new ArrayList<>();
        d.findValues("expr").forEach(e -> exprs.add(e.asText()));
        Map<String, List<String>> names = new TreeMap<>();
        for (String e : exprs) {
            Set<String> n = io.ctflow.streams.metrics.PromqlNames.of(e);
            assertFalse(n.isEmpty(), "a query with no metric: " + e);
            n.forEach(x -> names.computeIfAbsent(x, k -> new ArrayList<>()).add(e));
        }
        for (JsonNode v : d.path("templating").path("list")) {
            Matcher m = LABEL_VALUES.matcher(v.path("query").path("query").asText(v.path("query").asText()));
            if (m.find()) {
                names.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(v.path("name").asText());
            }
        }
        assertTrue(exprs.size() >= 20, "the dashboard's queries were found: " + exprs.size());
        return names;
    }

    /** Metric names of the sample lines of a Prometheus text scrape. */
    static Set<String> scraped(String text) {
        Set<String> names = new TreeSet<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int end = 0;
                while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                    end++;
                }
                names.add(line.substring(0, end));
            }
        }
        return names;
    }

    @Test
    void everyDashboardQueryReadsSeriesTheAppsExport() throws Exception {
        Map<String, List<String>> wanted = dashboardMetrics();
        wanted.keySet().forEach(n -> assertTrue(n.startsWith("ctflow_"), "only ctflow's own series: " + n));

        Path capture = Files.createTempDirectory("ctflow-dashboard-capture");
        Path state = Files.createTempDirectory("ctflow-dashboard");
        try (var files = Files.list(Captures.scenario("bridge-off"))) {
            for (Path f : files.toList()) {
                Files.copy(f, capture.resolve(f.getFileName()));
            }
        }
        // conntrack -C before and after: 95 % of nf_conntrack_max (262144), then low: TABLE_PRESSURE raised and resolved
        Files.writeString(capture.resolve("count-before-node1.txt"), "250000\n");
        Files.writeString(capture.resolve("count-after-node1.txt"), "1000\n");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            Map<String, String> s = EmbeddedApp.settings(kafka, registry, state, "ctflow-dashboard");
            s.put("flow.linger", "10m"); // keep the unanswered flows tracked, so their anomalies stay open
            try (StreamsRunner app = new StreamsRunner(AppConfig.of(s)).start()) {
                CollectorMetrics collectorMetrics = new CollectorMetrics();
                CollectorConfig cc = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                        "schema.registry.url", registry.url()));
                Set<String> collectorSeries;
                try (Publisher p = cc.connect(collectorMetrics)) {
                    Replayer.replay(Capture.open(capture), p, Replayer.Options.defaults());
                    p.flush();
                    collectorSeries = scraped(MetricsText.of(collectorMetrics.registry()));
                }
                String base = "http://127.0.0.1:" + app.httpPort();
                String[] scrape = {""};
                Set<String> all = new TreeSet<>();
                // complete when every series the dashboard reads is there (windows close, anomalies come, the table-pressure episode resolves);
                // what is missing then is asserted below
                Poll.holds(Duration.ofSeconds(90), () -> {
                    app.metrics().rescan();
                    scrape[0] = get(base + "/metrics");
                    all.clear();
                    all.addAll(scraped(scrape[0]));
                    all.addAll(collectorSeries);
                    return all.containsAll(wanted.keySet());
                });
                String text = scrape[0];
                Set<String> appSeries = scraped(text);
                Map<String, List<String>> missing = new TreeMap<>(wanted);
                missing.keySet().removeAll(all);
                assertEquals(Map.of(), missing, "dashboard metrics missing from the scrapes (app: " + appSeries
                        + ", collector: " + collectorSeries + ")");

                assertTrue(appSeries.stream().allMatch(n -> n.startsWith("ctflow_")), "/metrics holds ctflow series only: " + appSeries);
                assertTrue(text.contains("ctflow_anomalies_open{cause=\"REPLY_BYPASSED_CONNTRACK\",node=\"node1\","), text);
                assertTrue(scraped(get(base + "/metrics/kafka")).contains("kafka_stream_thread_metrics_process_total"),
                        "the Kafka Streams series at /metrics/kafka");
            }
        } finally {
            for (Path dir : List.of(state, capture)) {
                try (var w = Files.walk(dir)) {
                    w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + " -> " + r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), url);
        return r.body();
    }
}
