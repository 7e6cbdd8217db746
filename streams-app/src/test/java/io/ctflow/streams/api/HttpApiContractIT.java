package io.ctflow.streams.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeStats;
import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.replay.Replayer;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.json.AvroJson;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.StreamsRunner;
import io.ctflow.testing.Captures;
import io.ctflow.testing.Poll;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every endpoint's real answers, from both of two app instances (one forwards to or gathers from
 * the other), validate against openapi.json — their success and error forms alike — and say what
 * they should: filters, paging by cursor, Service history and its pruning, backends, nodes, and the
 * finished-flow answer once the flows are forgotten. The embedded broker and registry, a replay of
 * the bridge-off capture plus a full conntrack table on node1 and lost events on node2.
 */
@Timeout(240)
class HttpApiContractIT {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String WEB_FLOW = "tcp,10.244.1.3:8080,10.244.1.2:49502";
    static final Pattern NEXT = Pattern.compile("<([^>]+)>; rel=\"next\"");
    final OpenApiContract contract = new OpenApiContract();

    HttpApiContractIT() throws Exception {}

    @Test
    void everyEndpointAnswersAsDocumentedOnBothInstances() throws Exception {
        Path capture = Files.createTempDirectory("ctflow-api-capture");
        Path stateA = Files.createTempDirectory("ctflow-api-a");
        Path stateB = Files.createTempDirectory("ctflow-api-b");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            try (var files = Files.list(Captures.scenario("bridge-off"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, capture.resolve(f.getFileName()));
                }
            }
            // facts-node1.txt has nf_conntrack_max=262144: 240000 is over 90 % (TABLE_PRESSURE)
            Files.writeString(capture.resolve("count-before-node1.txt"), "12\n");
            Files.writeString(capture.resolve("count-after-node1.txt"), "240000\n");
            Map<String, String> s = new HashMap<>();
            s.put("bootstrap.servers", kafka.bootstrapServers());
            s.put("schema.registry.url", registry.url());
            s.put("http.port", "0");
            s.put("application.id", "ctflow-api-contract");
            s.put("api.history-retention", "1h");
            s.put("flow.linger", "10m"); // keep finished flows past the replay's end, for GET /flows until the far heartbeat
            Map<String, String> a = new HashMap<>(s);
            a.put("state.dir", stateA.toString());
            Map<String, String> b = new HashMap<>(s);
            b.put("state.dir", stateB.toString());
            try (StreamsRunner one = new StreamsRunner(AppConfig.of(a)).start();
                 StreamsRunner two = new StreamsRunner(AppConfig.of(b)).start()) {
                CollectorConfig cc = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                        "schema.registry.url", registry.url()));
                List<String> bases = List.of("http://127.0.0.1:" + one.httpPort(), "http://127.0.0.1:" + two.httpPort());
                Instant end;
                try (Publisher p = cc.connect(new CollectorMetrics())) {
                    Replayer.replay(Capture.open(capture), p, Replayer.Options.defaults());
                    end = Instant.parse("2026-11-26T16:49:00Z");
                    // node2's collector lost events: two samples (EVENT_LOSS) and its GAP marker
                    p.stats(new NodeStats("node2", end, 7L, 262144L, List.of(), 0L, 0L));
                    p.stats(new NodeStats("node2", end.plusSeconds(1), 7L, 262144L, List.of(), 3L, 1L));
                    p.marker(EventType.GAP, "node2", end.plusSeconds(1), 1000);
                    p.flush();
                }
                for (String base : bases) {
                    await(base + "/anomalies", n -> n.size() == 5);
                    await(base + "/services", n -> n.size() == 4);
                    await(base + "/nodes", n -> n.size() == 2 && !n.get(1).path("lastGap").isNull());
                }
                assertEquals(2, one.streams().metadataForAllStreamsClients().size(), "two instances share the app");

                for (String base : bases) {
                    plain(base);
                    anomalies(base);
                    services(base);
                    nodes(base);
                    flowKnown(base);
                    hostile(base);
                }

