package io.ctflow.streams.ui;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The web page's files, shipped in the jar under {@code /ui/}: only the names listed here are
 * served (so no request names a class path resource of its own choosing), each with its type.
 * The page only calls the HTTP API, which gathers or forwards to the owning instance, so any
 * instance serves the whole cluster's view.
 */
public final class WebPage {
    /** Served at {@code /}. */
    public static final String INDEX = "index.html";
    private static final Map<String, String> TYPES = Map.of(
            INDEX, "text/html; charset=utf-8",
            "style.css", "text/css; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "api.js", "text/javascript; charset=utf-8",
            "dom.js", "text/javascript; charset=utf-8",
            "charts.js", "text/javascript; charset=utf-8",
            "anomalies.js", "text/javascript; charset=utf-8",
            "services.js", "text/javascript; charset=utf-8",
            "nodes.js", "text/javascript; charset=utf-8");
    /** Scripts, styles and data only from this origin; no inline script, no framing. */
    public static final String CONTENT_SECURITY_POLICY =
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
                    + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** The names served under {@code /ui/}. */
    public static java.util.Set<String> names() {
        return TYPES.keySet();
    }

    /** One file of the page: its bytes and Content-Type. */
    public record Resource(byte[] body, String contentType) {}

    private WebPage() {}

    /** Answers with the file and headers that keep the browser to the page's own origin. */
    public static void send(HttpExchange ex, Resource r) throws IOException {
        ex.getResponseHeaders().set("Content-Type", r.contentType());
        ex.getResponseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, r.body().length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(r.body());
        }
    }

    /**
     * The file for a request path: {@code /} is the index, {@code /ui/NAME} a listed file; anything
     * else is null (the caller's 404 or its other routes).
     */
    public static Resource forPath(String path) {
        String name = path.equals("/") ? INDEX : path.startsWith("/ui/") ? path.substring(4) : null;
        String type = name == null ? null : TYPES.get(name);
        if (type == null) {
            return null;
        }
        try (InputStream in = WebPage.class.getResourceAsStream("/ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks /ui/" + name);
            }
            return new Resource(in.readAllBytes(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
