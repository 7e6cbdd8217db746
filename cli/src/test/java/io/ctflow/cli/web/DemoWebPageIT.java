package io.ctflow.cli.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ctflow.cli.ConsoleText;
import io.ctflow.cli.DemoCommandTestAccess;
import io.ctflow.testing.Poll;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page on the running demo (embedded broker, the shipped bridge-off capture replayed, the
 * streams app): the demo prints its URL, the app serves it, and headless Chromium shows the
 * capture's anomalies, Services and node; a screenshot is kept in target/ui/.
 */
@Timeout(300)
class DemoWebPageIT {
    static final Set<String> SERVICES = Set.of("default/api:http", "default/legacy:http", "default/web:http", "kube-system/kube-dns:dns");
    static final Set<String> BROKEN = Set.of("default/legacy:http", "default/web:http", "kube-system/kube-dns:dns");
    static final Path ARTIFACTS = Path.of("target", "ui");

    @Test
    void theDemoServesItsPageAndChromiumShowsTheAnomaliesAndServices(@TempDir Path work) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        DemoCommandTestAccess.Running demo = DemoCommandTestAccess.start(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                "--capture", "bridge-off", "--kafka-port", "0", "--registry-port", "0", "--http-port", "0");
        try {
            Poll.until(Duration.ofSeconds(180), () -> {
                boolean complete = err.toString(StandardCharsets.UTF_8).contains("results complete");
                if (!complete && !demo.isAlive()) {
                    fail("the demo ended before its results were complete: " + err.toString(StandardCharsets.UTF_8));
                }
                return complete;
            }, () -> "the demo's results complete: " + err.toString(StandardCharsets.UTF_8));
            String console = ConsoleText.normalized(err);
            assertTrue(console.startsWith("""
                    ctflow demo: starting embedded Kafka on 0 and the schema registry on 0 ...
                    ctflow demo: web page http://127.0.0.1:PORT/
                    ctflow demo: streams app up, HTTP API on http://127.0.0.1:PORT; replaying bridge-off (node1, node2)
                    """), console);
            Matcher m = Pattern.compile("ctflow demo: web page (http://127\\.0\\.0\\.1:\\d+/)").matcher(err.toString(StandardCharsets.UTF_8));
            assertTrue(m.find());
            String url = m.group(1);
            servesThePageFiles(url);

            Path shots = Files.createDirectories(ARTIFACTS);
            HeadlessChromium chromium = HeadlessChromium.find(work).orElse(null);
            Assumptions.assumeTrue(chromium != null, "chromium not installed (Debian: apt-get install chromium); CI installs it");

            String dom = domOnceReady(chromium, url, d -> rows(d, "anomaly").size() == 3 && rows(d, "service-row").size() == 4);
            Files.writeString(shots.resolve("demo-page.html"), dom);
            assertEquals(BROKEN, new TreeSet<>(rows(dom, "anomaly")), dom);
            assertEquals(3, count(dom, "data-type=\"INCOMPLETE_NAT\""), dom);
            assertEquals(3, count(dom, "data-cause=\"REPLY_BYPASSED_CONNTRACK\""), dom);
            for (String name : BROKEN) {
                assertEquals(2, count(dom, ">" + name + "</a>"), name + " as text, in its anomaly and in the Services table: " + dom);
            }
            assertEquals(3, count(dom, "data-status=\"OPEN\""), dom);
            assertEquals(SERVICES, new TreeSet<>(rows(dom, "service-row")), dom);
            assertTrue(dom.contains("<tr class=\"node\" data-node=\"node1\">"), dom);
            assertTrue(dom.contains("10.244.1.2:52488"), "the legacy Service's client: " + dom);
            assertTrue(dom.contains("set net.bridge.bridge-nf-call-iptables=1 on node1"), "the hint: " + dom);

            String service = domOnceReady(chromium, url + "#/service/" + enc("default/web:http"), d -> d.contains("class=\"backend\""));
            assertTrue(service.contains("<section id=\"service\" data-service=\"default/web:http\">"), service);
            assertTrue(service.contains("data-backend=\"10.244.1.3:8080\""), service);

            String anomalyId = "tcp,10.244.1.3:8080,10.244.1.2:49502@node1";
            String anomaly = domOnceReady(chromium, url + "#/anomaly/" + enc(anomalyId), d -> d.contains("class=\"evidence\""));
            assertTrue(anomaly.contains("<div class=\"node-lane\" data-node=\"node1\">"), anomaly);
            assertTrue(anomaly.contains("SYN_SENT"), anomaly);

            Path png = shots.resolve("demo-page.png");
            chromium.screenshot(url, png, 1400, 1000, 5000);
            byte[] b = Files.readAllBytes(png);
            assertTrue(b.length > 10_000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', "a PNG: " + b.length + " bytes");
        } finally {
            demo.stop();
        }
    }

    /** Loads the page until its DOM passes {@code ready} (the app may still be settling), for up to 60 s. */
    static String domOnceReady(HeadlessChromium chromium, String url, java.util.function.Predicate<String> ready) throws Exception {
        String[] dom = {""};
        return Poll.value(Duration.ofSeconds(60), () -> {
            dom[0] = chromium.dumpDom(url, 5000);
            return dom[0].contains("data-state=\"ready\"") && ready.test(dom[0]) ? dom[0] : null;
        }, () -> "the page at " + url + " ready: " + dom[0]);
    }

    /** The data-service of each table row of that class (anomaly rows, Service rows). */
    static List<String> rows(String dom, String cls) {
        Matcher m = Pattern.compile("<tr class=\"" + cls + "[^\"]*\"[^>]*? data-service=\"([^\"]*)\"").matcher(dom);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The page and its files come with their types and the same-origin policy; other names are not served. */
    static void servesThePageFiles(String url) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> index = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, index.statusCode());
        assertEquals("text/html; charset=utf-8", index.headers().firstValue("Content-Type").orElse(""));
        assertTrue(index.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
        assertTrue(index.body().contains("<script type=\"module\" src=\"/ui/app.js\"></script>"), index.body());
        HttpResponse<String> js = http.send(HttpRequest.newBuilder(URI.create(url + "ui/app.js")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, js.statusCode());
        assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("Content-Type").orElse(""));
        for (String other : List.of("ui/missing.js", "ui/", "ui/io/ctflow/streams/ui/WebPage.class", "index.html")) {
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(url + other)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode(), other);
        }
        assertEquals(400, http.send(HttpRequest.newBuilder(URI.create(url + "ui/%2e%2e/ui/app.js")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }
}
