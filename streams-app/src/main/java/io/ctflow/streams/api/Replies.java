package io.ctflow.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ctflow.json.AvroJson;
import java.io.IOException;
import java.io.OutputStream;

/** Writing answers: JSON bodies and the one error shape ({"error": "..."}). */
final class Replies {
    private Replies() {}

    static ObjectNode error(String message) {
        return AvroJson.MAPPER.createObjectNode().put("error", message);
    }

    static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] b = AvroJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        sendBytes(ex, status, "application/json", b);
    }

    static void sendBytes(HttpExchange ex, int status, String contentType, byte[] b) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1); // a HEAD answer has no body
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    /** A 400 for a bad parameter, route code's way out: thrown, caught by the router. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }
}
