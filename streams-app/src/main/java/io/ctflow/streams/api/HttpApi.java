package io.ctflow.streams.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ctflow.json.AvroJson;
import io.ctflow.net.PortNumbers;
import io.ctflow.streams.ui.WebPage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Read-only JSON API over the app's stores (interactive queries), documented in
 * {@code /openapi.json} (src/main/resources/openapi.json). A key owned by another instance is
 * fetched from it ({@code application.server}); list endpoints gather every instance's part
 * ({@code ?local=true} asks one instance alone). This class checks requests and routes them; each
 * feature's paths are a {@link Route}.
 *
 * <pre>
 * GET /                           the web page ({@link WebPage}; its files under /ui/)
 * GET /health                     200 when the app is RUNNING (or rebalancing), 503 otherwise
 * GET /metrics                    Prometheus text: ctflow's own series
 * GET /metrics/kafka              Prometheus text: the Kafka client and Streams series
 * GET /openapi.json               the API's OpenAPI 3.1 document
 * GET /anomalies, /anomalies/{id}                               {@link AnomaliesRoute}
 * GET /services, /services/{id}[/history|/backends]             {@link ServicesRoute}
 * GET /nodes, /nodes/{node}                                     {@link NodesRoute}
 * GET /flows/{key}                                              {@link FlowsRoute}
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
    static final String OPENAPI_RESOURCE = "/openapi.json";

    private volatile KafkaStreams streams;
    private volatile List<Route> routes = List.of();
    private final HostInfo self;
    private final Supplier<String> metrics;
    private final Supplier<String> kafkaMetrics;
    private final HttpServer server;
    private final BoundedExchanges executor;
    private final byte[] openapi;

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
        this.openapi = openapi();
        this.server = HttpServer.create(new InetSocketAddress(host, PortNumbers.listen("http.port", port)), 0);
        this.self = new HostInfo(host, server.getAddress().getPort());
        this.executor = new BoundedExchanges(4, MAX_THREADS, exchangeLimit);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public HttpApi start(KafkaStreams streams) {
        this.streams = streams;
        Cluster cluster = new Cluster(streams, self);
        // Routes by path prefix, first match wins. Static files of the web page (/, /ui/...) go here too.
        this.routes = List.of(new AnomaliesRoute(cluster), new ServicesRoute(cluster), new NodesRoute(cluster), new FlowsRoute(cluster));
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
                Replies.send(ex, 405, Replies.error("read-only API: use GET"));
                return;
            }
            if (Request.headerBytes(ex) > MAX_HEADER_BYTES) {
                Replies.send(ex, 431, Replies.error("request headers over " + MAX_HEADER_BYTES + " bytes"));
                return;
            }
            Request r;
            try {
                r = Request.of(ex);
            } catch (IllegalArgumentException e) {
                Replies.send(ex, 400, Replies.error(e.getMessage()));
                return;
            }
            route(r);
        } catch (RuntimeException e) {
            try {
                Replies.send(ex, 503, Replies.error("store not available: " + e.getMessage()));
            } catch (IOException ignored) {
                // client gone
            }
        }
    }

    private void route(Request r) throws IOException {
        HttpExchange ex = r.exchange();
        String path = r.rawPath();
        WebPage.Resource page = WebPage.forPath(path);
        if (page != null) {
            WebPage.send(ex, page);
        } else if (path.equals("/health")) {
            KafkaStreams.State s = streams.state();
            boolean ok = s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.REBALANCING;
            ObjectNode o = AvroJson.MAPPER.createObjectNode().put("status", ok ? "UP" : "DOWN").put("state", s.name());
            Replies.send(ex, ok ? 200 : 503, o);
        } else if (path.equals("/metrics") || path.equals("/metrics/kafka")) {
            byte[] body = (path.equals("/metrics") ? metrics : kafkaMetrics).get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        } else if (path.equals("/openapi.json")) {
            Replies.sendBytes(ex, 200, "application/json", openapi);
        } else {
            for (Route route : routes) {
                if (route.matches(path)) {
                    try {
                        route.handle(r);
                    } catch (Replies.BadRequest | IllegalArgumentException e) {
                        Replies.send(ex, 400, Replies.error(e.getMessage()));
                    }
                    return;
                }
            }
            Replies.send(ex, 404, Replies.error("unknown path; see /openapi.json: /health, /metrics, /anomalies, /services, /nodes, /flows/{key}"));
        }
    }

    private static byte[] openapi() {
        try (InputStream in = HttpApi.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(OPENAPI_RESOURCE + " missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
