package io.ctflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.CollectorKeys;
import io.ctflow.collector.live.LiveOptions;
import io.ctflow.config.ConfigSources;
import io.ctflow.config.Settings;
import io.ctflow.streams.AppConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** {@code ctflow streams|collect|record|replay|simulate --help-config} print the declarations; bad settings are one line, exit 2. */
class ConfigCommandLineTest {
    @Test
    void helpConfigPrintsEachAppsTable() {
        CtflowCommandLineTest.Run streams = CtflowCommandLineTest.run("streams", "--help-config");
        assertEquals(0, streams.code(), streams.err());
        assertEquals(AppConfig.SCHEMA.table(), streams.out());
        for (String c : new String[] {"collect", "record", "replay", "simulate"}) {
            CtflowCommandLineTest.Run r = CtflowCommandLineTest.run(c, "--help-config");
            assertEquals(0, r.code(), c + ": " + r.err());
            assertEquals(CollectorKeys.SCHEMA.table(), r.out(), c);
        }
    }

    @Test
    void aBadSettingIsOneLineNamingItsSource() {
        CtflowCommandLineTest.Run r = CtflowCommandLineTest.run("collect", "--heartbeat", "never", "--metrics-port", "0");
        assertEquals(2, r.code());
        assertEquals("ctflow collect: bad setting heartbeat.interval=never (from --heartbeat): not a duration; "
                + "allowed: a duration like 500ms, 3s, 2m, 1h, at least 1ms\n", r.err());
        CtflowCommandLineTest.Run s = CtflowCommandLineTest.run("streams", "--set", "grace=-1s");
        assertEquals(2, s.code());
        assertEquals("ctflow streams: bad setting grace=-1s (from --set grace): must not be negative; "
                + "allowed: a duration like 500ms, 3s, 2m, 1h, not negative\n", s.err());
    }

    @Test
    void theKubernetesConfigMapsSettingsAreValid(@TempDir Path tmp) throws Exception {
        Map<String, Object> cm = new Yaml().load(Files.readString(Path.of("..", "deploy", "kubernetes", "configmap.yaml")));
        @SuppressWarnings("unchecked")
        Map<String, String> data = (Map<String, String>) cm.get("data");
        Settings streams = Settings.load(AppConfig.SCHEMA, new ConfigSources(
                Files.writeString(tmp.resolve("s.properties"), data.get("streams-app.properties")), Map.of(), Map.of(), Map.of()));
        AppConfig.from(streams);
        Settings collector = Settings.load(CollectorKeys.SCHEMA, new ConfigSources(
                Files.writeString(tmp.resolve("c.properties"), data.get("collector.properties")), Map.of(), Map.of(), Map.of()));
        CollectorConfig.from(collector);
        LiveOptions.from(collector);
        assertEquals(tmp.resolve("s.properties") + ":" + lineOf(data.get("streams-app.properties"), "http.port"), streams.origin("http.port"));
    }

    private static int lineOf(String text, String key) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(key + "=")) {
                return i + 1;
            }
        }
        throw new AssertionError(key + " not in the ConfigMap");
    }

    @Test
    void demoUpAndKafkaShareThePortOptions() {
        for (String c : new String[] {"demo", "up", "kafka"}) {
            String help = CtflowCommandLineTest.run(c, "--help").out().replaceAll("\\s+", " ");
            assertTrue(help.contains("--kafka-port=PORT Embedded Kafka port on 127.0.0.1 (default 9092; 0 = any free port)."), c + ": " + help);
            assertTrue(help.contains("--registry-port=PORT Embedded schema registry port on 127.0.0.1 (default 8081; 0 = any free port)."), help);
        }
        assertTrue(CtflowCommandLineTest.run("up", "--help").out().replaceAll("\\s+", " ")
                .contains("--http-port=PORT Streams app HTTP API port (default 7070; 0 = any free port)."));
    }
}
