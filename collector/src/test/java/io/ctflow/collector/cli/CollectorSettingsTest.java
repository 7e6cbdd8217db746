package io.ctflow.collector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.CollectorKeys;
import io.ctflow.collector.live.LiveOptions;
import io.ctflow.collector.live.ServicesMode;
import io.ctflow.config.ConfigSchema;
import io.ctflow.config.Settings;
import io.ctflow.testing.ConfigReadme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code ctflow collect}'s layers through its real command line: defaults → --config → CTFLOW_* → flags → --set. */
class CollectorSettingsTest {
    @TempDir
    Path dir;

    static Settings collect(Map<String, String> env, String... args) {
        CollectCommand cmd = new CollectCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.settings(env);
    }

    /** Every interval of the collector: key, flag (or null: file, env and --set only), and how LiveOptions shows it. */
    static final List<Object[]> INTERVALS = List.of(
            new Object[] {CollectorKeys.STATS_INTERVAL, "--stats-interval", (Function<LiveOptions, Duration>) LiveOptions::statsInterval},
            new Object[] {CollectorKeys.FACTS_INTERVAL, "--facts-interval", (Function<LiveOptions, Duration>) LiveOptions::factsInterval},
            new Object[] {CollectorKeys.HEARTBEAT_INTERVAL, "--heartbeat", (Function<LiveOptions, Duration>) LiveOptions::heartbeat},
            new Object[] {CollectorKeys.RESTART_BACKOFF_MIN, null, (Function<LiveOptions, Duration>) LiveOptions::restartBackoffMin},
            new Object[] {CollectorKeys.RESTART_BACKOFF_MAX, null, (Function<LiveOptions, Duration>) LiveOptions::restartBackoffMax},
            new Object[] {CollectorKeys.HEALTHY_AFTER, null, (Function<LiveOptions, Duration>) LiveOptions::healthyAfter},
            new Object[] {CollectorKeys.DURATION, "--duration", (Function<LiveOptions, Duration>) LiveOptions::duration});

    @Test
    @SuppressWarnings("unchecked")
    void everyIntervalIsSettableFromFileEnvironmentFlagAndSet() throws Exception {
        for (Object[] row : INTERVALS) {
            String key = (String) row[0];
            String flag = (String) row[1];
            Function<LiveOptions, Duration> get = (Function<LiveOptions, Duration>) row[2];
            // the backoff's minimum must stay below its maximum (30s) and its maximum above its minimum (250ms)
            Path f = Files.writeString(dir.resolve(key + ".properties"), key + "=21s\n");
            String env = ConfigSchema.envName(key);
            assertEquals(Duration.ofSeconds(21), get.apply(LiveOptions.from(collect(Map.of(), "--config", f.toString()))), key + " from file");
            assertEquals(Duration.ofSeconds(22), get.apply(LiveOptions.from(collect(Map.of(env, "22s"), "--config", f.toString()))),
                    key + " from " + env);
            if (flag != null) {
                assertEquals(Duration.ofSeconds(23), get.apply(LiveOptions.from(collect(Map.of(env, "22s"), "--config", f.toString(), flag, "23s"))),
                        key + " from " + flag);
                assertEquals(flag, collect(Map.of(), flag, "23s").origin(key));
            }
            assertEquals(Duration.ofSeconds(24), get.apply(LiveOptions.from(collect(Map.of(env, "22s"), "--config", f.toString(), "--set", key + "=24s"))),
                    key + " from --set");
        }
        Settings d = collect(Map.of());
        LiveOptions defaults = new LiveOptions();
        for (Object[] row : INTERVALS) {
            Function<LiveOptions, Duration> get = (Function<LiveOptions, Duration>) row[2];
            assertEquals(d.duration((String) row[0]), get.apply(defaults), "LiveOptions' default is the declaration's: " + row[0]);
        }
        assertEquals(Duration.ofSeconds(10), defaults.statsInterval());
        assertNull(defaults.duration());
    }

