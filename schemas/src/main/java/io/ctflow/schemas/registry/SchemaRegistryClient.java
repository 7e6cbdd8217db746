package io.ctflow.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.schemas.registry.RegistryClientConfig.Endpoint;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client of the Confluent Schema Registry REST API (v1), over {@link HttpClient}; works against
 * Confluent, Apicurio's ccompat API, Karapace, Redpanda and our {@code RegistryServer}.
 *
 * <p>Thread-safe. Schemas by id and ids by (subject, schema) are cached for the client's life (both
 * are immutable in a registry), so a serde makes one call per schema, not per record. Version and
 * config calls are not cached. Each client has its own caches (a serde pair shares one), so a
 * registry restarted empty under the same URL is seen by the next serdes; the HTTP connections are
 * shared between clients with the same TLS settings.
 *
 * <p>Failures: an error answer throws {@link RegistryException} with the status and the registry's
 * {@code error_code}; a URL that cannot be reached (refused, timeout, TLS failure) makes the client
 * try the next URL, and after a round over all of them it backs off (doubling) and goes again,
 * {@code ctflow.registry.retries} times, before throwing {@link RegistryUnreachableException}.
 */
public final class SchemaRegistryClient {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final String ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** One HttpClient (its connection pool and selector thread) per TLS/timeout setup, whatever the number of serdes. */
    private static final Map<Map<String, String>, HttpClient> HTTP_CLIENTS = new ConcurrentHashMap<>();

    private final RegistryClientConfig config;
    private final List<Endpoint> endpoints;
    private final HttpClient http;
    private volatile int preferred;
    private final AtomicLong requests = new AtomicLong();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    private record SubjectSchema(String subject, Schema schema) {}