                // Far past every flow's expiry and the history retention: flows are forgotten, windows pruned.
                try (Publisher p = cc.connect(new CollectorMetrics())) {
                    p.marker(EventType.HEARTBEAT, "replay", end.plus(Duration.ofHours(3)), 2000);
                    p.flush();
                }
                String key = URLEncoder.encode(WEB_FLOW, StandardCharsets.UTF_8);
                for (String base : bases) {
                    await(base + "/flows/" + key + "?x=finished", 404, n -> n.has("anomaly"));
                    HttpResponse<String> r = get(base, "/flows/{key}", "/flows/" + key, 404);
                    JsonNode f = json(r);
                    assertEquals(WEB_FLOW + "@node1", f.get("anomaly").asText());
                    assertEquals(List.of(WEB_FLOW + "@node1"), texts(f.get("anomalies")));
                    assertEquals(WEB_FLOW, f.get("key").asText());
                    assertTrue(f.get("error").asText().startsWith("flow " + WEB_FLOW + " finished (last seen 2026-11-26T16:47:"), f.toString());
                    assertTrue(f.get("error").asText().endsWith("see anomaly " + WEB_FLOW + "@node1"), f.toString());
                    // the anomaly keeps its evidence after the flow is gone
                    JsonNode an = json(get(base, "/anomalies/{id}", "/anomalies/" + enc(WEB_FLOW + "@node1"), 200));
                    assertEquals(1, an.get("evidence").size());
                    await(base + "/services/" + enc("default/web:http") + "/history", 200, n -> n.isEmpty());
                    // each partition prunes its windows on its own watermark: poll, as for the history above
                    await(base + "/services?from=0", 200, n -> n.isEmpty());
                    assertEquals(0, json(get(base, "/services", "/services?from=0", 200)).size(), "every window pruned");
                    assertEquals(4, json(get(base, "/services", "/services", 200)).size(), "the latest window stays");
                }
                Set<String> missing = contract.unchecked(Set.of("502", "503"));
                assertEquals(Set.of(), missing, "documented answers no test saw");
            }
        } finally {
            for (Path d : List.of(capture, stateA, stateB)) {
                deleteTree(d);
            }
        }
    }

    private void plain(String base) throws Exception {
        assertEquals("UP", json(get(base, "/health", "/health", 200)).get("status").asText());
        HttpResponse<String> spec = get(base, "/openapi.json", "/openapi.json", 200);
        try (InputStream in = HttpApi.class.getResourceAsStream(HttpApi.OPENAPI_RESOURCE)) {
            assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), spec.body());
        }
        get(base, "/metrics", "/metrics", 200); // what it holds is the metrics' own tests' business
        get(base, "/metrics/kafka", "/metrics/kafka", 200);
    }

    private void anomalies(String base) throws Exception {
        JsonNode all = json(get(base, "/anomalies", "/anomalies", 200));
        List<String> ids = ids(all);
        List<String> flows = List.of(WEB_FLOW + "@node1", "tcp,10.244.1.99:8080,10.244.1.2:52488@node1", "udp,10.244.1.3:5353,10.244.1.2:57136@node1");
        assertEquals(flows, ids.stream().filter(i -> i.contains("@")).toList(), "flow anomalies oldest first: " + ids);
        assertEquals(5, ids.size(), ids.toString());
        assertTrue(ids.contains("node1|TABLE_PRESSURE"), ids.toString());
        String loss = ids.get(4);
        assertTrue(loss.startsWith("node2|EVENT_LOSS|"), "the latest is node2's loss: " + ids);
        assertEquals(1, all.get(ids.indexOf(WEB_FLOW + "@node1")).get("evidence").size());

        assertEquals(ids, ids(json(get(base, "/anomalies", "/anomalies?status=open", 200))));
        assertEquals(0, json(get(base, "/anomalies", "/anomalies?status=resolved", 200)).size());
        assertEquals(flows, ids(json(get(base, "/anomalies", "/anomalies?cause=reply_bypassed_conntrack", 200))));
        assertEquals(List.of(loss), ids(json(get(base, "/anomalies", "/anomalies?node=node2", 200))));
        assertEquals(List.of(loss), ids(json(get(base, "/anomalies", "/anomalies?cause=EVENT_LOSS", 200))));
        assertEquals(List.of(WEB_FLOW + "@node1"), ids(json(get(base, "/anomalies", "/anomalies?service=" + enc("default/web:http"), 200))));
        assertEquals(ids.subList(1, 5), ids(json(get(base, "/anomalies", "/anomalies?since=" + enc(all.get(1).get("detectedAt").asText()), 200))));
        assertEquals(0, json(get(base, "/anomalies", "/anomalies?since=2030-01-01T00:00:00Z", 200)).size());

        // pages of 2 by the Link header's cursor: the same five, in the same order, then no Link
        List<String> paged = new ArrayList<>();
        String next = "/anomalies?status=all&limit=2";
        int pages = 0;
        while (next != null) {
            HttpResponse<String> r = get(base, "/anomalies", next, 200);
            JsonNode page = json(r);
            assertTrue(page.size() <= 2);
            paged.addAll(ids(page));
            next = next(r);
            pages++;
        }
        assertEquals(ids, paged);
        assertEquals(3, pages);

        get(base, "/anomalies", "/anomalies?status=bogus", 400);
        get(base, "/anomalies", "/anomalies?limit=0", 400);
        get(base, "/anomalies", "/anomalies?limit=5001", 400);
        get(base, "/anomalies", "/anomalies?cursor=nonsense", 400);
        get(base, "/anomalies", "/anomalies?since=yesterday", 400);

        for (JsonNode item : all) { // each by id, from its owner wherever asked
            JsonNode one = json(get(base, "/anomalies/{id}", "/anomalies/" + enc(item.get("id").asText()), 200));
            assertEquals(item, one);
        }
        get(base, "/anomalies/{id}", "/anomalies/" + enc("tcp,10.9.9.9:1,10.9.9.8:2@node1"), 404);
        get(base, "/anomalies/{id}", "/anomalies/" + enc("node1|NOPE"), 404);
        get(base, "/anomalies/{id}", "/anomalies/nonsense", 400);
    }

    private void services(String base) throws Exception {
        JsonNode latest = json(get(base, "/services", "/services", 200));
        assertEquals(List.of("default/api:http", "default/legacy:http", "default/web:http", "kube-system/kube-dns:dns"),
                texts(latest, "service"));
        JsonNode web = json(get(base, "/services/{id}", "/services/default/web:http", 200));
        assertEquals("default/web:http", web.get("service").asText());
        get(base, "/services/{id}", "/services/nope", 404);
        get(base, "/services/{id}", "/services/bad%ff", 400);

        JsonNode range = json(get(base, "/services", "/services?from=2026-11-26T16:00:00Z&to=2026-11-26T17:00:00Z", 200));
        assertTrue(range.size() >= 4, range.toString());
        for (int i = 1; i < range.size(); i++) {
            assertTrue(Instant.parse(range.get(i - 1).get("windowStart").asText())
                    .compareTo(Instant.parse(range.get(i).get("windowStart").asText())) <= 0, "by window start");
        }
        List<JsonNode> paged = new ArrayList<>();
        String next = "/services?from=0&limit=1";
        while (next != null) {
            HttpResponse<String> r = get(base, "/services", next, 200);
            json(r).forEach(paged::add);
            next = next(r);
        }
        assertEquals(list(range), paged);
        assertEquals(0, json(get(base, "/services", "/services?to=2026-11-26T16:00:00Z", 200)).size());
        get(base, "/services", "/services?from=soon", 400);

        JsonNode history = json(get(base, "/services/{id}/history", "/services/" + enc("default/web:http") + "/history", 200));
        List<JsonNode> webWindows = list(range).stream().filter(n -> n.get("service").asText().equals("default/web:http")).toList();
        assertEquals(webWindows, list(history));
        assertEquals(web, history.get(history.size() - 1), "the latest window is the history's last");
        HttpResponse<String> first = get(base, "/services/{id}/history", "/services/default/web:http/history?limit=1", 200);
        assertEquals(1, json(first).size());
        if (history.size() > 1) {
            String n = next(first);
            assertNotNull(n, "more windows remain");
            assertEquals(history.get(1), json(get(base, "/services/{id}/history", n, 200)).get(0));
        }
        assertEquals(0, json(get(base, "/services/{id}/history", "/services/nope/history", 200)).size());
        get(base, "/services/{id}/history", "/services/nope/history?to=later", 400);

        JsonNode backends = json(get(base, "/services/{id}/backends", "/services/" + enc("default/web:http") + "/backends", 200));
        assertEquals("default/web:http", backends.get("service").asText());
        assertFalse(backends.get("entries").isEmpty());
        JsonNode entry = backends.get("entries").get(0);
        assertEquals("10.96.0.10", entry.get("vip").asText());
        assertEquals("10.244.1.3", entry.get("endpoints").get(0).get("address").asText());
        get(base, "/services/{id}/backends", "/services/nope/backends", 404);
        get(base, "/services/{id}/backends", "/services/bad%ff/backends", 400);
    }

    private void nodes(String base) throws Exception {
        JsonNode nodes = json(get(base, "/nodes", "/nodes", 200));
        assertEquals(List.of("node1", "node2"), texts(nodes, "node"));
        JsonNode node1 = nodes.get(0);
        assertEquals("0", node1.get("bridgeNfCallIptables").asText());
        assertEquals(240000, node1.get("table").get("count").asLong());
        assertEquals(262144, node1.get("table").get("max").asLong());
        assertEquals(List.of("node1|TABLE_PRESSURE"), ids(node1.get("openAnomalies")));
        assertFalse(node1.get("lastHeartbeat").isNull(), node1.toString());
        assertTrue(node1.get("lastGap").isNull());
        JsonNode node2 = json(get(base, "/nodes/{node}", "/nodes/node2", 200));
        assertEquals(3, node2.get("stats").get("lostEvents").asLong());
        assertEquals("2026-11-26T16:49:01Z", node2.get("lastGap").asText());
        assertEquals(1, node2.get("openAnomalies").size());
        assertEquals(nodes.get(1), node2);
        get(base, "/nodes/{node}", "/nodes/nope", 404);
        get(base, "/nodes/{node}", "/nodes/%ff", 400);
        get(base, "/nodes", "/nodes?local=%ff", 400);
    }

    private void flowKnown(String base) throws Exception {
        JsonNode flow = json(get(base, "/flows/{key}", "/flows/" + enc(WEB_FLOW), 200));
        assertEquals("node1", flow.get("primary").asText());
        assertEquals("OPEN", flow.get("views").get(0).get("anomaly").asText());
        get(base, "/flows/{key}", "/flows/garbage", 400);
        JsonNode none = json(get(base, "/flows/{key}", "/flows/" + enc("tcp,10.9.9.9:1,10.9.9.8:2"), 404));
        assertEquals("no flow tcp,10.9.9.9:1,10.9.9.8:2", none.get("error").asText());
    }

    /** Every documented path refuses other methods (405) and oversized headers (431), in the documented shape. */
    private void hostile(String base) throws Exception {
        String big = "x".repeat(17 * 1024);
        for (var p : contract.doc.path("paths").properties()) {
            if (!contract.isApi(p.getKey())) {
                continue;
            }
            String path = p.getKey().replace("{id}", "default%2Fweb:http").replace("{node}", "node1").replace("{key}", enc(WEB_FLOW));
            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode(), path);
            contract.check(p.getKey(), post);
            HttpResponse<String> huge = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("X-Big", big).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(431, huge.statusCode(), path);
            contract.check(p.getKey(), huge);
        }
    }

    private HttpResponse<String> get(String base, String template, String pathAndQuery, int status) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), pathAndQuery + " -> " + r.body());
        contract.check(template, r);
        return r;
    }

    /** Polls until the answer has the status and the predicate holds (the app is still at work), with a deadline. */
    private static void await(String url, int status, Predicate<JsonNode> ok) throws Exception {
        String[] last = {null};
        Poll.until(Duration.ofSeconds(90), () -> {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
                last[0] = r.statusCode() + " " + r.body();
                return r.statusCode() == status && ok.test(AvroJson.MAPPER.readTree(r.body()));
            } catch (java.io.IOException e) {
                last[0] = e.toString();
                return false;
            }
        }, () -> url + " never became as expected; last answer: " + last[0]);
    }

    private static void await(String url, Predicate<JsonNode> ok) throws Exception {
        await(url, 200, ok);
    }

    private static String next(HttpResponse<String> r) {
        String link = r.headers().firstValue("Link").orElse(null);
        if (link == null) {
            return null;
        }
        Matcher m = NEXT.matcher(link);
        assertTrue(m.matches(), link);
        return m.group(1);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return AvroJson.MAPPER.readTree(r.body());
    }

    private static List<String> ids(JsonNode array) {
        return texts(array, "id");
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.get(field).asText()));
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var w = Files.walk(dir)) {
            w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
