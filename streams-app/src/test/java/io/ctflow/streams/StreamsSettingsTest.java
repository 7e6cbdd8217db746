package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.testing.ConfigReadme;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ctflow streams}' layers through its real command line: defaults → --config → CTFLOW_* → flags → --set. */
class StreamsSettingsTest {
    @TempDir
    Path dir;

    static AppConfig parse(Map<String, String> env, String... args) {
        StreamsCommand cmd = new StreamsCommand();
        new CommandLine(cmd).parseArgs(args);
        return AppConfig.load(cmd.sources(env));
    }

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = StreamsMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void eachLayerWinsOverTheOneBefore() throws Exception {
        Path f = Files.writeString(dir.resolve("s.properties"), "http.port=1\nwindow=20s\nflow.reap-slack=7s\ngrace=3s\n");
        Map<String, String> env = Map.of("CTFLOW_HTTP_PORT", "2", "CTFLOW_WINDOW", "30s", "CTFLOW_FLOW_REAP_SLACK", "8s");
        assertEquals(7070, parse(Map.of()).httpPort(), "default");
        assertEquals(1, parse(Map.of(), "--config", f.toString()).httpPort(), "file");
        AppConfig fromEnv = parse(env, "--config", f.toString());
        assertEquals(2, fromEnv.httpPort(), "env over file");
        assertEquals(Duration.ofSeconds(30), fromEnv.window());
        assertEquals(Duration.ofSeconds(8), fromEnv.flowReapSlack(), "CTFLOW_FLOW_REAP_SLACK sets flow.reap-slack");
        assertEquals(Duration.ofSeconds(3), fromEnv.grace(), "file where env is silent");
        assertEquals(3, parse(env, "--config", f.toString(), "--http-port", "3").httpPort(), "flag over env");
        assertEquals(4, parse(env, "--config", f.toString(), "--http-port", "3", "--set", "http.port=4").httpPort(), "--set over flag");
        AppConfig clients = parse(Map.of("CTFLOW_BOOTSTRAP_SERVERS", "k:1"), "--schema-registry-url", "http://r:2", "--state-dir", "/tmp/s");
        assertEquals("k:1", clients.kafka().get("bootstrap.servers"));
        assertEquals("http://r:2", clients.registryUrl());
        assertEquals("/tmp/s", clients.kafka().get("state.dir"));
        assertEquals("ctflow-streams", clients.kafka().get("application.id"));
    }

    @Test
    void aBadValueNamesKeyValueSourceAndWhatIsAllowed() throws Exception {
        Path f = Files.writeString(dir.resolve("s.properties"), "# c\nwindow=ten\n");
        Run file = run("--config", f.toString());
        assertEquals(2, file.code());
        assertEquals("ctflow streams: bad setting window=ten (from " + f + ":2): not a duration; "
                + "allowed: a duration like 500ms, 3s, 2m, 1h, at least 1ms\n", file.err());
        assertEquals("bad setting window=0s (from environment CTFLOW_WINDOW): too short; "
                + "allowed: a duration like 500ms, 3s, 2m, 1h, at least 1ms", org.junit.jupiter.api.Assertions.assertThrows(
                        io.ctflow.config.UsageException.class, () -> parse(Map.of("CTFLOW_WINDOW", "0s"))).getMessage());
        Run flag = run("--http-port", "http");
        assertEquals(2, flag.code());
        assertEquals("ctflow streams: bad setting http.port=http (from --http-port): Not a number of type INT; allowed: [0,...,65535]\n",
                flag.err());
        Run set = run("--set", "udp.request-response=53,dns");
        assertEquals(2, set.code());
        assertEquals("ctflow streams: bad setting udp.request-response=53,dns (from --set udp.request-response): 'dns' is not a port; "
                + "allowed: comma-separated ports 1-65535\n", set.err());
    }

    @Test
    void helpConfigPrintsTheTableAndHelpTakesDescriptionsFromIt() {
        Run r = run("--help-config");
        assertEquals(0, r.code(), r.err());
        assertEquals(AppConfig.SCHEMA.table(), r.out());
        assertTrue(r.out().contains("| `reply.timeout.tcp` | DURATION | `3s` | a duration like 500ms, 3s, 2m, 1h, at least 1ms | "
                + "`CTFLOW_REPLY_TIMEOUT_TCP` | how long a NATed TCP entry may stay unreplied before it is an anomaly |"), r.out());
        String help = run("--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("--http-port=PORT HTTP API port (0: any free port) (default 7070; setting http.port, CTFLOW_HTTP_PORT)"), help);
        assertTrue(help.contains("--bootstrap-servers=HOST:PORT[,...] Kafka bootstrap servers"), help);
    }

    @Test
    void readmeListsExactlyTheDeclaredSettings() throws Exception {
        ConfigReadme.assertSection("streams", AppConfig.SCHEMA.table());
    }
}
