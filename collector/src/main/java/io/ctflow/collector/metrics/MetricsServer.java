package io.ctflow.collector.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ctflow.collector.CollectorException;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Serves a registry in the Prometheus text format at {@code /metrics} with the JDK's HttpServer. */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusRegistry registry;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    private MetricsServer(HttpServer server, PrometheusRegistry registry) {
        this.server = server;
        this.registry = registry;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ctflow-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", this::handle);
    }

    /**
     * Starts on {@code host:port} (port 0: any free port).
     *
     * @throws CollectorException when the port is taken
     */
    public static MetricsServer start(String host, int port, PrometheusRegistry registry) {
        try {
            MetricsServer s = new MetricsServer(HttpServer.create(new InetSocketAddress(host, port), 0), registry);
            s.server.start();
            return s;
        } catch (BindException e) {
            throw CollectorException.user("metrics port " + port + " is in use; pass another with --metrics-port (0 = off)");
        } catch (IOException e) {
            throw CollectorException.environment("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage());
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
            writer.write(buf, registry.scrape());
            ex.getResponseHeaders().set("Content-Type", PrometheusTextFormatWriter.CONTENT_TYPE);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(200, head ? -1 : buf.size());
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    buf.writeTo(out);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
