package io.ctflow.embedded.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.ctflow.net.PortNumbers;
import io.ctflow.schemas.registry.RegistryException;
import io.ctflow.embedded.registry.RegistryStore.ApiError;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small in-memory schema registry speaking the subset of the Confluent Schema Registry REST API
 * that serdes and tools use, for the embedded default and tests. Ids are global and stable (the same
 * schema under any subject gets the same id); versions count from 1 per subject; BACKWARD
 * compatibility by default, checked with Avro's {@code SchemaCompatibility}; Confluent's status and
 * error codes. In memory, or kept in a directory ({@link #start(String, int, Path)}: a journal of
 * changes, see {@link RegistryJournal}) so a restart keeps every id.
 *
 * <pre>
 * GET    /                                        {}
 * GET    /schemas/types                           ["AVRO"]
 * GET    /schemas/ids/{id}[/schema|/subjects|/versions]
 * GET    /subjects                                ?deleted=true
 * POST   /subjects/{s}                            look up: {subject, id, version, schema}
 * DELETE /subjects/{s}                            ?permanent=true
 * GET    /subjects/{s}/versions
 * POST   /subjects/{s}/versions                   register: {id}
 * GET    /subjects/{s}/versions/{v|latest}[/schema]
 * DELETE /subjects/{s}/versions/{v}
 * GET|PUT /config, GET|PUT|DELETE /config/{s}
 * POST   /compatibility/subjects/{s}/versions[/{v|latest}]   {is_compatible}, ?verbose=true
 * GET    /mode                                   {"mode":"READWRITE"}
 * </pre>
 * Other query parameters ({@code normalize}, {@code fetchMaxId}, ...) are accepted and ignored.
 */
public final class RegistryServer implements AutoCloseable {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8081;
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final Logger LOG = LoggerFactory.getLogger(RegistryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    static {
        // The JDK server writes headers and body in separate segments; with Nagle on, the body waits for the
        // client's delayed ACK: ~40 ms per call instead of ~1. The property is read once, at the JVM's first
        // HttpServer, so set it here unless the user chose otherwise.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final String scheme;
    private final RegistryStore store;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicInteger failuresToInject = new AtomicInteger();
    private volatile String expectedAuthorization;
    private RegistryJournal journal;

    private RegistryServer(HttpServer server, String scheme) {
        this(server, scheme, new RegistryStore());
    }

    private RegistryServer(HttpServer server, String scheme, RegistryStore store) {
        this.server = server;
        this.store = store;
        this.scheme = scheme;
        int n = INSTANCES.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        // A few threads: registry traffic is a handful of calls per schema, not per record.
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "ctflow-registry-" + n + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /** Starts on 127.0.0.1:8081. */
    public static RegistryServer start() {
        return start(DEFAULT_HOST, DEFAULT_PORT);
    }

    /** Starts on host:port (port 0: a free one). A taken port is one clear IllegalStateException. */
    public static RegistryServer start(String host, int port) {
        try {
            return started(new RegistryServer(HttpServer.create(new InetSocketAddress(host, PortNumbers.listen("registry port", port)), 0), "http"), host, port);
        } catch (IOException e) {
            throw startFailure(host, port, e);
        }
    }

    /**
     * Starts on host:port keeping its schemas in {@code dataDir} (created if missing): a registry
     * started again on the same directory serves the same ids, versions and levels.
     */
    public static RegistryServer start(String host, int port, Path dataDir) {
        RegistryStore store = new RegistryStore();
        RegistryJournal journal = RegistryJournal.open(dataDir, store);
        try {
            RegistryServer s = new RegistryServer(HttpServer.create(new InetSocketAddress(host, PortNumbers.listen("registry port", port)), 0), "http", store);
            s.journal = journal;
            return started(s, host, port);
        } catch (IOException e) {
            journal.close();
            throw startFailure(host, port, e);
        } catch (RuntimeException e) {
            journal.close();
            throw e;
        }
    }

    /** Starts an HTTPS registry with the given server context (its key and certificate). */
    public static RegistryServer startTls(String host, int port, SSLContext ssl) {
        try {
            HttpsServer https = HttpsServer.create(new InetSocketAddress(host, PortNumbers.listen("registry port", port)), 0);
            https.setHttpsConfigurator(new HttpsConfigurator(ssl));
            return started(new RegistryServer(https, "https"), host, port);
        } catch (IOException e) {
            throw startFailure(host, port, e);
        }
    }

    private static RegistryServer started(RegistryServer s, String host, int port) {
        s.server.start();
        LOG.info("schema registry listening on {}", s.url());
        return s;
    }

    private static IllegalStateException startFailure(String host, int port, IOException e) {
        if (e instanceof BindException) {
            return io.ctflow.config.StartupProblem.usage("port " + port + " is in use; pass another with --registry-port", e);
        }
        return io.ctflow.config.StartupProblem.failure("cannot start the schema registry on " + host + ":" + port + ": " + e.getMessage(), e);
    }

    /** The base URL clients use, e.g. http://127.0.0.1:8081. */
    public String url() {
        InetSocketAddress a = server.getAddress();
        String host = a.getHostString();
        return scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Requests received so far (tests check the serdes' caching with it). */
    public long requestCount() {
        return requests.get();
    }

    /** Distinct schemas (ids) registered so far. */
    public long schemaCount() {
        return store.schemaCount();
    }

    /** Requires HTTP Basic credentials on every request from now on (null: none); others get 401. */
    public void requireBasicAuth(String user, String password) {
        expectedAuthorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Answers the next {@code n} requests with 503 (error_code 50003), as a registry that lost its leader does: for retry tests. */
    public void failNextRequests(int n) {
        failuresToInject.set(n);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        if (journal != null) {
            journal.close();
        }
    }

    // ---- HTTP ----------------------------------------------------------------------------------

    private void handle(HttpExchange ex) {
        requests.incrementAndGet();
        try {
            Object answer = route(ex);
            if (answer instanceof RawText t) {
                send(ex, 200, "application/json", t.text.getBytes(StandardCharsets.UTF_8));
            } else {
                send(ex, 200, CONTENT_TYPE, JSON.writeValueAsBytes(answer));
            }
        } catch (ApiError e) {
            error(ex, e.status, e.code, e.getMessage());
        } catch (RuntimeException | IOException e) {
            LOG.warn("schema registry: {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            error(ex, 500, RegistryException.STORE_ERROR, "Internal error: " + e);
        } finally {
            ex.close();
        }
    }

    private record RawText(String text) {}

    private Object route(HttpExchange ex) throws IOException {
        String auth = expectedAuthorization;
        if (auth != null && !auth.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"schema-registry\"");
            throw new ApiError(401, 401, "Unauthorized");
        }
        if (failuresToInject.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new ApiError(503, 50003, "Error while forwarding the request to the leader (injected)");
        }
        String method = ex.getRequestMethod();
        List<String> p = segments(ex.getRequestURI().getRawPath());
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        boolean deleted = "true".equalsIgnoreCase(q.get("deleted"));
        int n = p.size();
        String first = n == 0 ? "" : p.get(0);
        switch (first) {
            case "" -> {
                allow(method, "GET");
                return JSON.createObjectNode();
            }
            case "schemas" -> {
                if (n == 2 && p.get(1).equals("types")) {
                    allow(method, "GET");
                    return List.of("AVRO");
                }
                if (n >= 3 && n <= 4 && p.get(1).equals("ids")) {
                    allow(method, "GET");
                    int id = schemaId(p.get(2));
                    if (n == 3) {
                        return JSON.createObjectNode().put("schema", store.byId(id).text());
                    }
                    return switch (p.get(3)) {
                        case "schema" -> new RawText(store.byId(id).text());
                        case "subjects" -> store.usesOf(id, deleted).stream().map(m -> m.get("subject")).distinct().toList();
                        case "versions" -> store.usesOf(id, deleted);
                        default -> throw notFound();
                    };
                }
            }
            case "subjects" -> {
                if (n == 1) {
                    allow(method, "GET");
                    return store.subjects(deleted);
                }
                String subject = p.get(1);
                if (n == 2) {
                    allow(method, "POST", "DELETE");
                    if (method.equals("POST")) {
                        return store.lookup(subject, schemaOf(ex), deleted);
                    }
                    return store.deleteSubject(subject, "true".equalsIgnoreCase(q.get("permanent")));
                }
                if (p.get(2).equals("versions")) {
                    if (n == 3) {
                        allow(method, "GET", "POST");
                        if (method.equals("POST")) {
                            return JSON.createObjectNode().put("id", store.register(subject, schemaOf(ex)));
                        }
                        return store.versions(subject, deleted);
                    }
                    if (n == 4) {
                        allow(method, "GET", "DELETE");
                        if (method.equals("DELETE")) {
                            return store.deleteVersion(subject, p.get(3), "true".equalsIgnoreCase(q.get("permanent")));
                        }
                        return store.version(subject, p.get(3), deleted);
                    }
                    if (n == 5 && p.get(4).equals("schema")) {
                        allow(method, "GET");
                        return new RawText((String) store.version(subject, p.get(3), deleted).get("schema"));
                    }
                }
            }
            case "config" -> {
                if (n == 1) {
                    allow(method, "GET", "PUT", "DELETE");
                    return switch (method) {
                        case "GET" -> JSON.createObjectNode().put("compatibilityLevel", store.globalLevel());
                        case "PUT" -> JSON.createObjectNode().put("compatibility", store.setGlobalLevel(level(ex)));
                        default -> JSON.createObjectNode().put("compatibilityLevel", store.setGlobalLevel("BACKWARD"));
                    };
                }
                if (n == 2) {
                    String subject = p.get(1);
                    allow(method, "GET", "PUT", "DELETE");
                    switch (method) {
                        case "PUT" -> {
                            return JSON.createObjectNode().put("compatibility", store.setSubjectLevel(subject, level(ex)));
                        }
                        case "DELETE" -> {
                            String was = store.deleteSubjectLevel(subject);
                            if (was == null) {
                                throw levelNotConfigured(subject);
                            }
                            return JSON.createObjectNode().put("compatibilityLevel", was);
                        }
                        default -> {
                            String level = store.subjectLevel(subject);
                            if (level == null && "true".equalsIgnoreCase(q.get("defaultToGlobal"))) {
                                level = store.globalLevel();
                            }
                            if (level == null) {
                                throw levelNotConfigured(subject);
                            }
                            return JSON.createObjectNode().put("compatibilityLevel", level);
                        }
                    }
                }
            }
            case "compatibility" -> {
                if ((n == 4 || n == 5) && p.get(1).equals("subjects") && p.get(3).equals("versions")) {
                    allow(method, "POST");
                    List<String> problems = store.checkCompatibility(p.get(2), n == 5 ? p.get(4) : null, schemaOf(ex));
                    ObjectNode r = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
                    if ("true".equalsIgnoreCase(q.get("verbose"))) {
                        problems.forEach(r.putArray("messages")::add);
                    }
                    return r;
                }
            }
            case "mode" -> {
                if (n == 1) {
                    allow(method, "GET");
                    return JSON.createObjectNode().put("mode", "READWRITE");
                }
            }
            default -> {
                // 404 below
            }
        }
        throw notFound();
    }

    private static ApiError notFound() {
        return new ApiError(404, 404, "HTTP 404 Not Found");
    }

    private static ApiError levelNotConfigured(String subject) {
        return new ApiError(404, RegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                "Subject '" + subject + "' does not have subject-level compatibility configured");
    }

    private static void allow(String method, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        throw new ApiError(405, 405, "HTTP 405 Method Not Allowed");
    }

    private static int schemaId(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new ApiError(404, RegistryException.SCHEMA_NOT_FOUND, "Schema " + s + " not found");
        }
    }

    private static JsonNode body(HttpExchange ex) throws IOException {
        byte[] b = ex.getRequestBody().readAllBytes();
        try {
            JsonNode n = JSON.readTree(b);
            if (n == null || !n.isObject()) {
                throw new ApiError(400, 400, "request body must be a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new ApiError(400, 400, "Unexpected character in JSON body: " + e.getOriginalMessage());
        }
    }

    /** The Avro schema of a register/lookup/compatibility request: {"schema": "...", "schemaType"?: "AVRO"}. */
    private static Schema schemaOf(HttpExchange ex) throws IOException {
        JsonNode b = body(ex);
        String type = b.path("schemaType").asText("AVRO");
        if (!type.equalsIgnoreCase("AVRO")) {
            throw new ApiError(422, RegistryException.INVALID_SCHEMA, "Invalid schema type " + type + ": this registry supports AVRO only");
        }
        if (b.path("references").size() > 0) {
            throw new ApiError(422, RegistryException.INVALID_SCHEMA, "Invalid schema: schema references are not supported");
        }
        JsonNode s = b.get("schema");
        return RegistryStore.parse(s == null || !s.isTextual() ? null : s.asText());
    }

    private static String level(HttpExchange ex) throws IOException {
        JsonNode b = body(ex);
        JsonNode l = b.has("compatibility") ? b.get("compatibility") : b.get("compatibilityLevel");
        return l == null || !l.isTextual() ? null : l.asText();
    }

    private static List<String> segments(String rawPath) {
        String path = rawPath == null ? "" : rawPath;
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.isEmpty()) {
            return List.of();
        }
        // Split before decoding, so an encoded '/' stays inside its subject name.
        return java.util.Arrays.stream(path.split("/", -1)).map(RegistryServer::decode).toList();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                q.put(decode(eq < 0 ? kv : kv.substring(0, eq)), eq < 0 ? "" : decode(kv.substring(eq + 1)));
            }
        }
        return q;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static void error(HttpExchange ex, int status, int code, String message) {
        try {
            send(ex, status, CONTENT_TYPE, JSON.writeValueAsBytes(JSON.createObjectNode().put("error_code", code).put("message", message)));
        } catch (IOException e) {
            LOG.debug("schema registry: cannot answer {}: {}", ex.getRequestURI(), e.toString());
        }
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
