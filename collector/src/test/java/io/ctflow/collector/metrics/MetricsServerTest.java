package io.ctflow.collector.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
    @Test
    void servesTheCountersInTheTextFormat() throws Exception {
        CollectorMetrics m = new CollectorMetrics();
        m.eventsRead.inc(3);
        m.deadLetters.inc();
        m.sendErrors.inc(2);
        try (MetricsServer s = MetricsServer.start("127.0.0.1", 0, m.registry())) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
            String body = r.body();
            for (String line : new String[] {"ctflow_events_read_total 3.0", "ctflow_dead_letters_total 1.0", "ctflow_send_errors_total 2.0",
                "ctflow_events_published_total 0.0", "ctflow_lost_events_total 0.0", "ctflow_conntrack_restarts_total 0.0"}) {
                assertTrue(body.contains(line + "\n"), line + " in\n" + body);
            }
            assertTrue(body.contains("# HELP ctflow_events_read_total "), body);
        }
    }
}
