package io.ctflow.collector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.collector.CollectorMain;
import io.ctflow.testing.Captures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
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
}
