package io.ctflow.embedded.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.fasterxml.jackson.databind.JsonNode;
import io.ctflow.config.UsageException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctflow.schemas.registry.RegisteredSchema;
import io.ctflow.schemas.registry.RegistryException;
import io.ctflow.schemas.registry.RegistryUnreachableException;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every REST call of the client against the server, over HTTP, with Confluent's status and error codes. */
class RegistryApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Schema V1 = parse("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
    static final Schema V2 = parse("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
            + "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}]}");
    /** A new field without a default: not BACKWARD compatible with V1. */
    static final Schema BAD = parse("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
            + "{\"name\":\"c\",\"type\":\"string\"}]}");

    RegistryServer server;
    SchemaRegistryClient client;

    static Schema parse(String s) {
        return new Schema.Parser().parse(s);
    }

    @BeforeEach
    void start() {
        server = RegistryServer.start("127.0.0.1", 0);
        client = SchemaRegistryClient.create(Map.of("schema.registry.url", server.url()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static RegistryException fails(int status, int code, Executable e) {
        RegistryException ex = assertThrows(RegistryException.class, e);
        assertEquals(status, ex.status(), ex.getMessage());
        assertEquals(code, ex.errorCode(), ex.getMessage());
        return ex;
    }

    HttpResponse<String> raw(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Accept", SchemaRegistryClient.CONTENT_TYPE);
        if (body != null) {
            b.header("Content-Type", SchemaRegistryClient.CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void registerLookUpFetchListAndDelete() {
        int id1 = client.register("a-value", V1);
        assertEquals(id1, client.register("a-value", V1), "same schema again: same id, no new version");
        assertEquals(List.of(1), client.getVersions("a-value"));
        // Same schema written differently (whitespace, attribute order) is the same schema.
        Schema respelled = parse("{ \"fields\": [ {\"type\": \"int\", \"name\": \"a\"} ], \"namespace\": \"t\", \"name\": \"R\", \"type\": \"record\" }");
        assertEquals(id1, SchemaRegistryClient.create(Map.of("schema.registry.url", server.url())).register("a-value", respelled));
        assertEquals(id1, client.register("b-value", V1), "ids are global across subjects");
        int id2 = client.register("a-value", V2);
        assertNotEquals(id1, id2);

        assertEquals(V2, SchemaRegistryClient.create(Map.of("schema.registry.url", server.url())).getSchemaById(id2));
        assertEquals(new RegisteredSchema("a-value", 2, id2, "AVRO", V2.toString()), client.lookup("a-value", V2));
        assertEquals(new RegisteredSchema("a-value", 1, id1, "AVRO", V1.toString()), client.getVersion("a-value", 1));
        assertEquals(id2, client.getLatestVersion("a-value").id());
        assertEquals(V2, client.getLatestVersion("a-value").avroSchema());
        assertEquals(List.of("a-value", "b-value"), client.getSubjects());
        assertEquals(List.of(1, 2), client.getVersions("a-value"));
        assertEquals(id1, client.getId("b-value", V1));
        assertEquals(List.of("AVRO"), client.getSchemaTypes());

        // soft delete, then permanent
        assertEquals(List.of(1), client.deleteSubject("b-value"));
        assertEquals(List.of("a-value"), client.getSubjects());
        fails(404, RegistryException.SUBJECT_NOT_FOUND, () -> client.getVersions("b-value"));
        assertEquals(V1, client.getSchemaById(id1), "ids outlive their subjects");
        assertEquals(List.of(1), client.deleteSubject("b-value", true));
        fails(404, RegistryException.SUBJECT_NOT_FOUND, () -> client.deleteSubject("b-value"));
        fails(404, RegistryException.SUBJECT_NOT_SOFT_DELETED, () -> client.deleteSubject("a-value", true));

        assertEquals(2, client.deleteVersion("a-value", 2));
        assertEquals(id1, client.getLatestVersion("a-value").id());
        assertEquals(List.of(1), client.getVersions("a-value"));
        assertEquals(id2, client.register("a-value", V2), "re-registering a deleted version: the same id ...");
        assertEquals(3, client.getLatestVersion("a-value").version(), "... under the next version number");
    }

    @Test
    void deletedAndOtherQueryParametersAreTolerated() throws Exception {
        client.register("d-value", V1);
        client.deleteSubject("d-value");
        JsonNode all = JSON.readTree(raw("GET", "/subjects?deleted=true", null).body());
        assertEquals("[\"d-value\"]", all.toString());
        assertEquals("[1]", raw("GET", "/subjects/d-value/versions?deleted=true", null).body());
        String lookup = raw("POST", "/subjects/d-value?deleted=true&normalize=false",
                JSON.createObjectNode().put("schema", V1.toString()).toString()).body();
        assertEquals(1, JSON.readTree(lookup).get("version").asInt(), lookup);
        assertEquals(200, raw("POST", "/subjects/e-value/versions?normalize=true", JSON.createObjectNode().put("schema", V1.toString())
                .put("schemaType", "AVRO").toString()).statusCode());
        assertEquals(200, raw("GET", "/schemas/ids/1?fetchMaxId=false", null).statusCode());
        assertEquals("[{\"subject\":\"d-value\",\"version\":1},{\"subject\":\"e-value\",\"version\":1}]",
                raw("GET", "/schemas/ids/1/versions?deleted=true", null).body());
        assertEquals("[\"e-value\"]", raw("GET", "/schemas/ids/1/subjects", null).body());
        assertEquals(V1.toString(), raw("GET", "/schemas/ids/1/schema", null).body());
        assertEquals(V1.toString(), raw("GET", "/subjects/e-value/versions/latest/schema", null).body());
    }

    @Test
    void errorCodesAreConfluents() throws Exception {
        fails(404, 40401, () -> client.getVersions("nope"));
        fails(404, 40401, () -> client.getLatestVersion("nope"));
        fails(404, 40401, () -> client.lookup("nope", V1));
        client.register("s", V1);
        fails(404, 40402, () -> client.getVersion("s", 9));
        fails(422, 42202, () -> client.getVersion("s", 0));
        fails(404, 40403, () -> client.getSchemaById(999));
        fails(404, 40403, () -> client.lookup("s", V2));
        RegistryException incompatible = fails(409, 409, () -> client.register("s", BAD));
        assertTrue(incompatible.isIncompatible());
        assertTrue(incompatible.serverMessage().contains("READER_FIELD_MISSING_DEFAULT_VALUE"), incompatible.serverMessage());
        fails(422, 42203, () -> client.setGlobalCompatibility("SIDEWAYS"));

        assertError(raw("GET", "/subjects/s/versions/zero", null), 422, 42202);
        assertError(raw("POST", "/subjects/x/versions", "{\"schema\":\"{not avro\"}"), 422, 42201);
        assertError(raw("POST", "/subjects/x/versions", "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"R\\\"}\"}"), 422, 42201);
        assertError(raw("POST", "/subjects/x/versions", "{}"), 422, 42201);
        assertError(raw("POST", "/subjects/x/versions", "{\"schema\":\"syntax = \\\"proto3\\\";\",\"schemaType\":\"PROTOBUF\"}"), 422, 42201);
        assertError(raw("POST", "/subjects/x/versions", "not json"), 400, 400);
        assertError(raw("GET", "/no/such/path", null), 404, 404);
        assertError(raw("PATCH", "/subjects", null), 405, 405);
        assertError(raw("GET", "/schemas/ids/abc", null), 404, 40403);
    }

    static void assertError(HttpResponse<String> r, int status, int code) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode n = JSON.readTree(r.body());
        assertEquals(code, n.get("error_code").asInt(), r.body());
        assertTrue(n.get("message").asText().length() > 0);
        assertEquals(SchemaRegistryClient.CONTENT_TYPE, r.headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void probesAndContentType() throws Exception {
        HttpResponse<String> root = raw("GET", "/", null);
        assertEquals(200, root.statusCode());
        assertEquals("{}", root.body());
        assertEquals(SchemaRegistryClient.CONTENT_TYPE, root.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("[\"AVRO\"]", raw("GET", "/schemas/types", null).body());
        assertEquals("{\"mode\":\"READWRITE\"}", raw("GET", "/mode", null).body());
        String reg = raw("POST", "/subjects/p-value/versions", JSON.createObjectNode().put("schema", V1.toString()).toString()).body();
        assertEquals("{\"id\":1}", reg);
        assertEquals("{\"subject\":\"p-value\",\"version\":1,\"id\":1,\"schema\":" + JSON.writeValueAsString(V1.toString()) + "}",
                raw("GET", "/subjects/p-value/versions/1", null).body());
        assertEquals("{\"schema\":" + JSON.writeValueAsString(V1.toString()) + "}", raw("GET", "/schemas/ids/1", null).body());
    }

    @Test
    void globalAndSubjectCompatibilityConfig() throws Exception {
        assertEquals("BACKWARD", client.getGlobalCompatibility());
        assertEquals(Optional.empty(), client.getSubjectCompatibility("c"));
        assertError(raw("GET", "/config/c", null), 404, 40408);
        assertEquals("{\"compatibilityLevel\":\"BACKWARD\"}", raw("GET", "/config/c?defaultToGlobal=true", null).body());

        client.register("c", V1);
        assertTrue(client.testCompatibility("c", V2));
        assertFalse(client.testCompatibility("c", BAD));
        assertTrue(client.testCompatibility("never-registered", BAD), "nothing to be incompatible with");

        assertEquals("FORWARD", client.setSubjectCompatibility("c", "forward"));
        assertEquals(Optional.of("FORWARD"), client.getSubjectCompatibility("c"));
        assertTrue(client.testCompatibility("c", BAD), "old readers ignore the new field: FORWARD");
        assertFalse(client.testCompatibility("c", parse("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[]}")),
                "dropping a field without a default breaks old readers");
        assertEquals("FULL", client.setSubjectCompatibility("c", "FULL"));
        assertFalse(client.testCompatibility("c", BAD));
        assertTrue(client.testCompatibility("c", V2));
        assertEquals("NONE", client.setSubjectCompatibility("c", "NONE"));
        client.register("c", BAD);
        assertEquals(List.of(1, 2), client.getVersions("c"));

        assertEquals("FULL_TRANSITIVE", client.setGlobalCompatibility("full_transitive"));
        assertEquals("FULL_TRANSITIVE", client.getGlobalCompatibility());
        assertEquals("{\"compatibilityLevel\":\"NONE\"}", raw("DELETE", "/config/c", null).body());
        assertEquals(Optional.empty(), client.getSubjectCompatibility("c"));
        assertEquals("{\"compatibility\":\"BACKWARD\"}", raw("PUT", "/config", "{\"compatibility\":\"BACKWARD\"}").body());
    }

    @Test
    void transitiveChecksEveryVersionAndPlainOnlyTheLatest() {
        Schema a = parse("{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}");
        Schema b = parse("{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":\"int\",\"default\":0}]}");
        Schema c = parse("{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"y\",\"type\":\"int\",\"default\":0},{\"name\":\"x\",\"type\":\"int\",\"default\":1}]}");
        Schema d = parse("{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"y\",\"type\":\"int\"}]}");
        client.setSubjectCompatibility("tr", "BACKWARD_TRANSITIVE");
        client.register("tr", a);
        client.register("tr", b);
        client.register("tr", c);
        fails(409, 409, () -> client.register("tr", d)); // d reads b and c (y present), not a (y missing, no default)
        client.setSubjectCompatibility("tr", "BACKWARD");
        client.register("tr", d); // against c only: fine
        assertEquals(List.of(1, 2, 3, 4), client.getVersions("tr"));
    }

    @Test
    void subjectNamesAreUrlEncoded() {
        String subject = "team a/ns:events+value?x=1#frag";
        int id = client.register(subject, V1);
        assertEquals(List.of(subject), client.getSubjects());
        assertEquals(id, client.getVersion(subject, 1).id());
        assertEquals(subject, client.lookup(subject, V1).subject());
        assertEquals("NONE", client.setSubjectCompatibility(subject, "NONE"));
        assertEquals(Optional.of("NONE"), client.getSubjectCompatibility(subject));
        assertEquals(List.of(1), client.deleteSubject(subject));
    }

    @Test
    void basicAuthFromUserInfoOrUrlOrHeader() {
        client.register("auth", V1);
        server.requireBasicAuth("sr-user", "s3cr:t");
        RegistryException e = fails(401, 401, () -> SchemaRegistryClient.create(Map.of("schema.registry.url", server.url())).getSubjects());
        assertFalse(e.getMessage().contains("s3cr"));

        assertEquals(List.of("auth"), SchemaRegistryClient.create(Map.of("schema.registry.url", server.url(),
                "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "sr-user:s3cr:t")).getSubjects());
        assertEquals(List.of("auth"), SchemaRegistryClient.create(Map.of("schema.registry.url", server.url(),
                "schema.registry.basic.auth.user.info", "sr-user:s3cr:t")).getSubjects());
        String withCreds = server.url().replace("http://", "http://sr-user:s3cr%3At@");
        SchemaRegistryClient inUrl = SchemaRegistryClient.create(Map.of("schema.registry.url", withCreds, "basic.auth.credentials.source", "URL"));
        assertEquals(List.of("auth"), inUrl.getSubjects());
        assertEquals(List.of(server.url()), inUrl.urls(), "credentials never stay in the URL");
        String header = "Basic " + Base64.getEncoder().encodeToString("sr-user:s3cr:t".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("auth"), SchemaRegistryClient.create(Map.of("schema.registry.url", server.url(),
                "request.header.Authorization", header)).getSubjects());

        assertThrows(ConfigException.class, () -> SchemaRegistryClient.create(Map.of("schema.registry.url", server.url(),
                "basic.auth.credentials.source", "USER_INFO")));
        assertThrows(ConfigException.class, () -> SchemaRegistryClient.create(Map.of("schema.registry.url", server.url(),
                "basic.auth.credentials.source", "SASL_INHERIT")));
        server.requireBasicAuth(null, null);
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void failsOverToTheNextUrlAndSticksToIt() throws Exception {
        String dead = "http://127.0.0.1:" + closedPort();
        SchemaRegistryClient c = SchemaRegistryClient.create(Map.of("schema.registry.url", dead + "," + server.url() + "/",
                "ctflow.registry.retries", "0"));
        assertEquals(List.of(dead, server.url()), c.urls());
        long before = server.requestCount();
        assertEquals(1, c.register("fo", V1));
        assertEquals(2, c.requestCount(), "the dead one, then the live one");
        c.getVersions("fo");
        assertEquals(3, c.requestCount(), "straight to the URL that answered");
        assertEquals(2, server.requestCount() - before);

        RegistryUnreachableException e = assertThrows(RegistryUnreachableException.class, () -> SchemaRegistryClient.create(
                Map.of("schema.registry.url", dead, "ctflow.registry.retries", "1", "ctflow.registry.backoff.ms", "1")).getSubjects());
        assertTrue(e.getMessage().startsWith("schema registry unreachable at " + dead + " (GET /subjects, 2 attempts)"), e.getMessage());
        assertEquals(0, e.status());
    }

    @Test
    void badClientConfigurationIsAConfigException() {
        assertThrows(ConfigException.class, () -> SchemaRegistryClient.create(Map.of()));
        assertThrows(ConfigException.class, () -> SchemaRegistryClient.create(Map.of("schema.registry.url", "localhost:8081")));
        assertThrows(ConfigException.class, () -> SchemaRegistryClient.create(Map.of("schema.registry.url", " , ")));
        assertThrows(ConfigException.class, () -> SchemaRegistryClient.create(Map.of("schema.registry.url", server.url(),
                "ctflow.registry.retries", "-1")));
        assertThrows(ConfigException.class, () -> SchemaRegistryClient.create(Map.of("schema.registry.url", server.url(),
                "request.header.Host", "evil")));
        assertThrows(ConfigException.class, () -> SchemaRegistryClient.create(Map.of("schema.registry.url", server.url(),
                "schema.registry.ssl.truststore.location", "/nonexistent/truststore.jks")));
    }

    @Test
    void concurrentRegistrationsOfOneSchemaGetOneIdAndOneVersion() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> ids = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                ids.add(pool.submit(() -> SchemaRegistryClient.create(Map.of("schema.registry.url", server.url())).register("race", V1)));
            }
            Set<Integer> distinct = new HashSet<>();
            for (Future<Integer> f : ids) {
                distinct.add(f.get());
            }
            assertEquals(1, distinct.size());
            assertEquals(List.of(1), client.getVersions("race"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aTakenPortIsOneClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RegistryServer.start("127.0.0.1", server.port()));
        assertTrue(e.getMessage().contains("port " + server.port() + " is in use"), e.getMessage());
    }

    @Test
    void aPortOutOfRangeIsAUsageErrorNamingIt() {
        UsageException e = assertThrows(UsageException.class, () -> RegistryServer.start("127.0.0.1", 70000));
        assertEquals("registry port must be 0-65535 (0: any free port), got 70000", e.getMessage());
    }
}
