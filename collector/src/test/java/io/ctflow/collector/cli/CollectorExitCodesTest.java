package io.ctflow.collector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.collector.CollectorMain;
import io.ctflow.testing.Captures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The collector jar follows the README's exit-code policy with the same {@code ctflow COMMAND:} lines as {@code ctflow}. */
class CollectorExitCodesTest {
    record Run(int code, String err) {
        String line() {
            List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
            assertEquals(1, lines.size(), "exactly one line on stderr: " + err);
            assertTrue(!err.contains("\tat "), "no stack trace: " + err);
            return lines.get(0);
        }
    }

    static Run run(String... args) {
        CommandLine cl = CollectorMain.commandLine();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"collect", "record", "replay", "parse"})
    void aBadFlagIsAUsageError(String command) {
        Run r = run(command, "--no-such-flag");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.line().startsWith("ctflow " + command + ": "), r.err());
    }

    @Test
    void aMissingCaptureIsAUsageError() {
        Run r = run("replay", "/no/such/capture", "--bootstrap-servers", "127.0.0.1:1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.line().startsWith("ctflow replay: "), r.err());
    }

    @Test
    void kafkaUnreachableIsARuntimeFailure() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Run r = run("replay", Captures.scenario("bridge-off").toString(), "--bootstrap-servers", "127.0.0.1:" + closed,
                "--set", "connect.timeout=1s");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.line().startsWith("ctflow replay: Kafka unreachable at 127.0.0.1:" + closed), r.err());
    }

    /** A copy of the shipped bridge-off capture with one file replaced, for the replay to refuse before it connects. */
    static Path captureWith(Path tmp, String file, String text) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("capture"));
        try (Stream<Path> files = Files.list(Captures.scenario("bridge-off"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Files.writeString(dir.resolve(file), text);
        return dir;
    }

    static Stream<Arguments> malformedCaptureFiles() {
        return Stream.of(
                Arguments.of("nat-node1.txt", "*nat\n-A KUBE-SERVICES -d 10.96.0.300/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-X\nCOMMIT\n",
                        "nat-node1.txt:2: bad address '10.96.0.300/32'"),
                Arguments.of("facts-node1.txt", "node=node1\nnet.ipv4.ip_forward\n", "facts-node1.txt:2: expected key=value, got 'net.ipv4.ip_forward'"),
                Arguments.of("count-before-node1.txt", "many\n", "count-before-node1.txt: bad conntrack count 'many'"));
    }

    /** iptables, facts and conntrack files of a capture: one line naming the file (and line), exit 2. */
    @ParameterizedTest
    @MethodSource("malformedCaptureFiles")
    void aMalformedCaptureFileIsAUsageErrorNamingTheFileAndLine(String file, String text, String what, @TempDir Path tmp) throws IOException {
        Path dir = captureWith(tmp, file, text);
        Run r = run("replay", dir.toString(), "--bootstrap-servers", "127.0.0.1:1");
        assertEquals(2, r.code(), r.err());
        assertEquals("ctflow replay: " + dir.resolve(what), r.line());
    }

    @Test
    void aDirectoryThatIsNoCaptureAndADirectoryToParseAreUsageErrors(@TempDir Path tmp) {
        Run replay = run("replay", tmp.toString(), "--bootstrap-servers", "127.0.0.1:1");
        assertEquals(2, replay.code(), replay.err());
        assertEquals("ctflow replay: " + tmp + " is not a capture: it has no events-NODE.txt file", replay.line());
        Run parse = run("parse", tmp.toString());
        assertEquals(2, parse.code(), parse.err());
        assertEquals("ctflow parse: " + tmp + " is a directory (to publish a capture use ctflow replay)", parse.line());
    }

    @CommandLine.Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return CliSupport.run("boom", spec.commandLine().getErr(), () -> {
                throw new IllegalArgumentException("flow key out of range");
            });
        }
    }

    /** A bare IllegalArgumentException is a bug, not a user mistake: exit 1 and its stack trace. */
    @Test
    void aBugThatThrowsIllegalArgumentExceptionKeepsItsStackTrace() {
        CommandLine cl = CollectorMain.commandLine();
        cl.addSubcommand(new Boom());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(1, cl.execute("boom"));
        assertTrue(err.toString().startsWith("java.lang.IllegalArgumentException: flow key out of range"), err.toString());
        assertTrue(err.toString().contains("\tat io.ctflow.collector.cli.CollectorExitCodesTest$Boom"), err.toString());
    }
}
