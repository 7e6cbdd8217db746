package io.ctflow.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.ServiceStats;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.FlowKeySerde;
import io.ctflow.json.AvroJson;
import io.ctflow.net.Addresses;
import io.ctflow.streams.StoreNames;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Read-only JSON API over the app's stores (interactive queries). A key owned by another instance
 * is fetched from it ({@code application.server}); list endpoints gather every instance's part.
 *
 * <pre>
 * GET /health                     200 when the app is RUNNING (or rebalancing), 503 otherwise
 * GET /metrics                    Prometheus text: ctflow's own series
 * GET /metrics/kafka              Prometheus text: the Kafka client and Streams series
 * GET /services                   latest closed window of every Service
 * GET /services/{id}              latest closed window of one Service (id may contain '/')
 * GET /flows/{key}                every node's view of a connection (key: tcp,10.244.1.3:8080,10.244.1.2:49502)
 * GET /anomalies?since=T          anomalies detected at or after T (ISO-8601 or epoch millis), oldest first
 * </pre>
 *
 * Hostile requests get a 4xx and cost no thread for long: other methods 405, request headers over
 * {@value #MAX_HEADER_BYTES} bytes 431, a path or query that is not printable ASCII, whose
 * percent-encoding is broken or not UTF-8, or that holds a {@code .} or {@code ..} segment 400,
 * unknown paths 404. A client that stalls inside its request holds one of up to {@value #MAX_THREADS}
 * threads until the exchange's time limit cuts it off ({@link BoundedExchanges}).
 */
public final class HttpApi implements AutoCloseable {
    static final int MAX_HEADER_BYTES = 16 * 1024;
    static final int MAX_THREADS = 32;
    /** Longest exchange: reading the request, answering it (forwards to other instances take up to 7 s each). */
    static final Duration EXCHANGE_LIMIT = Duration.ofSeconds(30);

    private volatile KafkaStreams streams;
    private final HostInfo self;
    private final Supplier<String> metrics;
    private final Supplier<String> kafkaMetrics;
    private final HttpServer server;
    private final BoundedExchanges executor;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Binds the port now (so {@code application.server} can name the real one); serves after {@link #start}. */
    public HttpApi(String host, int port, Supplier<String> metrics, Supplier<String> kafkaMetrics) throws IOException {
        this(host, port, metrics, kafkaMetrics, EXCHANGE_LIMIT);
    }

    HttpApi(String host, int port, Supplier<String> metrics, Duration exchangeLimit) throws IOException {
        this(host, port, metrics, () -> "", exchangeLimit);
    }

    HttpApi(String host, int port, Supplier<String> metrics, Supplier<String> kafkaMetrics, Duration exchangeLimit) throws IOException {
        this.metrics = metrics;
        this.kafkaMetrics = kafkaMetrics;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
        this.self = new HostInfo(host, server.getAddress().getPort());
        this.executor = new BoundedExchanges(4, MAX_THREADS, exchangeLimit);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public HttpApi start(KafkaStreams streams) {
        this.streams = streams;
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET");
                send(ex, 405, error("read-only API: use GET"));
                return;
            }
            if (headerBytes(ex) > MAX_HEADER_BYTES) {
                send(ex, 431, error("request headers over " + MAX_HEADER_BYTES + " bytes"));
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            Map<String, String> query;
            try {
                query = query(ex.getRequestURI().getRawQuery());
                checkPath(path);
            } catch (IllegalArgumentException e) {
                send(ex, 400, error(e.getMessage()));
                return;
            }
            boolean local = "true".equals(query.get("local"));
            if (path.equals("/health")) {
                KafkaStreams.State s = streams.state();
                boolean ok = s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.REBALANCING;
                ObjectNode o = AvroJson.MAPPER.createObjectNode().put("status", ok ? "UP" : "DOWN").put("state", s.name());
                send(ex, ok ? 200 : 503, o);
            } else if (path.equals("/metrics") || path.equals("/metrics/kafka")) {
                byte[] body = (path.equals("/metrics") ? metrics : kafkaMetrics).get().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            } else if (path.equals("/services")) {
                ArrayNode all = gather(StoreNames.SERVICE_LATEST, "/services", local, v -> AvroJson.toJson((ServiceStats) v), null);
                send(ex, 200, all);
            } else if (path.startsWith("/services/")) {
                String id = decode(path.substring("/services/".length()));
                one(ex, StoreNames.SERVICE_LATEST, id, new StringSerializer(), path, local,
                        v -> AvroJson.toJson((ServiceStats) v), "no stats for Service '" + id + "' yet");
            } else if (path.startsWith("/flows/")) {
                FlowKey key;
                try {
                    key = FlowKey.parse(decode(path.substring("/flows/".length())));
                } catch (IllegalArgumentException e) {
                    send(ex, 400, error(e.getMessage()));
                    return;
                }
                one(ex, StoreNames.FLOWS, key, new FlowKeySerde().serializer(), path, local,
                        v -> flowJson(key, (FlowState) v), "no flow " + key.text());
            } else if (path.equals("/anomalies")) {
                Instant since;
                try {
                    since = parseSince(query.get("since"));
                } catch (IllegalArgumentException e) {
                    send(ex, 400, error("since must be ISO-8601 (2026-01-01T00:00:00Z) or epoch millis"));
                    return;
                }
                String q = "/anomalies?since=" + since.toEpochMilli();
                ArrayNode flowAnoms = gather(StoreNames.ANOMALIES, q, local, v -> AvroJson.toJson((NatAnomaly) v), since);
                ArrayNode out = AvroJson.MAPPER.createArrayNode();
                List<JsonNode> items = new ArrayList<>();
                flowAnoms.forEach(items::add);
                // node anomalies: this instance's own (a remote instance's answer already holds its own)
                localValues(StoreNames.NODE_ANOMALIES, since, v -> AvroJson.toJson((NatAnomaly) v)).forEach(items::add);
                items.sort(Comparator.comparing((JsonNode n) -> n.path("detectedAt").asText()).thenComparing(n -> n.path("node").asText()));
                items.forEach(out::add);
                send(ex, 200, out);
            } else {
                send(ex, 404, error("unknown path; try /health, /metrics, /services, /services/{id}, /flows/{key}, /anomalies?since="));
            }
        } catch (RuntimeException e) {
            try {
                send(ex, 503, error("store not available: " + e.getMessage()));
            } catch (IOException ignored) {
                // client gone
            }
        }
    }

    private <K> void one(HttpExchange ex, String store, K key, Serializer<K> ser, String path, boolean local,
                         java.util.function.Function<Object, JsonNode> render, String notFound) throws IOException {
        KeyQueryMetadata md = streams.queryMetadataForKey(store, key, ser);
        if (!local && md != null && md.activeHost() != null && !md.activeHost().equals(self) && md.activeHost().port() >= 0
                && !md.activeHost().equals(HostInfo.unavailable())) {
            forward(ex, md.activeHost(), path);
            return;
        }
        ReadOnlyKeyValueStore<K, Object> s = streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.keyValueStore()));
        Object v = s.get(key);
        if (v == null) {
            send(ex, 404, error(notFound));
        } else {
            send(ex, 200, render.apply(v));
        }
    }

    private ArrayNode gather(String store, String pathAndQuery, boolean local,
                             java.util.function.Function<Object, JsonNode> render, Instant since) {
        ArrayNode out = AvroJson.MAPPER.createArrayNode();
        localValues(store, since, render).forEach(out::add);
        if (local) {
            return out;
        }
        for (StreamsMetadata md : streams.metadataForAllStreamsClients()) {
            HostInfo h = md.hostInfo();
            if (h.equals(self) || h.port() <= 0) {
                continue;
            }
            String sep = pathAndQuery.contains("?") ? "&" : "?";
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://" + h.host() + ":" + h.port() + pathAndQuery + sep + "local=true"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                JsonNode remote = AvroJson.MAPPER.readTree(r.body());
                if (remote.isArray()) {
                    remote.forEach(out::add);
                }
            } catch (IOException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                out.add(error("instance " + h.host() + ":" + h.port() + " did not answer: " + e.getMessage()));
            }
        }
        return out;
    }

    private List<JsonNode> localValues(String store, Instant since, java.util.function.Function<Object, JsonNode> render) {
        List<JsonNode> out = new ArrayList<>();
        ReadOnlyKeyValueStore<Object, Object> s = streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.keyValueStore()));
        try (KeyValueIterator<Object, Object> it = s.all()) {
            while (it.hasNext()) {
                Object v = it.next().value;
                if (since != null && v instanceof NatAnomaly a && a.getDetectedAt().isBefore(since)) {
                    continue;
                }
                out.add(render.apply(v));
            }
        }
        return out;
    }

    private void forward(HttpExchange ex, HostInfo owner, String path) throws IOException {
        try {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(
                    URI.create("http://" + owner.host() + ":" + owner.port() + path + "?local=true"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.getResponseHeaders().set("X-Ctflow-Owner", owner.host() + ":" + owner.port());
            ex.sendResponseHeaders(r.statusCode(), r.body().length);
            ex.getResponseBody().write(r.body());
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            ObjectNode err = error("owner " + owner.host() + ":" + owner.port() + " did not answer: " + e.getMessage());
            err.put("owner", owner.host() + ":" + owner.port());
            send(ex, 502, err);
        }
    }

    static ObjectNode flowJson(FlowKey key, FlowState st) {
        ObjectNode o = AvroJson.MAPPER.createObjectNode();
        o.put("key", key.text());
        o.put("service", st.getService());
        o.put("serviceAddress", st.getServiceAddress());
        o.put("primary", st.getPrimary());
        ArrayNode views = o.putArray("views");
        for (NodeView v : st.getViews()) {
            ObjectNode n = AvroJson.toJson(v);
            n.put("firstSeen", micros(v.getFirstSeen()).toString());
            n.put("lastSeen", micros(v.getLastSeen()).toString());
            if (v.getReplied() >= 0) {
                n.put("replied", micros(v.getReplied()).toString());
            } else {
                n.putNull("replied");
            }
            // The API speaks of the anomaly's status: a raised judgement is an OPEN anomaly.
            n.put("anomaly", v.getJudgement() == io.ctflow.avro.internal.Judgement.RAISED ? "OPEN" : v.getJudgement().name());
            n.put("origSrc", Addresses.format(v.getOrigSrc()));
            n.put("origDst", Addresses.format(v.getOrigDst()));
            views.add(n);
        }
        return o;
    }

    private static Instant micros(long m) {
        return Instant.ofEpochSecond(Math.floorDiv(m, 1_000_000), Math.floorMod(m, 1_000_000) * 1000);
    }

    static Instant parseSince(String s) {
        if (s == null || s.isBlank()) {
            return Instant.EPOCH;
        }
        try {
            return Instant.ofEpochMilli(Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            try {
                return Instant.parse(s.trim());
            } catch (RuntimeException e2) {
                throw new IllegalArgumentException(s);
            }
        }
    }

    private static long headerBytes(HttpExchange ex) {
        long n = 0;
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            for (String v : h.getValue()) {
                n += h.getKey().length() + v.length() + 4;
            }
        }
        return n;
    }

    /** Refuses what no route can mean: {@code .}/{@code ..} segments (raw or encoded) and undecodable text. */
    private static void checkPath(String raw) {
        String path = decode(raw == null ? "/" : raw);
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("'.' and '..' are not allowed in paths");
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null) {
            return q;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                q.put(decode(kv.substring(0, eq)), decode(kv.substring(eq + 1)));
            }
        }
        return q;
    }

    /**
     * Percent-decodes as UTF-8. The request line reaches us byte by byte as chars, so anything outside
     * printable ASCII, broken escapes and escapes that are not UTF-8 are refused (IllegalArgumentException).
     */
    static String decode(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("only printable ASCII and %-escapes are allowed in paths and queries");
            }
        }
        String d;
        try {
            d = URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed %-escape in '" + abbreviate(s) + "'");
        }
        if (d.indexOf('\ufffd') >= 0 && s.toUpperCase(java.util.Locale.ROOT).indexOf("%EF%BF%BD") < 0) {
            throw new IllegalArgumentException("%-escapes in '" + abbreviate(s) + "' are not UTF-8");
        }
        for (int i = 0; i < d.length(); i++) {
            if (Character.isISOControl(d.charAt(i))) {
                throw new IllegalArgumentException("control characters are not allowed in paths and queries");
            }
        }
        return d;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    private static ObjectNode error(String message) {
        return AvroJson.MAPPER.createObjectNode().put("error", message);
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] b = AvroJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1); // a HEAD answer has no body
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }
}
