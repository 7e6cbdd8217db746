package io.ctflow.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;

/**
 * Client of the Confluent Schema Registry REST API over {@code java.net.http}, so it also talks to
 * Apicurio (ccompat), Karapace and Redpanda. Ids and schemas are cached: the serdes call the
 * registry once per schema, never per record. Several URLs: the next is tried on a connection
 * failure; each is retried with exponential backoff before the call fails loudly.
 */
public final class SchemaRegistryClient {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A registered schema as the registry reports it. */
    public record Registered(String subject, int version, int id, String schema) {}

    private final List<String> urls;
    private final HttpClient http;
    private final String authorization;
    private final int retries;
    private final long backoffMs;
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
    private final Map<String, Integer> idBySubjectSchema = new ConcurrentHashMap<>();

    public SchemaRegistryClient(List<String> urls, String userInfo, int retries, long backoffMs, SSLContext ssl) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("schema.registry.url is empty");
        }
        this.urls = urls.stream().map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).toList();
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.http = b.build();
        this.authorization = userInfo == null || userInfo.isEmpty() ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        this.retries = retries;
        this.backoffMs = backoffMs;
    }

    /** From Confluent's config keys: schema.registry.url, basic.auth.*, schema.registry.ssl.*. */
    public static SchemaRegistryClient fromConfig(Map<String, ?> config) {
        Object url = config.get("schema.registry.url");
        if (url == null) {
            throw new IllegalArgumentException("schema.registry.url is not set");
        }
        List<String> urls = new ArrayList<>();
        for (String u : url.toString().split(",")) {
            if (!u.isBlank()) {
                urls.add(u.trim());
            }
        }
        String source = str(config, "basic.auth.credentials.source", "USER_INFO");
        String userInfo = str(config, "basic.auth.user.info", str(config, "schema.registry.basic.auth.user.info", null));
        if ("URL".equalsIgnoreCase(source) && userInfo == null) {
            URI first = URI.create(urls.get(0));
            userInfo = first.getUserInfo();
        }
        int retries = Integer.parseInt(str(config, "ctflow.registry.retries", "3"));
        long backoff = Long.parseLong(str(config, "ctflow.registry.backoff.ms", "100"));
        return new SchemaRegistryClient(urls, userInfo, retries, backoff, ssl(config));
    }

    private static String str(Map<String, ?> c, String k, String def) {
        Object v = c.get(k);
        return v == null ? def : v.toString();
    }

    private static SSLContext ssl(Map<String, ?> c) {
        String ts = str(c, "schema.registry.ssl.truststore.location", null);
        String ks = str(c, "schema.registry.ssl.keystore.location", null);
        if (ts == null && ks == null) {
            return null;
        }
        try {
            TrustManagerFactory tmf = null;
            if (ts != null) {
                KeyStore trust = load(ts, str(c, "schema.registry.ssl.truststore.type", "JKS"), str(c, "schema.registry.ssl.truststore.password", ""));
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (ks != null) {
                String pw = str(c, "schema.registry.ssl.keystore.password", "");
                KeyStore key = load(ks, str(c, "schema.registry.ssl.keystore.type", "JKS"), pw);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(key, str(c, "schema.registry.ssl.key.password", pw).toCharArray());
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot set up TLS for the schema registry: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(String path, String type, String password) throws Exception {
        KeyStore k = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(path)) {
            k.load(in, password.toCharArray());
        }
        return k;
    }

    /** POST /subjects/{s}/versions: the schema's global id (cached). */
    public int register(String subject, Schema schema) {
        String key = subject + "\u0000" + schema.toString();
        Integer id = idBySubjectSchema.get(key);
        if (id != null) {
            return id;
        }
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        int got = call("POST", "/subjects/" + enc(subject) + "/versions", body).get("id").asInt();
        idBySubjectSchema.put(key, got);
        byId.putIfAbsent(got, schema);
        return got;
    }

    /** POST /subjects/{s}: the id and version of a schema already registered under the subject (cached id). */
    public Registered lookup(String subject, Schema schema) {
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        JsonNode r = call("POST", "/subjects/" + enc(subject), body);
        Registered reg = new Registered(r.path("subject").asText(subject), r.get("version").asInt(), r.get("id").asInt(), r.get("schema").asText());
        idBySubjectSchema.put(subject + "\u0000" + schema.toString(), reg.id());
        return reg;
    }

    /** GET /schemas/ids/{id} (cached: ids are immutable). */
    public Schema byId(int id) {
        return byId.computeIfAbsent(id, i -> new Schema.Parser().parse(call("GET", "/schemas/ids/" + i, null).get("schema").asText()));
    }

    /** GET /subjects/{s}/versions/{version|latest}. */
    public Registered version(String subject, String version) {
        JsonNode r = call("GET", "/subjects/" + enc(subject) + "/versions/" + version, null);
        return new Registered(r.get("subject").asText(), r.get("version").asInt(), r.get("id").asInt(), r.get("schema").asText());
    }

    /** GET /subjects. */
    public List<String> subjects() {
        List<String> out = new ArrayList<>();
        call("GET", "/subjects", null).forEach(n -> out.add(n.asText()));
        return out;
    }

    /** GET /subjects/{s}/versions. */
    public List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        call("GET", "/subjects/" + enc(subject) + "/versions", null).forEach(n -> out.add(n.asInt()));
        return out;
    }

    /** DELETE /subjects/{s}: the versions deleted. */
    public List<Integer> deleteSubject(String subject) {
        List<Integer> out = new ArrayList<>();
        call("DELETE", "/subjects/" + enc(subject), null).forEach(n -> out.add(n.asInt()));
        idBySubjectSchema.keySet().removeIf(k -> k.startsWith(subject + "\u0000"));
        return out;
    }

    /** GET /config or /config/{s}: the compatibility level. */
    public String compatibility(String subjectOrNull) {
        JsonNode r = call("GET", subjectOrNull == null ? "/config" : "/config/" + enc(subjectOrNull), null);
        return r.has("compatibilityLevel") ? r.get("compatibilityLevel").asText() : r.path("compatibility").asText();
    }

    /** PUT /config or /config/{s}. */
    public String setCompatibility(String subjectOrNull, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        return call("PUT", subjectOrNull == null ? "/config" : "/config/" + enc(subjectOrNull), body).get("compatibility").asText();
    }

    /** POST /compatibility/subjects/{s}/versions/latest. */
    public boolean isCompatible(String subject, Schema schema) {
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        return call("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest", body).get("is_compatible").asBoolean();
    }

    public List<String> urls() {
        return urls;
    }

    private JsonNode call(String method, String path, JsonNode body) {
        IOException last = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            for (String base : urls) {
                HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                        .header("Accept", CONTENT_TYPE + ", application/json");
                if (authorization != null) {
                    rb.header("Authorization", authorization);
                }
                if (body != null) {
                    rb.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
                } else {
                    rb.method(method, HttpRequest.BodyPublishers.noBody());
                }
                try {
                    HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() >= 500 && attempt < retries) {
                        last = new IOException("HTTP " + r.statusCode() + " from " + base);
                        continue;
                    }
                    JsonNode json = r.body() == null || r.body().isBlank() ? JSON.nullNode() : JSON.readTree(r.body());
                    if (r.statusCode() >= 400) {
                        throw new RegistryException(r.statusCode(), json.path("error_code").asInt(r.statusCode()),
                                json.path("message").asText("registry error at " + base + path));
                    }
                    return json;
                } catch (IOException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while calling the schema registry", e);
                }
            }
            if (attempt < retries) {
                try {
                    Thread.sleep(backoffMs << attempt); // backoff between whole rounds of the URLs
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new RegistryUnavailableException("schema registry " + String.join(",", urls) + " is unreachable after "
                + (retries + 1) + " attempts: " + (last == null ? "no answer" : last.getMessage()));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The registry did not answer at all (down, wrong URL). */
    public static final class RegistryUnavailableException extends RuntimeException {
        public RegistryUnavailableException(String message) {
            super(message);
        }
    }
}
