package io.ctflow.schemas.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaParseException;

/**
 * A small in-memory schema registry speaking the subset of the Confluent REST API that the serdes
 * (and Confluent's own) use, for the embedded default and tests. Ids are global and stable (the same
 * schema under any subject gets the same id); BACKWARD compatibility by default, checked with Avro's
 * {@link SchemaCompatibility}; Confluent's status and error codes.
 */
public final class RegistryServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> LEVELS = Set.of("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
            "FULL", "FULL_TRANSITIVE");

    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicLong requests = new AtomicLong();
    // guarded by this
    private final Map<String, Integer> idByCanonical = new HashMap<>();
    private final Map<Integer, String> schemaById = new HashMap<>();
    private final Map<String, List<Integer>> subjects = new TreeMap<>(); // subject -> ids by version-1
    private final Map<String, String> subjectLevel = new HashMap<>();
    private String globalLevel = "BACKWARD";

    private RegistryServer(HttpServer server) {
        this.server = server;
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "ctflow-registry");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /** Starts on host:port (port 0: a free one). A taken port is one clear IllegalStateException. */
    public static RegistryServer start(String host, int port) {
        try {
            RegistryServer s = new RegistryServer(HttpServer.create(new InetSocketAddress(host, port), 0));
            s.server.start();
            return s;
        } catch (BindException e) {
            throw new IllegalStateException("port " + port + " is in use; pass another with --registry-port");
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the schema registry on " + host + ":" + port + ": " + e.getMessage());
        }
    }

    public String url() {
        InetSocketAddress a = server.getAddress();
        return "http://" + a.getHostString() + ":" + a.getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Requests served so far (tests check the serdes' caching with it). */
    public long requestCount() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            String method = ex.getRequestMethod();
            String[] p = segments(ex.getRequestURI().getRawPath());
            JsonNode body = method.equals("POST") || method.equals("PUT") ? readBody(ex) : null;
            Reply r = route(method, p, body);
            send(ex, r.status, r.body);
        } catch (ApiError e) {
            send(ex, e.status, JSON.createObjectNode().put("error_code", e.code).put("message", e.getMessage()));
        } catch (RuntimeException e) {
            send(ex, 500, JSON.createObjectNode().put("error_code", 50001).put("message", "internal error: " + e));
        }
    }

    private record Reply(int status, JsonNode body) {}

    private synchronized Reply route(String method, String[] p, JsonNode body) {
        if (p.length == 0 && method.equals("GET")) {
            return ok(JSON.createObjectNode());
        }
        String head = p.length > 0 ? p[0] : "";
        switch (head) {
            case "schemas" -> {
                if (p.length == 2 && p[1].equals("types") && method.equals("GET")) {
                    return ok(JSON.createArrayNode().add("AVRO"));
                }
                if (p.length >= 3 && p[1].equals("ids") && method.equals("GET")) {
                    String s = schemaById.get(parseInt(p[2], 40403, "schema not found"));
                    if (s == null) {
                        throw new ApiError(404, 40403, "Schema " + p[2] + " not found");
                    }
                    return ok(JSON.createObjectNode().put("schema", s));
                }
            }
            case "subjects" -> {
                if (p.length == 1 && method.equals("GET")) {
                    ArrayNode a = JSON.createArrayNode();
                    subjects.keySet().forEach(a::add);
                    return ok(a);
                }
                String subject = p.length > 1 ? p[1] : "";
                if (p.length == 2 && method.equals("POST")) {
                    return lookup(subject, parse(body));
                }
                if (p.length == 2 && method.equals("DELETE")) {
                    List<Integer> ids = subjectIds(subject);
                    subjects.remove(subject);
                    ArrayNode a = JSON.createArrayNode();
                    for (int v = 1; v <= ids.size(); v++) {
                        a.add(v);
                    }
                    return ok(a);
                }
                if (p.length == 3 && p[2].equals("versions") && method.equals("GET")) {
                    ArrayNode a = JSON.createArrayNode();
                    for (int v = 1; v <= subjectIds(subject).size(); v++) {
                        a.add(v);
                    }
                    return ok(a);
                }
                if (p.length == 3 && p[2].equals("versions") && method.equals("POST")) {
                    return ok(JSON.createObjectNode().put("id", register(subject, parse(body))));
                }
                if (p.length == 4 && p[2].equals("versions") && method.equals("GET")) {
                    List<Integer> ids = subjectIds(subject);
                    int v = version(p[3], ids.size());
                    return ok(versionJson(subject, v, ids.get(v - 1)));
                }
            }
            case "config" -> {
                String subject = p.length > 1 ? p[1] : null;
                if (method.equals("GET")) {
                    String level = subject == null ? globalLevel : subjectLevel.get(subject);
                    if (level == null) {
                        throw new ApiError(404, 40408, "Subject '" + subject + "' does not have subject-level compatibility configured");
                    }
                    return ok(JSON.createObjectNode().put("compatibilityLevel", level));
                }
                if (method.equals("PUT")) {
                    String level = body == null ? "" : body.path("compatibility").asText(body.path("compatibilityLevel").asText("")).toUpperCase(Locale.ROOT);
                    if (!LEVELS.contains(level)) {
                        throw new ApiError(422, 42203, "Invalid compatibility level: " + level);
                    }
                    if (subject == null) {
                        globalLevel = level;
                    } else {
                        subjectLevel.put(subject, level);
                    }
                    return ok(JSON.createObjectNode().put("compatibility", level));
                }
            }
            case "compatibility" -> {
                if (p.length == 5 && p[1].equals("subjects") && p[3].equals("versions") && method.equals("POST")) {
                    Schema candidate = parse(body);
                    List<Integer> ids = subjectIds(p[2]);
                    int v = version(p[4], ids.size());
                    boolean ok = compatible(levelOf(p[2]), candidate, List.of(new Schema.Parser().parse(schemaById.get(ids.get(v - 1)))));
                    return ok(JSON.createObjectNode().put("is_compatible", ok));
                }
            }
            default -> { }
        }
        throw new ApiError(404, 404, "HTTP 404 Not Found");
    }

    private int register(String subject, Schema schema) {
        String canonical = schema.toString();
        List<Integer> ids = subjects.get(subject);
        Integer existing = idByCanonical.get(canonical);
        if (ids != null && existing != null && ids.contains(existing)) {
            return existing; // same schema again: same id, no new version
        }
        if (ids != null && !ids.isEmpty()) {
            String level = levelOf(subject);
            List<Schema> against = new ArrayList<>();
            if (level.endsWith("_TRANSITIVE")) {
                ids.forEach(i -> against.add(new Schema.Parser().parse(schemaById.get(i))));
            } else {
                against.add(new Schema.Parser().parse(schemaById.get(ids.get(ids.size() - 1))));
            }
            if (!compatible(level, schema, against)) {
                throw new ApiError(409, 409, "Schema being registered is incompatible with an earlier schema for subject \""
                        + subject + "\" (" + level + ")");
            }
        }
        int id = existing != null ? existing : schemaById.size() + 1;
        idByCanonical.put(canonical, id);
        schemaById.put(id, canonical);
        subjects.computeIfAbsent(subject, s -> new ArrayList<>()).add(id);
        return id;
    }

    private Reply lookup(String subject, Schema schema) {
        List<Integer> ids = subjectIds(subject);
        Integer id = idByCanonical.get(schema.toString());
        int idx = id == null ? -1 : ids.indexOf(id);
        if (idx < 0) {
            throw new ApiError(404, 40403, "Schema not found");
        }
        return ok(versionJson(subject, idx + 1, id));
    }

    private ObjectNode versionJson(String subject, int version, int id) {
        return JSON.createObjectNode().put("subject", subject).put("version", version).put("id", id).put("schema", schemaById.get(id));
    }

    private String levelOf(String subject) {
        return subjectLevel.getOrDefault(subject, globalLevel);
    }

    static boolean compatible(String level, Schema candidate, List<Schema> existing) {
        for (Schema old : existing) {
            boolean backward = SchemaCompatibility.checkReaderWriterCompatibility(candidate, old).getType()
                    == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
            boolean forward = SchemaCompatibility.checkReaderWriterCompatibility(old, candidate).getType()
                    == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
            boolean ok = switch (level.replace("_TRANSITIVE", "")) {
                case "NONE" -> true;
                case "FORWARD" -> forward;
                case "FULL" -> forward && backward;
                default -> backward;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private List<Integer> subjectIds(String subject) {
        List<Integer> ids = subjects.get(subject);
        if (ids == null || ids.isEmpty()) {
            throw new ApiError(404, 40401, "Subject '" + subject + "' not found.");
        }
        return ids;
    }

    private static int version(String v, int count) {
        if (v.equals("latest") || v.equals("-1")) {
            return count;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ApiError(422, 42202, "The specified version '" + v + "' is not a valid version id.");
        }
        if (n < 1) {
            throw new ApiError(422, 42202, "The specified version '" + v + "' is not a valid version id.");
        }
        if (n > count) {
            throw new ApiError(404, 40402, "Version " + n + " not found.");
        }
        return n;
    }

    private static int parseInt(String s, int code, String what) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new ApiError(404, code, what);
        }
    }

    private static Schema parse(JsonNode body) {
        if (body == null || !body.hasNonNull("schema")) {
            throw new ApiError(422, 42201, "Invalid schema: the request has no \"schema\"");
        }
        String type = body.path("schemaType").asText("AVRO");
        if (!type.equalsIgnoreCase("AVRO")) {
            throw new ApiError(422, 42201, "Invalid schema: only AVRO is supported, got " + type);
        }
        try {
            return new Schema.Parser().parse(body.get("schema").asText());
        } catch (SchemaParseException | NullPointerException e) {
            throw new ApiError(422, 42201, "Invalid schema: " + e.getMessage());
        }
    }

    private static JsonNode readBody(HttpExchange ex) {
        try {
            byte[] b = ex.getRequestBody().readAllBytes();
            return b.length == 0 ? null : JSON.readTree(b);
        } catch (IOException e) {
            throw new ApiError(422, 42201, "Invalid schema: unreadable JSON body");
        }
    }

    private static String[] segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
            }
        }
        return out.toArray(String[]::new);
    }

    private static Reply ok(JsonNode body) {
        return new Reply(200, body);
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    private static final class ApiError extends RuntimeException {
        final int status;
        final int code;

        ApiError(int status, int code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

}
