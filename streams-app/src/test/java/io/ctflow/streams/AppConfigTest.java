package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.config.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppConfigTest {
    @Test
    void defaultsThenFileThenEnvThenFlagsAndKafkaPassThrough(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("app.properties");
        Files.writeString(f, "reply.timeout.tcp=4s\nwindow=20s\nssl.truststore.location=/etc/ts.jks\nsecurity.protocol=SSL\n");
        AppConfig c = AppConfig.load(f, Map.of("CTFLOW_WINDOW", "30s", "CTFLOW_REPLY_TIMEOUT_UDP", "7s", "HOME", "/root"),
                Map.of("http.port", "8080", "bootstrap.servers", "k:9093"));
        assertEquals(Duration.ofSeconds(4), c.tcpReplyTimeout());
        assertEquals(Duration.ofSeconds(7), c.udpReplyTimeout());
        assertEquals(Duration.ofSeconds(30), c.window(), "env wins over file");
        assertEquals(8080, c.httpPort());
        assertEquals("SSL", c.kafka().get("security.protocol"));
        assertEquals("/etc/ts.jks", c.kafka().get("ssl.truststore.location"));
        assertEquals("k:9093", c.kafka().get("bootstrap.servers"));
        assertEquals("exactly_once_v2", c.kafka().get("processing.guarantee"));
        assertFalse(c.kafka().containsKey("window"), "our own keys stay ours");
        assertEquals(Set.of("53"), c.requestResponseUdp());
    }

    @Test
    void theDecodedFlowsSetIsSizedBySetting() {
        assertEquals(Runtime.getRuntime().maxMemory() / 4, AppConfig.of(Map.of()).flowDecodedMemory(), 1 << 20, "a quarter of the heap");
        assertEquals(64L << 20, AppConfig.of(Map.of("flow.decoded-memory", "64M")).flowDecodedMemory());
        assertEquals(1L << 30, AppConfig.of(Map.of("flow.decoded-memory", "1073741824")).flowDecodedMemory());
        assertEquals(256L << 20, AppConfig.load(null, Map.of("CTFLOW_FLOW_DECODED_MEMORY", "268435456"), Map.of()).flowDecodedMemory());
        String e = assertThrows(UsageException.class, () -> AppConfig.of(Map.of("flow.decoded-memory", "1000"))).getMessage();
        assertTrue(e.contains("flow.decoded-memory=1000"), e);
    }

    @Test
    void mistakesAreOneLineErrors() {
        assertTrue(assertThrows(UsageException.class, () -> AppConfig.of(Map.of("window", "ten"))).getMessage()
                .contains("bad setting window=ten (from the caller): not a duration"));
        assertThrows(UsageException.class, () -> AppConfig.of(Map.of("reply.timeout.tcp", "0s")));
        assertThrows(UsageException.class, () -> AppConfig.of(Map.of("udp.request-response", "53,dns")));
        assertThrows(UsageException.class, () -> AppConfig.load(Path.of("/nonexistent.properties"), Map.of(), Map.of()));
    }
}
