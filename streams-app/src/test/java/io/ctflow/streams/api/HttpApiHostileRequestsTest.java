package io.ctflow.streams.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.config.UsageException;
import io.ctflow.streams.AppConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API under hostile requests, over raw sockets: every one gets its 4xx (or, past the JDK's
 * own header limit, a closed connection), stalled clients do not block others and are cut off, and a
 * normal request still answers afterwards. The app behind it is created but not started: the API
 * answers from its state (/health 503) and the metrics supplier (/metrics 200).
 */
@Timeout(90)
class HttpApiHostileRequestsTest {
    @TempDir
    static Path stateDir;
    static KafkaStreams streams;
    static HttpApi api;
    /** The exchange time limit here (30 s in production), so the test sees stalled clients cut off soon. */
    static final java.time.Duration LIMIT = java.time.Duration.ofSeconds(3);

    @BeforeAll
    static void start() throws IOException {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "hostile");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        streams = new KafkaStreams(b.build(), p);
        api = new HttpApi("127.0.0.1", 0, () -> "ctflow_up 1\n", LIMIT).start(streams);
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
        if (streams != null) {
            streams.close();
        }
    }

    /** Sends the bytes and returns the status line ("" when the server closed the connection without one). */
    static String exchange(byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", api.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (SocketException closedWhileWriting) {
                return "";
            }
            return statusLine(s.getInputStream());
        }
    }

    static String statusLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.write(c);
            }
        } catch (SocketException reset) {
            // closed by the server
        }
        return line.toString(StandardCharsets.ISO_8859_1).strip();
    }

    static String get(String target) throws IOException {
        return exchange(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    static int status(String statusLine) {
        assertTrue(statusLine.startsWith("HTTP/1.1 "), "no HTTP answer: '" + statusLine + "'");
        return Integer.parseInt(statusLine.substring(9, 12));
    }

    @Test
    void listensOnLoopbackUnlessConfigured() {
        assertEquals("127.0.0.1", AppConfig.of(Map.of()).httpHost());
    }

    @Test
    void normalRequestsAnswer() throws IOException {
        assertEquals(200, status(get("/metrics")));
        assertEquals(503, status(get("/health")));
    }

    @Test
    void onlyGetIsServed() throws IOException {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "BREW")) {
            String req = method + " /services HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            assertEquals(405, status(exchange(req.getBytes(StandardCharsets.ISO_8859_1))), method);
        }
        assertEquals(200, status(get("/metrics")));
    }

    @Test
    void pathTraversalIsRefused() throws IOException {
        for (String target : List.of("/../../etc/passwd", "/services/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                "/services/..%2F..%2Fetc%2Fpasswd", "/services/%2E%2E", "/flows/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/./health")) {
            assertEquals(400, status(get(target)), target);
        }
        assertEquals(404, status(get("/etc/passwd")));
        assertEquals(200, status(get("/metrics")));
    }

    @Test
    void badEncodingIsA400() throws IOException {
        for (String target : List.of("/services/%zz", "/services/%", "/services/%e", "/flows/%FF%FE", "/services/%C3%28",
                "/anomalies?since=%E0%A4", "/anomalies?since=%zz", "/anomalies?%ff=1", "/services/a%00b", "/anomalies?since=%0d%0a")) {
            assertEquals(400, status(get(target)), target);
        }
        // Raw bytes that are not ASCII in the request line (invalid UTF-8 too)
        byte[] raw = "GET /services/\u00c3\u0028\u00ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(400, status(exchange(raw)));
        byte[] rawQuery = "GET /anomalies?since=\u00ff\u00fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(400, status(exchange(rawQuery)));
        assertEquals(400, status(exchange("GARBAGE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1))));
        assertEquals(400, status(get("/anomalies?since=yesterday")));
        assertEquals(200, status(get("/metrics")));
    }

    @Test
    void unknownPathsAre404() throws IOException {
        for (String target : List.of("/ui/nope.js", "/nope", "/services2", "/health/x", "/" + "a".repeat(4000))) {
            assertEquals(404, status(get(target)), target);
        }
    }

    @Test
    void hugeHeadersAreRefusedWithoutHarm() throws IOException {
        String big = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\nConnection: close\r\n\r\n";
        assertEquals(431, status(exchange(big.getBytes(StandardCharsets.ISO_8859_1))));
        StringBuilder many = new StringBuilder("GET /metrics HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 150; i++) {
            many.append("X-H").append(i).append(": ").append("b".repeat(200)).append("\r\n");
        }
        assertEquals(431, status(exchange(many.append("Connection: close\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1))));
        // Past the JDK server's own limit the connection is closed before any handler runs: no answer, no harm.
        String huge = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Huge: " + "a".repeat(4 * 1024 * 1024) + "\r\n\r\n";
        String answer = exchange(huge.getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(answer.isEmpty() || status(answer) / 100 == 4, answer);
        assertEquals(200, status(get("/metrics")));
    }

    @Test
    void stalledClientsDoNotBlockOthersAndAreCutOff() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            // More stalled clients than the threads the server keeps: each holds one until the request timeout.
            for (int i = 0; i < 12; i++) {
                Socket s = new Socket("127.0.0.1", api.port());
                s.getOutputStream().write(("GET /metr").getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                stalled.add(s);
            }
            Socket headerless = new Socket("127.0.0.1", api.port()); // connects and sends nothing
            stalled.add(headerless);
            long t0 = System.nanoTime();
            assertEquals(200, status(get("/metrics")));
            assertEquals(503, status(get("/health")));
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "a normal request waited behind stalled clients");
            // The time limit closes each half-sent request; reading then ends (EOF or reset), never times out.
            long limitMillis = LIMIT.toMillis();
            for (Socket s : stalled.subList(0, 12)) {
                s.setSoTimeout((int) (limitMillis + 10_000));
                try {
                    assertEquals(-1, s.getInputStream().read());
                } catch (SocketException reset) {
                    // closed by the server
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("a stalled request was not cut off after " + limitMillis + " ms", e);
                }
            }
            assertEquals(200, status(get("/metrics")));
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    /** A port out of range (--http-port 70000) is the user's mistake, one line and exit 2, not the JDK's bare IllegalArgumentException. */
    @Test
    void aPortOutOfRangeIsAUsageError() {
        UsageException e = assertThrows(UsageException.class,
                () -> new HttpApi("127.0.0.1", 70000, () -> "", LIMIT));
        assertEquals("http.port must be 0-65535 (0: any free port), got 70000", e.getMessage());
    }
}
