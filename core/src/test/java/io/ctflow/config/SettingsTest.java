package io.ctflow.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    static final ConfigSchema SCHEMA = ClientKeys.schema()
            .duration("flow.reap-slack", "120s", Duration.ZERO, "slack")
            .define("http.port", Type.INT, 7070, ConfigDef.Range.between(0, 65535), "port")
            .define("ports", Type.LIST, "53", null, "ports")
            .duration("duration", null, Duration.ofMillis(1), "how long");

    @TempDir
    Path dir;

    Settings load(String file, Map<String, String> env, Map<String, String> flags, Map<String, String> set) throws Exception {
        Path f = null;
        if (file != null) {
            f = dir.resolve("app.properties");
            Files.writeString(f, file);
        }
        return Settings.load(SCHEMA, new ConfigSources(f, env, ConfigSources.flags(flags, "--http-port"), set));
    }

    @Test
    void eachLayerWinsOverTheOnesBelowAndSaysWhereItsValueCameFrom() throws Exception {
        Settings d = load(null, Map.of(), Map.of(), Map.of());
        assertEquals(7070, d.integer("http.port"));
        assertEquals("default", d.origin("http.port"));
        assertNull(d.duration("duration"), "no default: unset");

        Settings file = load("# comment\n\nhttp.port = 1\n", Map.of(), Map.of(), Map.of());
        assertEquals(1, file.integer("http.port"));
        assertEquals(dir.resolve("app.properties") + ":3", file.origin("http.port"));

        Settings env = load("http.port=1\n", Map.of("CTFLOW_HTTP_PORT", "2"), Map.of(), Map.of());
        assertEquals(2, env.integer("http.port"));
        assertEquals("environment CTFLOW_HTTP_PORT", env.origin("http.port"));

        Settings flag = load("http.port=1\n", Map.of("CTFLOW_HTTP_PORT", "2"), Map.of("http.port", "3"), Map.of());
        assertEquals(3, flag.integer("http.port"));
        assertEquals("--http-port", flag.origin("http.port"));

        Settings set = load("http.port=1\n", Map.of("CTFLOW_HTTP_PORT", "2"), Map.of("http.port", "3"), Map.of("http.port", "4"));
        assertEquals(4, set.integer("http.port"));
        assertEquals("--set http.port", set.origin("http.port"));
    }

    @Test
    void aDeclaredKeyWithADashHasItsOwnVariableAndOtherVariablesGoToKafka() throws Exception {
        assertEquals("CTFLOW_FLOW_REAP_SLACK", ConfigSchema.envName("flow.reap-slack"));
        Settings s = load(null, Map.of("CTFLOW_FLOW_REAP_SLACK", "5s", "CTFLOW_SASL_MECHANISM", "PLAIN", "HOME", "/root"), Map.of(), Map.of());
        assertEquals(Duration.ofSeconds(5), s.duration("flow.reap-slack"));
        assertEquals("PLAIN", s.kafka().get("sasl.mechanism"));
        assertFalse(s.kafka().containsKey("flow.reap.slack"));
        assertFalse(s.kafka().containsKey("flow.reap-slack"), "own keys stay ours");
        assertEquals("127.0.0.1:9092", s.kafka().get("bootstrap.servers"), "declared client keys go to Kafka with their default");
        assertEquals(List.of("53"), s.list("ports"));
    }

    @Test
    void aBadValueIsOneLineWithKeyValueSourceAndWhatIsAllowed() throws Exception {
        assertEquals("bad setting http.port=x (from " + dir.resolve("app.properties") + ":2): Not a number of type INT; "
                        + "allowed: [0,...,65535]",
                assertThrows(UsageException.class, () -> load("a=b\nhttp.port=x\n", Map.of(), Map.of(), Map.of())).getMessage());
        assertEquals("bad setting flow.reap-slack=soon (from environment CTFLOW_FLOW_REAP_SLACK): not a duration; "
                        + "allowed: a duration like 500ms, 3s, 2m, 1h, not negative",
                assertThrows(UsageException.class, () -> load(null, Map.of("CTFLOW_FLOW_REAP_SLACK", "soon"), Map.of(), Map.of())).getMessage());
        assertEquals("bad setting http.port=70000 (from --http-port): Value must be no more than 65535; allowed: [0,...,65535]",
                assertThrows(UsageException.class, () -> load(null, Map.of(), Map.of("http.port", "70000"), Map.of())).getMessage());
        assertEquals("bad setting duration=0s (from --set duration): too short; allowed: a duration like 500ms, 3s, 2m, 1h, at least 1ms",
                assertThrows(UsageException.class, () -> load(null, Map.of(), Map.of(), Map.of("duration", "0s"))).getMessage());
        assertEquals("config file not found: /nonexistent.properties", assertThrows(UsageException.class,
                () -> Settings.load(SCHEMA, new ConfigSources(Path.of("/nonexistent.properties"), Map.of(), Map.of(), Map.of()))).getMessage());
        assertEquals(ExitPolicy.USAGE, ExitPolicy.exitCode(assertThrows(UsageException.class, () -> load("http.port=-1\n", Map.of(), Map.of(), Map.of()))));
    }

    @Test
    void aContinuedLineIsReportedAtItsFirstLine() throws Exception {
        Settings s = load("x=1\nports=53,\\\n  123\n", Map.of(), Map.of(), Map.of());
        assertEquals(List.of("53", "123"), s.list("ports"));
        assertEquals(dir.resolve("app.properties") + ":2", s.origin("ports"));
    }

    @Test
    void theTableListsEveryKeyWithTypeDefaultAllowedAndVariable() {
        String t = SCHEMA.table();
        assertEquals("| `flow.reap-slack` | DURATION | `120s` | a duration like 500ms, 3s, 2m, 1h, not negative | `CTFLOW_FLOW_REAP_SLACK` | slack |",
                t.lines().filter(l -> l.startsWith("| `flow.reap-slack`")).findFirst().orElseThrow());
        assertEquals(2 + SCHEMA.keys().size(), t.lines().count());
    }
}
