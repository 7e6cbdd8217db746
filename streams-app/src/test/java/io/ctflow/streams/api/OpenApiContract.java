package io.ctflow.streams.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.ctflow.json.AvroJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The API's OpenAPI document as a test oracle: a real answer must have a documented status, and its
 * body must validate (JSON Schema 2020-12, networknt) against the schema documented for it. Records
 * which path/status pairs were checked, so a test can demand every one.
 */
final class OpenApiContract {
    final JsonNode doc;
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private final Map<String, Schema> schemas = new HashMap<>();
    private final Set<String> checked = new TreeSet<>();

    OpenApiContract() throws IOException {
        try (InputStream in = HttpApi.class.getResourceAsStream(HttpApi.OPENAPI_RESOURCE)) {
            assertNotNull(in, "openapi.json on the class path");
            doc = AvroJson.MAPPER.readTree(in);
        }
        assertEquals("3.1.0", doc.path("openapi").asText());
    }

    /** Validates the answer to a request on {@code template} (as written in the document's paths). */
    void check(String template, HttpResponse<String> r) {
        JsonNode op = doc.path("paths").path(template).path("get");
        assertTrue(op.isObject(), "path " + template + " is documented");
        JsonNode res = op.path("responses").path(Integer.toString(r.statusCode()));
        assertTrue(res.isObject(), template + " documents status " + r.statusCode() + " (body " + abbreviate(r.body()) + ")");
        res = deref(res);
        checked.add(template + " " + r.statusCode());
        JsonNode content = res.path("content");
        if (content.has("text/plain")) {
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), template + " is text");
            return;
        }
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), template + " is JSON");
        JsonNode schema = content.path("application/json").path("schema");
        assertTrue(schema.isObject(), template + " " + r.statusCode() + " has a JSON schema");
        List<Error> errors = schema(schema).validate(r.body(), InputFormat.JSON);
        if (!errors.isEmpty()) {
            fail(template + " " + r.statusCode() + " does not match openapi.json: " + errors + "\nbody: " + abbreviate(r.body()));
        }
    }

    /** Whether a path answers JSON or text (the API), not a page of the web UI (text/html: tested in a browser). */
    boolean isApi(String template) {
        return !doc.path("paths").path(template).path("get").path("responses").path("200").path("content").has("text/html");
    }

    /** Every documented API path/status pair not checked, but for those a test cannot provoke on a healthy app. */
    Set<String> unchecked(Set<String> exempt) {
        Set<String> out = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            if (!isApi(p.getKey())) {
                continue;
            }
            p.getValue().path("get").path("responses").fieldNames().forEachRemaining(status -> {
                if (!exempt.contains(status) && !checked.contains(p.getKey() + " " + status)) {
                    out.add(p.getKey() + " " + status);
                }
            });
        }
        return out;
    }

    private JsonNode deref(JsonNode n) {
        while (n.has("$ref")) {
            String ref = n.get("$ref").asText();
            assertTrue(ref.startsWith("#/"), ref);
            n = doc.at(ref.substring(1));
            assertTrue(n.isObject(), "unresolved " + ref);
        }
        return n;
    }

    /** The response schema inside a copy of the whole document, so its #/components/... references resolve. */
    private Schema schema(JsonNode responseSchema) {
        return schemas.computeIfAbsent(responseSchema.toString(), k -> {
            ObjectNode root = doc.deepCopy();
            root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
            root.setAll((ObjectNode) responseSchema);
            return registry.getSchema(root.toString(), InputFormat.JSON);
        });
    }

    private static String abbreviate(String s) {
        return s.length() <= 2000 ? s : s.substring(0, 2000) + "...";
    }
}