    @Test
    void theOtherCollectorFlagsAreLayeredToo() {
        Settings s = collect(Map.of("CTFLOW_SERVICES_FROM", "ipvs", "CTFLOW_TOPIC_PARTITIONS", "3", "CTFLOW_CONNECT_TIMEOUT", "2s"),
                "--buffer", "64M", "--partitions", "4", "--no-create-topics", "--metrics-port", "0", "--keep-raw",
                "--bootstrap-servers", "k:1");
        LiveOptions o = LiveOptions.from(s);
        assertEquals(ServicesMode.IPVS, o.servicesFrom());
        assertEquals(64L << 20, o.bufferBytes());
        assertTrue(o.keepRaw());
        assertEquals(0, s.integer(CollectorKeys.METRICS_PORT));
        CollectorConfig c = CollectorConfig.from(s);
        assertEquals(4, c.partitions(), "flag over env");
        assertEquals(false, c.createTopics());
        assertEquals(Duration.ofSeconds(2), c.connectTimeout());
        assertEquals("k:1", c.bootstrapServers());
        assertEquals("http://127.0.0.1:8081", c.registryUrl());
        assertEquals("all", c.kafka().get("acks"), "the producer defaults are declared and passed on");
        assertEquals(List.of(), new ArrayList<>(c.kafka().keySet()).stream().filter(k -> CollectorKeys.SCHEMA.owns(k)).toList());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "collect --stats-interval 0s --metrics-port 0|ctflow collect: bad setting stats.interval=0s (from --stats-interval): too short; allowed: a duration like 500ms, 3s, 2m, 1h, at least 1ms",
        "collect --set heartbeat.interval=often|ctflow collect: bad setting heartbeat.interval=often (from --set heartbeat.interval): not a duration; allowed: a duration like 500ms, 3s, 2m, 1h, at least 1ms",
        "collect --services-from bpf|ctflow collect: bad setting services.from=bpf (from --services-from): String must be one of (case insensitive): AUTO, IPVS, NFTABLES, IPTABLES, YAML; allowed: (case insensitive) [AUTO, IPVS, NFTABLES, IPTABLES, YAML]",
        "record --out /tmp/ctflow-never --duration soon|ctflow record: bad setting duration=soon (from --duration): not a duration; allowed: a duration like 500ms, 3s, 2m, 1h, at least 1ms",
        "replay /nonexistent --settle -1s|ctflow replay: bad setting replay.settle=-1s (from --settle): must not be negative; allowed: a duration like 500ms, 3s, 2m, 1h, not negative",
        "collect --set conntrack.restart.backoff.max=100ms --metrics-port 0|ctflow collect: bad setting conntrack.restart.backoff.max=100ms (from --set conntrack.restart.backoff.max): below conntrack.restart.backoff.min=250ms; allowed: a duration like 500ms, 3s, 2m, 1h, at least 1ms",
    })
    void aBadValueFromAFlagOrSetIsOneLineAndExitCode2(String args, String line) {
        ParseCommandTest.Run r = ParseCommandTest.run(args.split(" "));
        assertEquals(2, r.code(), r.err());
        assertEquals(line + "\n", r.err());
    }

    @Test
    void aBadValueFromTheFileOrTheEnvironmentNamesIt() throws Exception {
        Path f = Files.writeString(dir.resolve("c.properties"), "bootstrap.servers=k:1\n\nfacts.interval=1 minute\n");
        ParseCommandTest.Run r = ParseCommandTest.run("collect", "--config", f.toString());
        assertEquals(2, r.code());
        assertEquals("ctflow collect: bad setting facts.interval=1 minute (from " + f + ":3): not a duration; "
                + "allowed: a duration like 500ms, 3s, 2m, 1h, at least 1ms\n", r.err());
        assertEquals("bad setting topic.partitions=0 (from environment CTFLOW_TOPIC_PARTITIONS): Value must be at least 1; allowed: [1,...]",
                org.junit.jupiter.api.Assertions.assertThrows(io.ctflow.config.UsageException.class,
                        () -> collect(Map.of("CTFLOW_TOPIC_PARTITIONS", "0"))).getMessage());
    }

    @Test
    void helpConfigPrintsTheTableForEveryCollectorCommand() {
        for (String command : List.of("collect", "record", "replay")) {
            ParseCommandTest.Run r = ParseCommandTest.run(command, "--help-config");
            assertEquals(0, r.code(), r.err());
            assertEquals(CollectorKeys.SCHEMA.table(), r.out(), command);
        }
        String help = ParseCommandTest.run("collect", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("--stats-interval=DURATION conntrack -S / -C stats period (default 10s; setting stats.interval, "
                + "CTFLOW_STATS_INTERVAL)"), help);
    }

    @Test
    void readmeListsExactlyTheDeclaredSettings() throws Exception {
        ConfigReadme.assertSection("collector", CollectorKeys.SCHEMA.table());
    }
}