    public SchemaRegistryClient(RegistryClientConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.endpoints = config.endpoints();
        this.http = HTTP_CLIENTS.computeIfAbsent(config.httpIdentity(), k -> {
            HttpClient.Builder b = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1) // registries speak HTTP/1.1; skip the h2c upgrade dance
                    .connectTimeout(config.connectTimeout())
                    .followRedirects(HttpClient.Redirect.NORMAL);
            if (config.sslContext() != null) {
                b.sslContext(config.sslContext());
            }
            return b.build();
        });
        try { // fail at configuration, not at the first record, on headers the JDK refuses (Host, Connection, ...)
            HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create("http://localhost/"));
            config.headers().forEach(rb::header);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(RegistryClientConfig.REQUEST_HEADER_PREFIX + "*: " + e.getMessage());
        }
    }

    /** A new client from a Kafka-style config map. */
    public static SchemaRegistryClient create(Map<String, ?> config) {
        return new SchemaRegistryClient(RegistryClientConfig.from(config));
    }

    public RegistryClientConfig config() {
        return config;
    }

    /** The configured URLs, without credentials. */
    public List<String> urls() {
        return config.urls();
    }

    /** HTTP requests this client has sent (each attempt counts). */
    public long requestCount() {
        return requests.get();
    }

    /** Drops the cached ids and schemas. */
    public void clearCaches() {
        schemasById.clear();
        idsBySubjectSchema.clear();
    }

    // ---- schemas -------------------------------------------------------------------------------

    /** {@code POST /subjects/{s}/versions}: registers (or finds) the schema under the subject; returns its global id. Cached. */
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode r = call("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema));
        int id = requiredInt(r, "id", "register");
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /** {@code POST /subjects/{s}}: the subject's version of this schema (uncached). 404 40401/40403 when absent. */
    public RegisteredSchema lookup(String subject, Schema schema) {
        JsonNode r = call("POST", "/subjects/" + enc(subject), schemaBody(schema));
        RegisteredSchema rs = registered(r, subject);
        idsBySubjectSchema.put(new SubjectSchema(subject, schema), rs.id());
        schemasById.putIfAbsent(rs.id(), schema);
        return rs;
    }

    /** The id of a schema already registered under the subject (looked up once, then cached); never registers. */
    public int getId(String subject, Schema schema) {
        Integer cached = idsBySubjectSchema.get(new SubjectSchema(subject, schema));
        return cached != null ? cached : lookup(subject, schema).id();
    }

    /** {@code GET /schemas/ids/{id}}: the schema with this global id. Cached. 404 40403 when unknown. */
    public Schema getSchemaById(int id) {
        Schema s = schemasById.get(id);
        if (s != null) {
            return s;
        }
        JsonNode r = call("GET", "/schemas/ids/" + id, null);
        String type = r.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new RegistryException(200, 0, null, "schema id " + id + " is a " + type + " schema, not Avro", null);
        }
        s = parse(r.path("schema").asText(), "schema id " + id);
        Schema prev = schemasById.putIfAbsent(id, s);
        return prev != null ? prev : s;
    }

    /** {@code GET /subjects}. */
    public List<String> getSubjects() {
        return strings(call("GET", "/subjects", null));
    }

    /** {@code GET /subjects/{s}/versions}. */
    public List<Integer> getVersions(String subject) {
        return ints(call("GET", "/subjects/" + enc(subject) + "/versions", null));
    }

    /** {@code GET /subjects/{s}/versions/{v}}. */
    public RegisteredSchema getVersion(String subject, int version) {
        return registered(call("GET", "/subjects/" + enc(subject) + "/versions/" + version, null), subject);
    }

    /** {@code GET /subjects/{s}/versions/latest} (uncached: callers decide how long it stays latest). */
    public RegisteredSchema getLatestVersion(String subject) {
        return registered(call("GET", "/subjects/" + enc(subject) + "/versions/latest", null), subject);
    }

    /** {@code DELETE /subjects/{s}} (soft delete); returns the deleted versions. */
    public List<Integer> deleteSubject(String subject) {
        return deleteSubject(subject, false);
    }

    /** {@code DELETE /subjects/{s}[?permanent=true]}; a permanent delete needs a soft delete first. */
    public List<Integer> deleteSubject(String subject, boolean permanent) {
        List<Integer> v = ints(call("DELETE", "/subjects/" + enc(subject) + (permanent ? "?permanent=true" : ""), null));
        idsBySubjectSchema.keySet().removeIf(k -> k.subject().equals(subject));
        return v;
    }

    /** {@code DELETE /subjects/{s}/versions/{v}} (soft delete); returns the version. */
    public int deleteVersion(String subject, int version) {
        JsonNode r = call("DELETE", "/subjects/" + enc(subject) + "/versions/" + version, null);
        idsBySubjectSchema.keySet().removeIf(k -> k.subject().equals(subject));
        return r.asInt();
    }

    // ---- config and compatibility --------------------------------------------------------------

    /** {@code GET /config}: the global compatibility level. */
    public String getGlobalCompatibility() {
        return level(call("GET", "/config", null));
    }

    /** {@code PUT /config}. */
    public String setGlobalCompatibility(String level) {
        return level(call("PUT", "/config", JSON.createObjectNode().put("compatibility", level)));
    }

    /** {@code GET /config/{s}}: the subject's own level; empty when it has none (40408, or 40401 from older registries). */
    public Optional<String> getSubjectCompatibility(String subject) {
        try {
            return Optional.of(level(call("GET", "/config/" + enc(subject), null)));
        } catch (RegistryException e) {
            if (e.errorCode() == RegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED || e.errorCode() == RegistryException.SUBJECT_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** {@code PUT /config/{s}}. */
    public String setSubjectCompatibility(String subject, String level) {
        return level(call("PUT", "/config/" + enc(subject), JSON.createObjectNode().put("compatibility", level)));
    }

    /** {@code POST /compatibility/subjects/{s}/versions/latest}: whether the subject would accept the schema. */
    public boolean testCompatibility(String subject, Schema schema) {
        return checkCompatibility(subject, schema).compatible();
    }

    /** As {@link #testCompatibility} with {@code verbose=true}: the reasons when it is not. */
    public CompatibilityResult checkCompatibility(String subject, Schema schema) {
        JsonNode r = call("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest?verbose=true", schemaBody(schema));
        if (!r.has("is_compatible")) {
            throw new RegistryException(200, 0, null, "registry answer lacks is_compatible: " + r, null);
        }
        return new CompatibilityResult(r.get("is_compatible").asBoolean(), strings(r.path("messages")));
    }

    /** {@code GET /schemas/types}. */
    public List<String> getSchemaTypes() {
        return strings(call("GET", "/schemas/types", null));
    }

    // ---- HTTP ----------------------------------------------------------------------------------

    /** URL-encodes one path segment (a subject may hold '/', ' ', ':'...). */
    static String enc(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static ObjectNode schemaBody(Schema schema) {
        // schemaType is left out: it defaults to AVRO everywhere, and old registries reject the field.
        return JSON.createObjectNode().put("schema", schema.toString());
    }

    private JsonNode call(String method, String path, JsonNode body) {
        byte[] payload;
        try {
            payload = body == null ? null : JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int n = endpoints.size();
        long backoff = config.backoffMs();
        Exception lastFailure = null;
        RegistryException lastRetryable = null;
        for (int round = 0; round <= config.retries(); round++) {
            if (round > 0) {
                sleep(backoff, method, path);
                backoff = Math.min(backoff * 2, config.backoffMaxMs());
            }
            int start = preferred;
            for (int i = 0; i < n; i++) {
                int idx = (start + i) % n;
                Endpoint ep = endpoints.get(idx);
                HttpResponse<byte[]> resp;
                requests.incrementAndGet();
                try {
                    resp = http.send(request(ep, method, path, payload), HttpResponse.BodyHandlers.ofByteArray());
                } catch (IOException e) {
                    lastFailure = e;
                    LOG.debug("schema registry {} {}{} failed: {}", method, ep, path, e.toString());
                    continue;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RegistryUnreachableException("interrupted while calling schema registry " + ep + path, e);
                }
                preferred = idx; // stick to a URL that answers
                int status = resp.statusCode();
                if (status >= 200 && status < 300) {
                    return parseBody(resp.body(), method, ep, path);
                }
                RegistryException err = error(status, resp.body(), method, ep, path);
                if (!retryable(err)) {
                    throw err;
                }
                lastRetryable = err;
            }
        }
        if (lastRetryable != null && lastFailure == null) {
            throw lastRetryable;
        }
        String attempts = (config.retries() + 1) + (config.retries() == 0 ? " attempt" : " attempts");
        // The I/O failure is suppressed, not the cause: the message already says it, and callers that report the
        // deepest cause's message would otherwise lose the URL.
        RegistryUnreachableException e = new RegistryUnreachableException("schema registry unreachable at " + String.join(", ", urls())
                + " (" + method + " " + path + ", " + attempts + "): " + describe(lastFailure), null);
        if (lastFailure != null) {
            e.addSuppressed(lastFailure);
        }
        throw e;
    }

    private HttpRequest request(Endpoint ep, String method, String path, byte[] payload) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ep.base() + path))
                .timeout(config.readTimeout())
                .header("Accept", ACCEPT);
        if (payload != null) {
            b.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofByteArray(payload));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        if (ep.authorization() != null) {
            b.header("Authorization", ep.authorization());
        }
        config.headers().forEach(b::header);
        return b.build();
    }

    // Overload and leader-election answers go away by themselves; everything else is an answer.
    private static boolean retryable(RegistryException e) {
        int s = e.status();
        int c = e.errorCode();
        return s == 429 || s == 502 || s == 503 || s == 504 || c == 50002 || c == 50003 || c == 50004;
    }

    private void sleep(long ms, String method, String path) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnreachableException("interrupted while retrying schema registry " + method + " " + path, e);
        }
    }

    private static JsonNode parseBody(byte[] body, String method, Endpoint ep, String path) {
        try {
            return body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
        } catch (IOException e) {
            throw new RegistryException(200, 0, null, method + " " + ep + path + ": answer is not JSON: " + snippet(body), e);
        }
    }

    private static RegistryException error(int status, byte[] body, String method, Endpoint ep, String path) {
        int code = status;
        String msg = null;
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.isObject()) {
                code = n.path("error_code").asInt(status);
                msg = n.path("message").isTextual() ? n.get("message").asText() : null;
            }
        } catch (IOException e) {
            // not JSON (a proxy's HTML page): keep the text
        }
        if (msg == null) {
            msg = snippet(body);
        }
        return new RegistryException(status, code, msg,
                method + " " + ep + path + ": HTTP " + status + " (error_code " + code + "): " + msg, null);
    }

    private static String snippet(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8).strip();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static String describe(Throwable e) {
        if (e == null) {
            return "no answer";
        }
        StringBuilder sb = new StringBuilder();
        // The JDK's ConnectException often has no message; the cause chain says what happened.
        for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                sb.append(": ").append(t.getMessage());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString();
    }

    private static Schema parse(String text, String what) {
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw new RegistryException(200, 0, null, what + ": the registry returned a schema Avro cannot parse: " + e.getMessage(), e);
        }
    }

    private RegisteredSchema registered(JsonNode r, String subject) {
        String type = r.path("schemaType").asText("AVRO");
        RegisteredSchema rs = new RegisteredSchema(r.path("subject").asText(subject), requiredInt(r, "version", "version"),
                requiredInt(r, "id", "version"), type, r.path("schema").asText());
        if ("AVRO".equals(type) && !schemasById.containsKey(rs.id())) {
            schemasById.putIfAbsent(rs.id(), parse(rs.schemaString(), "schema id " + rs.id()));
        }
        return rs;
    }

    private static int requiredInt(JsonNode r, String field, String what) {
        JsonNode v = r.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new RegistryException(200, 0, null, "registry " + what + " answer lacks '" + field + "': " + r, null);
        }
        return v.asInt();
    }

    private static String level(JsonNode r) {
        // GET answers compatibilityLevel, PUT echoes compatibility.
        JsonNode v = r.has("compatibilityLevel") ? r.get("compatibilityLevel") : r.get("compatibility");
        if (v == null || !v.isTextual()) {
            throw new RegistryException(200, 0, null, "registry config answer lacks a compatibility level: " + r, null);
        }
        return v.asText();
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<Integer> ints(JsonNode arr) {
        List<Integer> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asInt()));
        return out;
    }
}
