package io.ctflow.streams.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The page's files: only the listed names, with their types; the files reference only each other and build no HTML from text. */
class WebPageTest {
    @Test
    void theIndexIsServedAtTheRootAndTheFilesUnderUi() {
        WebPage.Resource index = WebPage.forPath("/");
        assertEquals("text/html; charset=utf-8", index.contentType());
        assertArrayEquals(index.body(), WebPage.forPath("/ui/index.html").body());
        assertEquals("text/javascript; charset=utf-8", WebPage.forPath("/ui/app.js").contentType());
        assertEquals("text/css; charset=utf-8", WebPage.forPath("/ui/style.css").contentType());
    }

    @Test
    void anyOtherNameIsNotThePages() {
        for (String path : List.of("/index.html", "/ui/", "/ui", "/ui/App.js", "/ui/../ui/app.js", "/ui/io/ctflow/streams/ui/WebPage.class",
                "/ui//app.js", "/ui/app.js/", "/health", "/services")) {
            assertNull(WebPage.forPath(path), path);
        }
    }

    @Test
    void everyListedFileIsInTheJarAndEveryReferenceIsListed() {
        Set<String> referenced = new TreeSet<>();
        Pattern ref = Pattern.compile("(?:from '\\./|src=\"/ui/|href=\"/ui/)([A-Za-z0-9.-]+)");
        for (String name : WebPage.names()) {
            String text = new String(WebPage.forPath("/ui/" + name).body(), StandardCharsets.UTF_8);
            Matcher m = ref.matcher(text);
            while (m.find()) {
                referenced.add(m.group(1));
            }
        }
        referenced.add(WebPage.INDEX);
        assertEquals(new TreeSet<>(WebPage.names()), referenced, "every reference is listed and every listed file is used");
    }

    @Test
    void noFileParsesDataAsHtmlOrCode() {
        for (String name : WebPage.names()) {
            String text = new String(WebPage.forPath("/ui/" + name).body(), StandardCharsets.UTF_8);
            for (String sink : List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                    "http://", "https://", "@import", "url(")) {
                assertFalse(text.contains(sink) && !(name.equals("dom.js") && sink.equals("http://")), name + " uses " + sink);
            }
        }
    }

    @Test
    void thePolicyKeepsThePageToItsOrigin() {
        assertTrue(WebPage.CONTENT_SECURITY_POLICY.startsWith("default-src 'none'; script-src 'self';"));
        assertFalse(WebPage.CONTENT_SECURITY_POLICY.contains("unsafe"));
    }
}
