package io.ctflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.testing.Captures;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exit-code policy (README "Exit codes") command by command, in-process: 2 and one line
 * {@code ctflow COMMAND: ...} for a usage error, 1 and one such line for a runtime failure.
 */
class ExitPolicyCommandLineTest {
    static final List<String> COMMANDS = CtflowCommandLineTest.SUBCOMMANDS;

    @TempDir
    static Path tmp; // JUnit removes it after the class: no ctflow-exit-* left in /tmp
    /** A loopback port nobody listens on: Kafka there is unreachable at once. */
    static int closedPort;

    @BeforeAll
    static void setUp() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
    }

    @ParameterizedTest
    @FieldSource("COMMANDS")
    void aBadFlagIsAUsageError(String command) {
        CtflowCommandLineTest.Run r = CtflowCommandLineTest.run(command, "--no-such-flag");
        assertEquals(2, r.code(), r.err());
        String line = oneLine(r);
        assertTrue(line.startsWith("ctflow " + command + ": "), line);
        assertTrue(line.endsWith("(see 'ctflow " + command + " --help')"), line);
    }

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(List.of("demo", "--capture", "/no/such/capture", "--once"),
                        "ctflow demo: capture '/no/such/capture' is neither a directory nor a shipped capture"),
                Arguments.of(List.of("replay", "/no/such/capture", "--bootstrap-servers", "127.0.0.1:1"), "ctflow replay: "),
                Arguments.of(List.of("streams", "--config", "/no/such/streams.properties"), "ctflow streams: "),
                Arguments.of(List.of("score", "--results", "/no/such/results.jsonl", "--truth", "/no/such/truth.json"), "ctflow score: "),
                Arguments.of(List.of("tail", "ctflow.anomalies", "--max-idle", "soon"), "ctflow tail: "),
                Arguments.of(List.of("kafka", "--kafka-port", "http"), "ctflow kafka: "),
                Arguments.of(List.of("bench", "--no-such-flag"), "ctflow bench: "),
                Arguments.of(List.of("simulate", "--nodes", "many"), "ctflow simulate: "),
                Arguments.of(List.of("parse", "/no/such/events.txt"), "ctflow parse: "),
                Arguments.of(List.of("collect", "--services-yaml", "/no/such/services.yaml", "--bootstrap-servers", "127.0.0.1:1"),
                        "ctflow collect: "));
    }

    @ParameterizedTest
    @MethodSource("usageErrors")
    void aBadValueOrMissingFileIsAUsageError(List<String> args, String linePrefix) {
        CtflowCommandLineTest.Run r = CtflowCommandLineTest.run(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        String line = oneLine(r);
        assertTrue(line.startsWith(linePrefix), line);
    }

    /** Values checked by the commands themselves (not by picocli's types): one exact line each, exit 2. */
    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of(List.of("simulate", "--nodes", "0", "--services", "5", "--rate", "100", "--duration", "10s", "--out", "/no/such/out"),
                        "ctflow simulate: --nodes must be between 1 and "),
                Arguments.of(List.of("simulate", "--nodes", "2", "--services", "5", "--rate", "100", "--duration", "10s"),
                        "ctflow simulate: give --out DIR to write a capture, or --bootstrap-servers and "),
                Arguments.of(List.of("score", "--truth", "/no/such/truth.json", "--results", "/no/such/results.jsonl", "--min-precision", "2"),
                        "ctflow score: --min-precision and --min-recall must be between 0 and 1"),
                Arguments.of(List.of("tail", "ctflow.anomalies", "--max", "0"), "ctflow tail: --max must be at least 1, got 0"),
                Arguments.of(List.of("bench", "--only", "everything"), "ctflow bench: --only must be one of "));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void aBadValueIsOneLineNamingTheFlag(List<String> args, String linePrefix) {
        CtflowCommandLineTest.Run r = CtflowCommandLineTest.run(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        String line = oneLine(r);
        assertTrue(line.startsWith(linePrefix), line);
    }

    /** Input files (truth and results of score): one line naming the file and the line, exit 2. */
    @Test
    void aMalformedInputFileIsOneLineNamingFileAndLine() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("a-directory"));
        CtflowCommandLineTest.Run r = CtflowCommandLineTest.run("score", "--truth", dir.toString(), "--results", "/no/such/results.jsonl");
        assertEquals(2, r.code(), r.err());
        assertEquals("ctflow score: " + dir + ": is a directory, not a file", oneLine(r));
        Path truth = Files.writeString(tmp.resolve("truth.json"), "{\"anomalies\": [");
        r = CtflowCommandLineTest.run("score", "--truth", truth.toString(), "--results", "/no/such/results.jsonl");
        assertEquals(2, r.code(), r.err());
        assertTrue(oneLine(r).startsWith("ctflow score: " + truth + ":1: bad JSON: "), r.err());
    }

    @Test
    void kafkaUnreachableIsARuntimeFailureForReplay() {
        CtflowCommandLineTest.Run r = CtflowCommandLineTest.run("replay", Captures.scenario("bridge-off").toString(),
                "--bootstrap-servers", "127.0.0.1:" + closedPort, "--set", "connect.timeout=1s");
        assertEquals(1, r.code(), r.err());
        assertTrue(oneLine(r).startsWith("ctflow replay: Kafka unreachable at 127.0.0.1:" + closedPort), r.err());
    }

    @Test
    void kafkaUnreachableIsARuntimeFailureForTail() {
        CtflowCommandLineTest.Run r = CtflowCommandLineTest.run("tail", "ctflow.anomalies", "--bootstrap-servers", "127.0.0.1:" + closedPort,
                "--set", "default.api.timeout.ms=1000", "--max-idle", "1s");
        assertEquals(1, r.code(), r.err());
        assertEquals("ctflow tail: cannot reach Kafka at 127.0.0.1:" + closedPort + " to find topic ctflow.anomalies", oneLine(r));
    }

    @Test
    void anUnwritableStateDirectoryIsARuntimeFailureForStreams() throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        CtflowCommandLineTest.Run r = CtflowCommandLineTest.run("streams", "--state-dir", file.resolve("state").toString(),
                "--bootstrap-servers", "127.0.0.1:" + closedPort, "--http-port", "0");
        assertEquals(1, r.code(), r.err());
        assertTrue(oneLine(r).startsWith("ctflow streams: state directory " + file.resolve("state") + " is not writable"), r.err());
    }

    private static String oneLine(CtflowCommandLineTest.Run r) {
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "exactly one line on stderr: " + r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
        return lines.get(0);
    }
}
